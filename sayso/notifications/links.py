"""Absolute links to staff pages for emailed alerts."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from sayso.notifications.models import Alert


def alert_url(alert: Alert) -> str:
    slug = alert.organization.slug
    if alert.case is not None:
        path = reverse("case-detail", kwargs={"org": slug, "number": alert.case.number})
    else:
        path = reverse("inbox", kwargs={"org": slug})
    return f"{settings.SAYSO_BASE_URL}{path}"
