"""Staff pages for customers: the profile with its one timeline, identities, merge/unmerge."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sayso.core.permissions import StaffRequest, staff_required
from sayso.core.web import errors_text, get_or_404
from sayso.customers import selectors, services
from sayso.customers.forms import IdentityForm, MergeForm
from sayso.customers.models import Customer
from sayso.customers.sections import CUSTOMER
from sayso.notifications.selectors import unread_alert_count


def _customer_or_404(request: StaffRequest, pk: int) -> Customer:
    return get_or_404(
        selectors.customer_get, pk, organization=request.organization, message="No such customer."
    )


@staff_required("customer.read")
def customer_list(request: StaffRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    customers = selectors.customer_list(organization=request.organization, query=query)
    page = Paginator(customers, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "customers/customer_list.html",
        {
            "page": page,
            "query": query,
            "alert_count": unread_alert_count(
                organization=request.organization, recipient=request.user
            ),
        },
    )


@staff_required("customer.read")
def customer_detail(request: StaffRequest, pk: int) -> HttpResponse:
    customer = _customer_or_404(request, pk)
    if customer.merged_into_id is not None:
        messages.info(request, f"{customer.display_name} was merged into this customer.")
        return redirect(
            "customer-detail", org=request.organization.slug, pk=customer.merged_into_id
        )
    identities = selectors.identities_of(customer=customer)
    return render(
        request,
        "customers/customer_detail.html",
        {
            "customer": customer,
            "identities": identities,
            "timeline": selectors.customer_timeline(
                organization=request.organization, customer=customer, limit=300
            ),
            "merges": selectors.merges_of(organization=request.organization, customer=customer),
            "suggestions": selectors.merge_suggestions(
                organization=request.organization, customer=customer, identities=identities
            ),
            "identity_form": IdentityForm(),
            "merge_form": MergeForm(),
            "alert_count": unread_alert_count(
                organization=request.organization, recipient=request.user
            ),
            # Other apps' sections: conversations the customer's cases.
            **CUSTOMER.context(organization=request.organization, customer=customer),
        },
    )


@require_POST
@staff_required("customer.write")
def identity_add(request: StaffRequest, pk: int) -> HttpResponse:
    customer = _customer_or_404(request, pk)
    form = IdentityForm(request.POST)
    if form.is_valid():
        try:
            services.identity_add(
                customer=customer,
                kind=form.cleaned_data["kind"],
                value=form.cleaned_data["value"],
                actor=request.user,
            )
            messages.success(request, "Identity added.")
        except ValidationError as exc:
            messages.error(request, errors_text(exc))
    else:
        messages.error(request, "Choose a kind and give a value.")
    return redirect("customer-detail", org=request.organization.slug, pk=customer.pk)


@require_POST
@staff_required("customer.merge")
def customer_merge(request: StaffRequest, pk: int) -> HttpResponse:
    target = _customer_or_404(request, pk)
    form = MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the number of the customer to merge into this one.")
        return redirect("customer-detail", org=request.organization.slug, pk=target.pk)
    source = selectors.customer_get(
        organization=request.organization, pk=form.cleaned_data["source"]
    )
    if source is None:
        messages.error(request, "There is no such customer in this organization.")
        return redirect("customer-detail", org=request.organization.slug, pk=target.pk)
    try:
        services.customer_merge(source=source, target=target, actor=request.user)
        messages.success(
            request, f"{source.display_name} merged into {target.display_name}. You can undo it."
        )
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    return redirect("customer-detail", org=request.organization.slug, pk=target.pk)


@require_POST
@staff_required("customer.merge")
def customer_unmerge(request: StaffRequest, merge_pk: int) -> HttpResponse:
    merge = get_or_404(
        selectors.customer_merge_get,
        merge_pk,
        organization=request.organization,
        message="No such merge.",
    )
    try:
        source = services.customer_unmerge(merge=merge, actor=request.user)
        messages.success(request, f"Merge undone: {source.display_name} is separate again.")
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    return redirect("customer-detail", org=request.organization.slug, pk=merge.target_id)


@staff_required("customer.read")
def merge_suggestion_list(request: StaffRequest) -> HttpResponse:
    return render(
        request,
        "customers/merge_suggestions.html",
        {
            "suggestions": selectors.merge_suggestions(organization=request.organization),
            "alert_count": unread_alert_count(
                organization=request.organization, recipient=request.user
            ),
        },
    )
