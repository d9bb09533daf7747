"""Staff's export of a customer's data from the customer page: a small one is downloaded at
once; a large one (over ``SAYSO_EXPORT_SYNC_MAX_MESSAGES`` messages) is built by a background
task, shown on the customer page with its progress, and downloaded from there when ready."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from sayso.core.permissions import StaffRequest, staff_required
from sayso.core.web import get_or_404, object_id
from sayso.customers.models import Customer
from sayso.customers.selectors import customer_get
from sayso.privacy import selectors, services
from sayso.privacy.models import ExportStatus


def zip_response(data: bytes, customer: Customer) -> HttpResponse:
    """An export's zip as a download named after the organization and the day."""
    response = HttpResponse(data, content_type="application/zip")
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = (
        f'attachment; filename="personal-data-{customer.organization.slug}-{stamp}.zip"'
    )
    return response


def staff_customer_or_404(request: StaffRequest, pk: Any) -> Customer:
    """The customer of the staff member's organization with id ``pk``, or a 404."""
    return get_or_404(
        customer_get, pk, organization=request.organization, message="No such customer."
    )


@require_POST
@staff_required("privacy.manage")
def staff_customer_export(request: StaffRequest, pk: int) -> HttpResponse:
    customer = staff_customer_or_404(request, pk)
    if services.export_is_large(customer=customer):
        services.export_start(customer=customer, actor=request.user)
        messages.info(
            request,
            "The export is large: it is being prepared in the background. Its progress and "
            "then its download link are under Personal data on this page.",
        )
        return redirect("customer-detail", org=request.organization.slug, pk=customer.pk)
    data = services.export_build(customer=customer, actor=request.user)
    return zip_response(data, customer)


@require_GET
@staff_required("privacy.manage")
def staff_export_download(request: StaffRequest, pk: int, export_pk: int) -> HttpResponse:
    """A background export staff asked for, once ready."""
    customer = staff_customer_or_404(request, pk)
    export = selectors.export_get(
        organization=request.organization,
        customer=customer,
        pk=object_id(export_pk, "No such download."),
        by_customer=False,
    )
    if export is None or export.status != ExportStatus.READY:
        raise Http404("No such download.")
    return zip_response(bytes(export.archive), customer)
