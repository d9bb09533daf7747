"""Alerts for staff: one row in the inbox per recipient and event, emailed once."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from sayso.core.models import Organization
from sayso.notifications.models import Alert


def alert_send(
    *,
    organization: Organization,
    recipient: Any,
    kind: str,
    text: str,
    dedupe_key: str,
    case: Any = None,
    commitment: Any = None,
    email: bool = True,
) -> tuple[Alert, bool]:
    """Create the alert unless this recipient already has one with ``dedupe_key``; email it
    after commit. Safe to call twice for the same event."""
    existing = Alert.objects.filter(recipient=recipient, dedupe_key=dedupe_key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                organization=organization,
                recipient=recipient,
                kind=kind,
                text=text[:500],
                case=case,
                commitment=commitment,
                dedupe_key=dedupe_key[:200],
            )
    except IntegrityError:
        return Alert.objects.get(recipient=recipient, dedupe_key=dedupe_key[:200]), False
    if email and str(getattr(recipient, "email", "") or ""):
        from sayso.notifications.tasks import email_alert

        alert_id = alert.pk
        transaction.on_commit(lambda: email_alert.enqueue(alert_id))
    return alert, True


def alert_mark_read(*, alert: Alert) -> Alert:
    if alert.read_at is None:
        alert.read_at = timezone.now()
        alert.save(update_fields=["read_at", "updated_at"])
    return alert


def alerts_mark_all_read(*, organization: Organization, recipient: Any) -> int:
    return Alert.objects.filter(
        organization=organization, recipient=recipient, read_at__isnull=True
    ).update(read_at=timezone.now())


def alert_deliver_email(*, alert_id: int) -> bool:
    """Email one alert to its recipient; returns False when already sent or not possible."""
    from django.core.mail import send_mail

    from sayso.notifications.links import alert_url

    with transaction.atomic():
        alert = (
            Alert.objects.select_for_update()
            .select_related("recipient", "organization")
            .filter(pk=alert_id)
            .first()
        )
        if alert is None or alert.emailed_at is not None or not alert.recipient.email:
            return False
        link = alert_url(alert)
        send_mail(
            subject=f"[{alert.organization.name}] {alert.get_kind_display()}",
            message=f"{alert.text}\n\n{link}\n",
            from_email=None,
            recipient_list=[alert.recipient.email],
        )
        alert.emailed_at = timezone.now()
        alert.save(update_fields=["emailed_at", "updated_at"])
    return True
