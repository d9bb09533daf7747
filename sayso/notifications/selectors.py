"""Reads for staff alerts."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from sayso.core.models import Organization
from sayso.notifications.models import Alert


def alerts_for(
    *, organization: Organization, recipient: Any, unread_only: bool = False
) -> QuerySet[Alert]:
    alerts = Alert.objects.filter(organization=organization, recipient=recipient).select_related(
        "case"
    )
    if unread_only:
        alerts = alerts.filter(read_at__isnull=True)
    return alerts.order_by("-created_at", "-id")


def unread_alert_count(*, organization: Organization, recipient: Any) -> int:
    return Alert.objects.filter(
        organization=organization, recipient=recipient, read_at__isnull=True
    ).count()
