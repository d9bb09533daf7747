"""Writes for commitments: the promises staff make to a customer in a case, owned by a staff
member and due at a time; reminded before and breached after, with alerts to the owner and
their manager. One transaction each."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from sayso.conversations.models import Case, Commitment, CommitmentStatus
from sayso.conversations.services import staff_member, user_name
from sayso.core.models import Membership
from sayso.core.selectors import managers_of
from sayso.customers.models import TimelineKind
from sayso.customers.services import timeline_record
from sayso.notifications.models import AlertKind
from sayso.notifications.services import alert_send


@transaction.atomic
def commitment_make(
    *,
    case: Case,
    owner: Any,
    description: str,
    due_at: datetime,
    actor: Any = None,
    allow_past: bool = False,
    made_at: datetime | None = None,
) -> Commitment:
    """Record a promise to the customer, owned by a staff member, due at a time."""
    staff_member(case.organization, owner)
    if actor is not None:
        staff_member(case.organization, actor)
    description = " ".join((description or "").split())
    if not description:
        raise ValidationError("Say what was promised.")
    if len(description) > 500:
        raise ValidationError("Describe the promise in 500 characters or fewer.")
    if timezone.is_naive(due_at):
        raise ValidationError("The due time needs a time zone.")
    if not allow_past and due_at <= timezone.now():
        raise ValidationError("The due time must be in the future.")
    made_at = min(made_at, timezone.now()) if made_at else timezone.now()
    commitment = Commitment.objects.create(
        created_at=made_at,
        organization=case.organization,
        case=case,
        customer=case.customer,
        description=description,
        owner=owner,
        due_at=due_at,
        created_by=actor,
    )
    timeline_record(
        customer=case.customer,
        kind=TimelineKind.COMMITMENT_MADE,
        summary=f"Promise on case #{case.number}: {description} (by {due_at:%Y-%m-%d %H:%M %Z}, "
        f"owner {user_name(owner)})",
        occurred_at=made_at,
        customer_visible=True,
        case=case,
        commitment=commitment,
        actor=actor,
    )
    return commitment


def _close_commitment(
    commitment: Commitment, *, status: str, actor: Any, note: str, kind: str, verb: str
) -> Commitment:
    commitment = (
        Commitment.objects.select_for_update()
        .select_related("case", "customer")
        .get(pk=commitment.pk)
    )
    staff_member(commitment.organization, actor)
    if commitment.status not in {CommitmentStatus.OPEN, CommitmentStatus.BREACHED}:
        if commitment.status == status:
            return commitment  # already done: retrying is harmless
        raise ValidationError(
            f"This commitment is already {commitment.get_status_display().lower()}."
        )
    commitment.status = status
    commitment.closed_at = timezone.now()
    commitment.closing_note = (note or "").strip()[:500]
    commitment.save(update_fields=["status", "closed_at", "closing_note", "updated_at"])
    late = " (late)" if commitment.breached_at else ""
    timeline_record(
        customer=commitment.customer,
        kind=kind,
        summary=f"Promise {verb}{late}: {commitment.description}",
        customer_visible=True,
        case=commitment.case,
        commitment=commitment,
        actor=actor,
    )
    return commitment


@transaction.atomic
def commitment_keep(*, commitment: Commitment, actor: Any, note: str = "") -> Commitment:
    return _close_commitment(
        commitment,
        status=CommitmentStatus.KEPT,
        actor=actor,
        note=note,
        kind=TimelineKind.COMMITMENT_KEPT,
        verb="kept",
    )


@transaction.atomic
def commitment_cancel(*, commitment: Commitment, actor: Any, note: str = "") -> Commitment:
    return _close_commitment(
        commitment,
        status=CommitmentStatus.CANCELLED,
        actor=actor,
        note=note,
        kind=TimelineKind.COMMITMENT_CANCELLED,
        verb="cancelled",
    )


@transaction.atomic
def commitment_remind(*, commitment: Commitment, now: datetime | None = None) -> bool:
    """Remind the owner that a promise falls due soon (once)."""
    now = now or timezone.now()
    updated = Commitment.objects.filter(
        pk=commitment.pk, status=CommitmentStatus.OPEN, reminded_at__isnull=True
    ).update(reminded_at=now)
    if not updated:
        return False
    commitment = Commitment.objects.select_related("case", "owner", "organization").get(
        pk=commitment.pk
    )
    minutes = max(0, int((commitment.due_at - now).total_seconds() // 60))
    alert_send(
        organization=commitment.organization,
        recipient=commitment.owner,
        kind=AlertKind.COMMITMENT_REMINDER,
        text=f"Due in {minutes} min on case #{commitment.case.number}: {commitment.description}",
        dedupe_key=f"commitment-reminder:{commitment.pk}",
        case=commitment.case,
        commitment=commitment,
    )
    return True


@transaction.atomic
def commitment_breach(*, commitment: Commitment, now: datetime | None = None) -> bool:
    """Mark an overdue promise breached and alert its owner and their manager (once)."""
    now = now or timezone.now()
    updated = Commitment.objects.filter(
        pk=commitment.pk, status=CommitmentStatus.OPEN, due_at__lte=now
    ).update(status=CommitmentStatus.BREACHED, breached_at=now, updated_at=now)
    if not updated:
        return False
    commitment = Commitment.objects.select_related("case", "owner", "organization", "customer").get(
        pk=commitment.pk
    )
    case = commitment.case
    timeline_record(
        customer=commitment.customer,
        kind=TimelineKind.COMMITMENT_BREACHED,
        summary=f"Promise overdue on case #{case.number}: {commitment.description}",
        occurred_at=now,
        customer_visible=True,
        case=case,
        commitment=commitment,
    )
    owner_text = (
        f"You did not keep a promise on case #{case.number} “{case.subject}”: "
        f"{commitment.description} (due {commitment.due_at:%Y-%m-%d %H:%M %Z})"
    )
    alert_send(
        organization=commitment.organization,
        recipient=commitment.owner,
        kind=AlertKind.COMMITMENT_BREACHED,
        text=owner_text,
        dedupe_key=f"commitment-breach:{commitment.pk}",
        case=case,
        commitment=commitment,
    )
    membership = (
        Membership.objects.select_related("team__lead", "reports_to", "organization")
        .filter(organization=commitment.organization, user=commitment.owner)
        .first()
    )
    if membership is not None:
        for manager in managers_of(membership=membership):
            alert_send(
                organization=commitment.organization,
                recipient=manager,
                kind=AlertKind.COMMITMENT_BREACHED,
                text=f"{user_name(commitment.owner)} missed a promise on case #{case.number} "
                f"“{case.subject}”: {commitment.description}",
                dedupe_key=f"commitment-breach:{commitment.pk}",
                case=case,
                commitment=commitment,
            )
    return True


def commitments_check(*, now: datetime | None = None) -> tuple[int, int]:
    """The periodic pass over all organizations: remind owners of promises due soon, breach
    the overdue ones. Safe to run any number of times. Returns (reminded, breached)."""
    now = now or timezone.now()
    lead = timedelta(minutes=settings.SAYSO_COMMITMENT_REMINDER_MINUTES)
    breached = 0
    for commitment in Commitment.objects.filter(status=CommitmentStatus.OPEN, due_at__lte=now):
        breached += commitment_breach(commitment=commitment, now=now)
    reminded = 0
    for commitment in Commitment.objects.filter(
        status=CommitmentStatus.OPEN, reminded_at__isnull=True, due_at__lte=now + lead
    ):
        reminded += commitment_remind(commitment=commitment, now=now)
    return reminded, breached
