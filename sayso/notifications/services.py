"""Alerts for staff: one row in the inbox per recipient and event, emailed once (through the
outbox, sayso/notifications/outbox.py)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from sayso.core.models import Organization
from sayso.notifications.models import Alert, MailKind, OutgoingMail
from sayso.notifications.outbox import mail_queue


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
        alert_mail_queue(alert_id=alert.pk)
    return alert, True


def alerts_mark_all_read(*, organization: Organization, recipient: Any) -> int:
    return Alert.objects.filter(
        organization=organization, recipient=recipient, read_at__isnull=True
    ).update(read_at=timezone.now())


def alert_mail_queue(*, alert_id: int) -> OutgoingMail | None:
    """Queue the email of one alert (in the caller's transaction; sent after commit by the
    outbox). Queuing it twice queues one mail; None when the recipient has no address."""
    from sayso.notifications.links import alert_url

    alert = Alert.objects.select_related("recipient", "organization").filter(pk=alert_id).first()
    if alert is None or not alert.recipient.email:
        return None
    return mail_queue(
        kind=MailKind.ALERT,
        key=f"alert:{alert.pk}",
        organization=alert.organization,
        to=alert.recipient.email,
        subject=f"[{alert.organization.name}] {alert.get_kind_display()}",
        body=f"{alert.text}\n\n{alert_url(alert)}\n",
        alert=alert,
        case=alert.case,
    )
