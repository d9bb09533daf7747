"""Pages: the customer's "what you know about me" with its export and erasure buttons, the
public erasure receipt, and staff's list of waiting erasures and per-customer buttons."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from sayso.core.permissions import StaffRequest, staff_required
from sayso.core.selectors import organization_by_slug
from sayso.core.web import errors_text, get_or_404
from sayso.customers.portal_session import PortalRequest, portal_sign_out, portal_view
from sayso.privacy import selectors, services
from sayso.privacy.models import ExportStatus
from sayso.privacy.staff_exports import staff_customer_or_404, zip_response

# --- the portal -----------------------------------------------------------------------------


@require_GET
@portal_view(sign_in_required=True)
def my_data(request: PortalRequest) -> HttpResponse:
    customer = request.customer
    assert customer is not None
    if customer.erased_at is not None:
        # Nothing of theirs is left to show: the session of an erased customer ends here.
        portal_sign_out(request, request.organization)
        messages.info(request, "Your personal data was erased.")
        return redirect("portal-home", org=request.organization.slug)
    document = services.personal_data_collect(customer=customer)
    return render(
        request,
        "privacy/my_data.html",
        {
            "organization": request.organization,
            "customer": customer,
            "sections": document["sections"],
            "erasure": selectors.erasure_open_of(
                organization=request.organization, customer=customer
            ),
            "export": selectors.export_latest(organization=request.organization, customer=customer),
        },
    )


@require_POST
@portal_view(sign_in_required=True)
def my_data_export(request: PortalRequest) -> HttpResponse:
    assert request.customer is not None
    if services.export_is_large(customer=request.customer):
        services.export_start(customer=request.customer, by_customer=True)
        messages.info(request, "Your download is being prepared; this page shows when it's ready.")
        return redirect("privacy-my-data", org=request.organization.slug)
    data = services.export_build(customer=request.customer, by_customer=True)
    return zip_response(data, request.customer)


@require_GET
@portal_view(sign_in_required=True)
def my_data_export_download(request: PortalRequest, pk: int) -> HttpResponse:
    """A background export, once ready (the customer's own only)."""
    assert request.customer is not None
    export = get_or_404(
        selectors.export_get,
        pk,
        organization=request.organization,
        customer=request.customer,
        message="No such download.",
    )
    if export.status != ExportStatus.READY:
        raise Http404("No such download.")
    return zip_response(bytes(export.archive), request.customer)


@require_POST
@portal_view(sign_in_required=True)
def my_data_name(request: PortalRequest) -> HttpResponse:
    """The customer corrects the name the team knows them by (their public name is set on
    the profile page)."""
    assert request.customer is not None
    name = request.POST.get("display_name", "")
    if not name.strip():
        messages.error(request, "Write the name the team should know you by.")
        return redirect("privacy-my-data", org=request.organization.slug)
    try:
        services.display_name_correct(customer=request.customer, display_name=name)
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(request, "Your name is corrected.")
    return redirect("privacy-my-data", org=request.organization.slug)


@require_POST
@portal_view(sign_in_required=True)
def my_data_erase(request: PortalRequest) -> HttpResponse:
    assert request.customer is not None
    if request.POST.get("confirm") != "yes":
        messages.error(request, "Tick the box to confirm that you want your data erased.")
        return redirect("privacy-my-data", org=request.organization.slug)
    try:
        erasure = services.erasure_request(customer=request.customer, by_customer=True)
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(
            request,
            f"Your data will be erased on {erasure.due_at:%-d %B %Y}. We emailed you a receipt; "
            "you can cancel until then.",
        )
    return redirect("privacy-my-data", org=request.organization.slug)


@require_POST
@portal_view(sign_in_required=True)
def my_data_erase_cancel(request: PortalRequest) -> HttpResponse:
    assert request.customer is not None
    erasure = selectors.erasure_open_of(
        organization=request.organization, customer=request.customer
    )
    if erasure is None:
        messages.error(request, "There is no erasure request to cancel.")
    else:
        services.erasure_cancel(erasure=erasure, by_customer=True)
        messages.success(request, "Cancelled: nothing will be erased.")
    return redirect("privacy-my-data", org=request.organization.slug)


@require_GET
def erasure_receipt(request: Any, org: str, receipt_id: Any) -> HttpResponse:
    """The receipt of an erasure request, by its unguessable id (it holds no personal data,
    and the customer can no longer sign in once erased)."""
    organization = organization_by_slug(slug=org)
    if organization is None:
        raise Http404("No such organization.")
    erasure = selectors.erasure_by_receipt(organization=organization, receipt_id=receipt_id)
    if erasure is None:
        raise Http404("No such receipt.")
    response = JsonResponse(selectors.receipt_document(erasure), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'inline; filename="erasure-receipt-{receipt_id}.json"'
    return response


# --- staff ----------------------------------------------------------------------------------


@require_GET
@staff_required("privacy.manage")
def staff_erasures(request: StaffRequest) -> HttpResponse:
    return render(
        request,
        "privacy/staff_erasures.html",
        {
            "waiting": selectors.erasures_waiting(organization=request.organization)[:500],
            "recent": selectors.erasures_of(organization=request.organization).exclude(
                status__in=["pending", "failed"]
            )[:100],
        },
    )


@require_POST
@staff_required("privacy.manage")
def staff_customer_erase(request: StaffRequest, pk: int) -> HttpResponse:
    customer = staff_customer_or_404(request, pk)
    channel = request.POST.get("channel", "").strip()[:40]
    if not channel:
        messages.error(request, "Say how the customer asked (email, phone, letter…).")
        return redirect("customer-detail", org=request.organization.slug, pk=customer.pk)
    try:
        erasure = services.erasure_request(
            customer=customer, by_customer=False, actor=request.user, channel=channel
        )
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
        return redirect("customer-detail", org=request.organization.slug, pk=customer.pk)
    messages.success(request, f"Erasure requested, due {erasure.due_at:%-d %B %Y}.")
    return redirect("privacy-staff-erasures", org=request.organization.slug)


@require_POST
@staff_required("privacy.manage")
def staff_erasure_cancel(request: StaffRequest, pk: int) -> HttpResponse:
    erasure = get_or_404(
        selectors.erasure_get, pk, organization=request.organization, message="No such request."
    )
    try:
        services.erasure_cancel(erasure=erasure, actor=request.user)
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(request, "Cancelled.")
    return redirect("privacy-staff-erasures", org=request.organization.slug)
