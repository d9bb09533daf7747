"""Staff pages of webhooks: endpoints (add, change, rotate the secret, test, delete), each one's
delivery log, and one delivery with its attempts and "send again". Admins only."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sayso.core.permissions import StaffRequest, staff_required
from sayso.core.web import errors_text, get_or_404
from sayso.notifications.selectors import unread_alert_count
from sayso.webhooks import selectors, services
from sayso.webhooks.forms import EndpointForm
from sayso.webhooks.models import Delivery, Endpoint


def _context(request: StaffRequest, **values: Any) -> dict[str, Any]:
    values["alert_count"] = unread_alert_count(
        organization=request.organization, recipient=request.user
    )
    return values


def _endpoint_or_404(request: StaffRequest, pk: int) -> Endpoint:
    return get_or_404(
        selectors.endpoint_get, pk, organization=request.organization, message="No such endpoint."
    )


def _delivery_or_404(request: StaffRequest, pk: int) -> Delivery:
    return get_or_404(
        selectors.delivery_get, pk, organization=request.organization, message="No such delivery."
    )


def _with_secret(request: StaffRequest, endpoint: Endpoint, secret: str) -> HttpResponse:
    """The endpoint's page with its new secret, shown this once."""
    return _detail(request, endpoint, EndpointForm(initial=_initial(endpoint)), secret=secret)


def _initial(endpoint: Endpoint) -> dict[str, Any]:
    return {
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": endpoint.event_types,
        "enabled": endpoint.enabled,
    }


def _detail(
    request: StaffRequest, endpoint: Endpoint, form: EndpointForm, secret: str = ""
) -> HttpResponse:
    deliveries = selectors.delivery_list(organization=request.organization, endpoint=endpoint)
    page = Paginator(deliveries, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "webhooks/endpoint_detail.html",
        _context(request, endpoint=endpoint, form=form, page=page, new_secret=secret),
    )


@staff_required("webhook.manage")
def endpoint_list(request: StaffRequest) -> HttpResponse:
    endpoints = selectors.endpoint_list(organization=request.organization)
    return render(request, "webhooks/endpoint_list.html", _context(request, endpoints=endpoints))


@staff_required("webhook.manage")
def endpoint_new(request: StaffRequest) -> HttpResponse:
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = services.endpoint_create(
                organization=request.organization, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Endpoint added. Copy its secret now.")
            return _with_secret(request, endpoint, secret)
    return render(request, "webhooks/endpoint_form.html", _context(request, form=form))


@staff_required("webhook.manage")
def endpoint_detail(request: StaffRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint_or_404(request, pk)
    form = EndpointForm(request.POST or None, initial=_initial(endpoint))
    if request.method == "POST" and form.is_valid():
        try:
            services.endpoint_update(endpoint=endpoint, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Endpoint saved.")
            return redirect("webhook-detail", org=request.organization.slug, pk=endpoint.pk)
    return _detail(request, endpoint, form)


@staff_required("webhook.manage")
@require_POST
def endpoint_rotate(request: StaffRequest, pk: int) -> HttpResponse:
    endpoint, secret = services.endpoint_secret_rotate(
        endpoint=_endpoint_or_404(request, pk), actor=request.user
    )
    messages.success(request, "New secret made; the old one still signs for 24 hours.")
    return _with_secret(request, endpoint, secret)


@staff_required("webhook.manage")
@require_POST
def endpoint_test(request: StaffRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint_or_404(request, pk)
    delivery = services.endpoint_send_test(endpoint=endpoint, actor=request.user)
    messages.success(request, "Test event queued: its delivery is at the top of the log.")
    return redirect("webhook-delivery", org=request.organization.slug, pk=delivery.pk)


@staff_required("webhook.manage")
@require_POST
def endpoint_delete(request: StaffRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint_or_404(request, pk)
    services.endpoint_delete(endpoint=endpoint, actor=request.user)
    messages.success(request, f"Endpoint {endpoint.url} deleted with its delivery log.")
    return redirect("webhook-list", org=request.organization.slug)


@staff_required("webhook.manage")
def delivery_detail(request: StaffRequest, pk: int) -> HttpResponse:
    delivery = _delivery_or_404(request, pk)
    return render(
        request,
        "webhooks/delivery_detail.html",
        _context(request, delivery=delivery, attempts=list(delivery.attempts.all())),
    )


@staff_required("webhook.manage")
@require_POST
def delivery_resend(request: StaffRequest, pk: int) -> HttpResponse:
    delivery = _delivery_or_404(request, pk)
    try:
        again = services.delivery_resend(delivery=delivery, actor=request.user)
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
        return redirect("webhook-delivery", org=request.organization.slug, pk=delivery.pk)
    messages.success(request, "Sent again as a new delivery (the same webhook-id).")
    return redirect("webhook-delivery", org=request.organization.slug, pk=again.pk)
