"""Commitments: promises with an owner and a due time, reminders before, breach alerts after.

Time is moved by passing ``now`` to the periodic check, as the worker would see it later.
Alerts are emailed after commit; the tests run those callbacks, so ``mail.outbox`` holds
exactly what staff would receive.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from sayso.conversations import commitments
from sayso.conversations.models import Commitment, CommitmentStatus
from sayso.core.models import Role
from sayso.core.services import team_create
from sayso.customers.models import TimelineEvent, TimelineKind
from sayso.notifications.models import Alert, AlertKind
from sayso.notifications.selectors import alerts_for
from tests import factories


@pytest.fixture
def lead(org: Any) -> Any:
    return factories.make_member(org, Role.AGENT, username="lead").user


@pytest.fixture
def owner(org: Any, lead: Any) -> Any:
    return factories.make_member(org, Role.AGENT, username="owner", reports_to=lead).user


@pytest.fixture
def case(org: Any, customer: Any, owner: Any) -> Any:
    return factories.make_case(org, customer, subject="Truck reservation 4411", assignee=owner)


@pytest.fixture
def run_checks(django_capture_on_commit_callbacks: Any) -> Any:
    """Run the periodic check at ``now`` and deliver the alert emails it queued."""

    def run(now: datetime | None = None) -> tuple[int, int]:
        with django_capture_on_commit_callbacks(execute=True):
            return commitments.commitments_check(now=now)

    return run


def promise(case: Any, owner: Any, *, hours: float, description: str = "Call back") -> Any:
    return factories.make_commitment(case, owner, hours=hours, description=description)


def alert_recipients(commitment: Commitment, kind: str) -> list[str]:
    return sorted(
        Alert.objects.filter(commitment=commitment, kind=kind).values_list(
            "recipient__username", flat=True
        )
    )


def mailed_to() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


# Reminders ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reminder_before_due_alerts_the_owner_once_even_when_checked_twice(
    org: Any, case: Any, owner: Any, settings: Any, run_checks: Any
) -> None:
    settings.SAYSO_COMMITMENT_REMINDER_MINUTES = 60
    commitment = promise(case, owner, hours=0.5, description="Call Ada back about the truck")

    assert run_checks() == (1, 0)
    assert run_checks() == (0, 0)

    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.OPEN
    assert commitment.reminded_at is not None
    [alert] = alerts_for(organization=org, recipient=owner)
    assert alert.kind == AlertKind.COMMITMENT_REMINDER
    assert alert.commitment == commitment
    assert "Call Ada back about the truck" in alert.text
    assert f"case #{case.number}" in alert.text
    [email] = mail.outbox
    assert email.to == [owner.email]
    assert "Commitment due soon" in email.subject
    assert "Call Ada back about the truck" in email.body
    assert f"/cases/{case.number}/" in email.body


@pytest.mark.django_db
def test_commitment_due_after_the_reminder_window_is_not_reminded_yet(
    case: Any, owner: Any, settings: Any, run_checks: Any
) -> None:
    settings.SAYSO_COMMITMENT_REMINDER_MINUTES = 60
    commitment = promise(case, owner, hours=3)

    assert run_checks() == (0, 0)
    assert not Alert.objects.exists()
    assert mail.outbox == []

    # Two and a half hours later it is within the window.
    assert run_checks(now=timezone.now() + timedelta(hours=2.5)) == (1, 0)
    assert alert_recipients(commitment, AlertKind.COMMITMENT_REMINDER) == ["owner"]


# Breaches ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_breached_commitment_alerts_owner_and_manager(
    org: Any, case: Any, owner: Any, lead: Any, run_checks: Any
) -> None:
    commitment = promise(case, owner, hours=24, description="Call Ada back by 5 pm")
    later = commitment.due_at + timedelta(minutes=1)

    assert run_checks(now=later) == (0, 1)

    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.BREACHED
    assert commitment.breached_at == later
    assert alert_recipients(commitment, AlertKind.COMMITMENT_BREACHED) == ["lead", "owner"]
    [owner_alert] = alerts_for(organization=org, recipient=owner)
    [lead_alert] = alerts_for(organization=org, recipient=lead)
    assert "You did not keep a promise" in owner_alert.text
    assert "Owner missed a promise" in lead_alert.text
    assert "Call Ada back by 5 pm" in lead_alert.text
    assert mailed_to() == sorted([owner.email, lead.email])
    assert all("Commitment breached" in email.subject for email in mail.outbox)


@pytest.mark.django_db
def test_breach_is_alerted_only_once_across_repeated_checks(
    case: Any, owner: Any, run_checks: Any
) -> None:
    commitment = promise(case, owner, hours=1)
    later = commitment.due_at + timedelta(minutes=5)

    assert run_checks(now=later) == (0, 1)
    assert run_checks(now=later + timedelta(minutes=1)) == (0, 0)
    assert run_checks(now=later + timedelta(hours=5)) == (0, 0)
    assert commitments.commitment_breach(commitment=commitment, now=later) is False

    assert Alert.objects.filter(commitment=commitment).count() == 2
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_reminded_then_breached_commitment_gets_both_alerts_once(
    case: Any, owner: Any, run_checks: Any
) -> None:
    commitment = promise(case, owner, hours=0.5)

    run_checks()
    run_checks(now=commitment.due_at + timedelta(seconds=1))
    run_checks(now=commitment.due_at + timedelta(minutes=10))

    assert alert_recipients(commitment, AlertKind.COMMITMENT_REMINDER) == ["owner"]
    assert alert_recipients(commitment, AlertKind.COMMITMENT_BREACHED) == ["lead", "owner"]
    assert len(mail.outbox) == 3


@pytest.mark.django_db
def test_breach_alerts_the_team_lead_when_the_owner_reports_to_nobody(
    org: Any, customer: Any, run_checks: Any
) -> None:
    team_lead = factories.make_member(org, Role.AGENT, username="depotlead").user
    team = team_create(organization=org, name="Denver depot", lead=team_lead)
    owner = factories.make_member(org, Role.AGENT, username="driver", team=team).user
    manager = factories.make_member(org, Role.MANAGER, username="areamanager").user
    commitment = promise(factories.make_case(org, customer), owner, hours=1)

    run_checks(now=commitment.due_at + timedelta(minutes=1))

    assert alert_recipients(commitment, AlertKind.COMMITMENT_BREACHED) == ["depotlead", "driver"]
    assert manager.email not in mailed_to()


@pytest.mark.django_db
def test_breach_alerts_every_manager_and_admin_when_the_owner_has_no_lead(
    org: Any, customer: Any, run_checks: Any
) -> None:
    owner = factories.make_member(org, Role.AGENT, username="solo").user
    factories.make_member(org, Role.MANAGER, username="manager1")
    factories.make_member(org, Role.ADMIN, username="admin1")
    factories.make_member(org, Role.AGENT, username="bystander")
    commitment = promise(factories.make_case(org, customer), owner, hours=1)

    run_checks(now=commitment.due_at + timedelta(minutes=1))

    assert alert_recipients(commitment, AlertKind.COMMITMENT_BREACHED) == [
        "admin1",
        "manager1",
        "solo",
    ]
    assert len(mail.outbox) == 3


@pytest.mark.django_db
def test_breach_alerts_no_one_of_another_organization(
    org: Any, case: Any, owner: Any, outsider: Any, run_checks: Any
) -> None:
    commitment = promise(case, owner, hours=1)
    run_checks(now=commitment.due_at + timedelta(minutes=1))
    assert not Alert.objects.filter(recipient=outsider).exists()
    assert outsider.email not in mailed_to()


@pytest.mark.django_db
def test_commitment_not_yet_due_is_not_breached(case: Any, owner: Any, run_checks: Any) -> None:
    commitment = promise(case, owner, hours=2)
    assert run_checks(now=commitment.due_at - timedelta(seconds=1))[1] == 0
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.OPEN


@pytest.mark.django_db
def test_breached_commitment_is_shown_to_the_customer_as_overdue(
    case: Any, owner: Any, run_checks: Any
) -> None:
    commitment = promise(case, owner, hours=1, description="Call back by 5 pm")
    run_checks(now=commitment.due_at + timedelta(minutes=1))

    event = TimelineEvent.objects.get(commitment=commitment, kind=TimelineKind.COMMITMENT_BREACHED)
    assert event.customer_visible
    assert event.customer == case.customer
    assert "overdue" in event.summary
    assert "Call back by 5 pm" in event.summary


# Keeping and cancelling --------------------------------------------------------------------


@pytest.mark.django_db
def test_keeping_a_commitment_closes_it_and_tells_the_customer(
    case: Any, owner: Any, run_checks: Any
) -> None:
    commitment = promise(case, owner, hours=1, description="Call back")

    kept = commitments.commitment_keep(commitment=commitment, actor=owner, note="Called at 4 pm")

    assert kept.status == CommitmentStatus.KEPT
    assert kept.closed_at is not None
    assert kept.closing_note == "Called at 4 pm"
    event = TimelineEvent.objects.get(commitment=commitment, kind=TimelineKind.COMMITMENT_KEPT)
    assert event.customer_visible
    assert event.summary == "Promise kept: Call back"
    # A kept promise is never reminded nor breached.
    assert run_checks(now=commitment.due_at + timedelta(hours=1)) == (0, 0)
    assert not Alert.objects.exists()


@pytest.mark.django_db
def test_cancelling_a_commitment_tells_the_customer(case: Any, owner: Any) -> None:
    commitment = promise(case, owner, hours=1, description="Call back")

    cancelled = commitments.commitment_cancel(commitment=commitment, actor=owner, note="Resolved")

    assert cancelled.status == CommitmentStatus.CANCELLED
    event = TimelineEvent.objects.get(commitment=commitment, kind=TimelineKind.COMMITMENT_CANCELLED)
    assert event.customer_visible
    assert event.summary == "Promise cancelled: Call back"


@pytest.mark.django_db
def test_keeping_after_a_breach_is_recorded_as_late(case: Any, owner: Any, run_checks: Any) -> None:
    commitment = promise(case, owner, hours=1, description="Call back")
    run_checks(now=commitment.due_at + timedelta(minutes=30))

    kept = commitments.commitment_keep(commitment=commitment, actor=owner)

    assert kept.status == CommitmentStatus.KEPT
    assert kept.breached_at is not None
    event = TimelineEvent.objects.get(commitment=commitment, kind=TimelineKind.COMMITMENT_KEPT)
    assert event.summary == "Promise kept (late): Call back"
    assert event.customer_visible


@pytest.mark.django_db
def test_keeping_twice_is_harmless_but_cancelling_a_kept_commitment_is_refused(
    case: Any, owner: Any
) -> None:
    commitment = promise(case, owner, hours=1)
    commitments.commitment_keep(commitment=commitment, actor=owner)
    commitments.commitment_keep(commitment=commitment, actor=owner)
    assert TimelineEvent.objects.filter(kind=TimelineKind.COMMITMENT_KEPT).count() == 1

    with pytest.raises(ValidationError, match="already kept"):
        commitments.commitment_cancel(commitment=commitment, actor=owner)
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.KEPT


@pytest.mark.django_db
def test_staff_of_another_organization_cannot_keep_a_commitment(
    case: Any, owner: Any, outsider: Any
) -> None:
    commitment = promise(case, owner, hours=1)
    with pytest.raises(ValidationError, match="not a staff member"):
        commitments.commitment_keep(commitment=commitment, actor=outsider)
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.OPEN


# Making a commitment -----------------------------------------------------------------------


@pytest.mark.django_db
def test_making_a_commitment_tells_the_customer(case: Any, owner: Any) -> None:
    commitment = promise(case, owner, hours=24, description="Call back by 5 pm tomorrow")
    event = TimelineEvent.objects.get(commitment=commitment, kind=TimelineKind.COMMITMENT_MADE)
    assert event.customer_visible
    assert event.customer == case.customer
    assert "Call back by 5 pm tomorrow" in event.summary
    assert commitment.customer == case.customer
    assert commitment.organization == case.organization


def _make_refused(case: Any, owner: Any, due_at: Any, description: str = "Call back") -> str:
    before = (Commitment.objects.count(), TimelineEvent.objects.count())
    with pytest.raises(ValidationError) as info:
        commitments.commitment_make(
            case=case, owner=owner, description=description, due_at=due_at, actor=owner
        )
    assert (Commitment.objects.count(), TimelineEvent.objects.count()) == before
    return " ".join(info.value.messages)


@pytest.mark.django_db
def test_commitment_due_in_the_past_is_refused(case: Any, owner: Any) -> None:
    reason = _make_refused(case, owner, timezone.now() - timedelta(minutes=1))
    assert reason == "The due time must be in the future."


@pytest.mark.django_db
def test_commitment_with_a_naive_due_time_is_refused(case: Any, owner: Any) -> None:
    naive = datetime.now() + timedelta(days=1)  # no time zone: the point of this test
    assert _make_refused(case, owner, naive) == "The due time needs a time zone."


@pytest.mark.django_db
def test_commitment_owned_by_someone_of_another_organization_is_refused(
    case: Any, outsider: Any
) -> None:
    reason = _make_refused(case, outsider, timezone.now() + timedelta(days=1))
    assert "is not a staff member of Haulright Trucks" in reason


@pytest.mark.django_db
@pytest.mark.parametrize("description", ["", "   ", "x" * 501])
def test_commitment_without_a_sensible_description_is_refused(
    case: Any, owner: Any, description: str
) -> None:
    _make_refused(case, owner, timezone.now() + timedelta(days=1), description=description)


@pytest.mark.django_db
def test_commitment_owned_by_an_inactive_member_is_refused(org: Any, case: Any, owner: Any) -> None:
    owner.is_active = False
    owner.save(update_fields=["is_active"])
    _make_refused(case, owner, timezone.now() + timedelta(days=1))
