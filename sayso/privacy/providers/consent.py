"""Consent decisions (kept after erasure as anonymized proof), contact preferences, and the
organization's attempts to reach the customer."""

from __future__ import annotations

from typing import Any

from sayso.consent.models import ConsentRecord, ContactPreferences, OutreachAttempt
from sayso.customers.models import Customer
from sayso.privacy.providers._fields import when
from sayso.privacy.registry import ErasureContext, provider_register


def collect_consent(customer: Customer) -> dict[str, Any]:
    records = ConsentRecord.objects.filter(
        organization_id=customer.organization_id, customer=customer
    ).select_related("notice")
    history = [
        {
            "channel": record.channel,
            "purpose": record.purpose,
            "choice": record.choice,
            "method": record.method,
            "location": record.location,
            "note": record.note,
            "by_customer": record.by_customer,
            "notice_version": record.notice.version if record.notice else None,
            "notice_text": record.notice.text if record.notice else "",
            "receipt_id": str(record.receipt_id),
            "decided_at": when(record.created_at),
        }
        for record in records.order_by("created_at", "id")
    ]
    current = {f"{r['channel']}/{r['purpose']}": r["choice"] for r in history}
    preferences = ContactPreferences.objects.filter(
        organization_id=customer.organization_id, customer=customer
    ).first()
    attempts = OutreachAttempt.objects.filter(
        organization_id=customer.organization_id, customer=customer
    ).order_by("created_at", "id")
    return {
        "current": current,
        "history": history,
        "preferences": None
        if preferences is None
        else {
            "time_zone": preferences.time_zone,
            "quiet_start": when(preferences.quiet_start),
            "quiet_end": when(preferences.quiet_end),
            "not_before": when(preferences.not_before),
            "max_per_week": preferences.max_per_week,
        },
        "contact_attempts": [
            {
                "channel": attempt.channel,
                "purpose": attempt.purpose,
                "subject": attempt.subject,
                "outcome": attempt.outcome,
                "reason": attempt.reason,
                "at": when(attempt.created_at),
            }
            for attempt in attempts[:2000]
        ],
    }


def erase_consent(context: ErasureContext) -> dict[str, int]:
    ids = context.customer_ids
    # Decisions are the organization's proof that it asked: kept, tied to the anonymized
    # customer row, with staff's free-text notes blanked (``update`` does not go through the
    # record's append-only ``save``; the choice, notice version and time stay as they were).
    records = ConsentRecord.objects.filter(customer_id__in=ids).exclude(note="")
    notes = records.update(note="")
    preferences, _ = ContactPreferences.objects.filter(customer_id__in=ids).delete()
    attempts, _ = OutreachAttempt.objects.filter(customer_id__in=ids).delete()
    return {
        "consent_notes_blanked": notes,
        "preferences": preferences,
        "contact_attempts": attempts,
    }


provider_register(
    "consent", collect=collect_consent, erase=erase_consent, title="Your consent and its history"
)
