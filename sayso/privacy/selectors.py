"""Reads shared by the privacy pages, the API and the tasks; each takes the organization."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from sayso.core.models import Organization
from sayso.customers.models import Customer
from sayso.privacy.models import ErasureRequest, ErasureStatus, PersonalDataExport


def erasures_waiting(*, organization: Organization) -> QuerySet[ErasureRequest]:
    return (
        ErasureRequest.objects.filter(
            organization=organization,
            status__in=[ErasureStatus.PENDING, ErasureStatus.FAILED],
        )
        .select_related("customer", "by_user")
        .order_by("due_at", "id")
    )


def erasures_of(
    *, organization: Organization, status: str | None = None
) -> QuerySet[ErasureRequest]:
    rows = ErasureRequest.objects.filter(organization=organization).select_related("customer")
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-created_at", "-id")


def erasure_get(*, organization: Organization, pk: Any) -> ErasureRequest | None:
    return (
        ErasureRequest.objects.filter(organization=organization, pk=pk)
        .select_related("customer")
        .first()
    )


def erasure_by_receipt(*, organization: Organization, receipt_id: Any) -> ErasureRequest | None:
    return ErasureRequest.objects.filter(organization=organization, receipt_id=receipt_id).first()


def erasure_open_of(*, organization: Organization, customer: Customer) -> ErasureRequest | None:
    return erasures_waiting(organization=organization).filter(customer=customer).first()


def receipt_document(erasure: ErasureRequest) -> dict[str, Any]:
    """The erasure receipt: what was asked and done, when; no personal data."""
    return {
        "receipt_id": str(erasure.receipt_id),
        "organization": erasure.organization.name,
        "requested_at": erasure.created_at.isoformat(),
        "requested_by": "the customer" if erasure.by_customer else "staff on the customer's word",
        "channel": erasure.channel or ("portal" if erasure.by_customer else ""),
        "due_at": erasure.due_at.isoformat(),
        "status": erasure.status,
        "cancelled_at": erasure.cancelled_at.isoformat() if erasure.cancelled_at else None,
        "done_at": erasure.done_at.isoformat() if erasure.done_at else None,
        "erased": erasure.summary if erasure.status == ErasureStatus.DONE else {},
    }


def export_latest(
    *, organization: Organization, customer: Customer, by_customer: bool = True
) -> PersonalDataExport | None:
    """The newest background export of the customer's data: the one they asked for in the
    portal (``by_customer``), or the one staff asked for on the customer page."""
    return (
        PersonalDataExport.objects.filter(
            organization=organization, customer=customer, by_customer=by_customer
        )
        .defer("archive")
        .order_by("-created_at", "-id")
        .first()
    )


def export_get(
    *, organization: Organization, customer: Customer, pk: Any, by_customer: bool = True
) -> PersonalDataExport | None:
    return PersonalDataExport.objects.filter(
        organization=organization, customer=customer, pk=pk, by_customer=by_customer
    ).first()
