"""Reads of the webhooks app that the staff pages and the API share; each takes the
organization, so another organization's endpoints and deliveries are simply not found."""

from __future__ import annotations

from django.db.models import Count, Max, Q, QuerySet

from sayso.core.models import Organization
from sayso.webhooks.models import Delivery, DeliveryStatus, Endpoint


def endpoint_list(*, organization: Organization) -> QuerySet[Endpoint]:
    """The organization's endpoints, with how their deliveries stand."""
    return (
        Endpoint.objects.filter(organization=organization)
        .annotate(
            pending_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.PENDING)),
            failed_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)),
            last_success_at=Max(
                "deliveries__finished_at",
                filter=Q(deliveries__status=DeliveryStatus.SUCCEEDED),
            ),
        )
        .order_by("created_at", "id")
    )


def endpoint_get(*, organization: Organization, pk: int) -> Endpoint | None:
    return Endpoint.objects.filter(organization=organization, pk=pk).first()


def delivery_list(*, organization: Organization, endpoint: Endpoint) -> QuerySet[Delivery]:
    """The endpoint's delivery log, newest first."""
    return (
        Delivery.objects.filter(organization=organization, endpoint=endpoint)
        .select_related("event")
        .order_by("-created_at", "-id")
    )


def delivery_get(*, organization: Organization, pk: int) -> Delivery | None:
    return (
        Delivery.objects.filter(organization=organization, pk=pk)
        .select_related("event", "endpoint")
        .prefetch_related("attempts")
        .first()
    )
