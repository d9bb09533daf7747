"""Quiet hours hold a message instead of dropping it: a campaign (and a staff member who asks
for it) is held until the customer's quiet hours end in their time zone (DST-correct), shown
with the time it will go, and sent then by the background engine — after the guard is asked
again (consent withdrawn meanwhile blocks it)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from sayso.consent import guard, selectors, services
from sayso.consent.guard import outreach_attempt
from sayso.consent.models import BlockReason, Campaign, Choice, Outcome, OutreachAttempt
from sayso.consent.tasks import outreach_release_due
from sayso.customers.models import TimelineEvent, TimelineKind
from tests import factories

pytestmark = pytest.mark.django_db

# Spring forward in New York (8 March 2026): 06:30 EDT is 10:30 UTC, and quiet hours ending at
# 07:00 EDT end at 11:00 UTC (the evening's EST offset would say 12:00).
SPRING_NIGHT = datetime(2026, 3, 8, 10, 30, tzinfo=UTC)
SPRING_MORNING = datetime(2026, 3, 8, 11, 0, tzinfo=UTC)


def _sleeping(customer: Any) -> None:
    services.preferences_set(
        customer=customer,
        time_zone="America/New_York",
        quiet_start=time(22, 0),
        quiet_end=time(7, 0),
    )


def _send(org: Any, customer: Any, agent: Any, **kwargs: Any) -> Any:
    arguments: dict[str, Any] = {
        "organization": org,
        "customer": customer,
        "channel": "email",
        "purpose": "sales",
        "subject": "Trucks this spring",
        "body": "Our 16 ft trucks are 20% off in March.",
        "actor": agent,
        "hold": True,
        "now": SPRING_NIGHT,
    }
    arguments.update(kwargs)
    return outreach_attempt(**arguments)


def test_a_held_message_goes_when_quiet_hours_end_across_a_dst_change(
    org: Any,
    agent: Any,
    customer: Any,
    grant: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # The engine that can wait for a time (the embedded queue, as on SQLite installs).
    settings.TASKS = {"default": {"BACKEND": "sayso.core.task_engine.embedded.EmbeddedBackend"}}
    grant("email", "sales")
    _sleeping(customer)
    with django_capture_on_commit_callbacks(execute=True):
        result = _send(org, customer, agent)
    assert result.held and not result.allowed
    assert result.next_allowed_at == SPRING_MORNING
    assert result.reason_code == BlockReason.QUIET_HOURS and result.reason.startswith("Held:")
    assert mail.outbox == [] and result.case is None
    # Shown with the time it will go, in the customer's time: 07:00 on 8 Mar.
    words = guard.attempt_in_words(
        result.attempt, guard.customer_zone(customer.contact_preferences)
    )
    assert "held for your quiet hours, it goes at 07:00 on 8 Mar" in words
    # The engine was asked to run the release at that time.
    queued = DBTaskResult.objects.get(task_path="sayso.consent.tasks.outreach_release_task")
    assert queued.run_after == SPRING_MORNING
    assert queued.args_kwargs["args"] == [result.attempt.pk]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

    # A minute early, nothing happens; at 11:00 UTC it is sent, through the guard again.
    early = guard.outreach_release(
        attempt_id=result.attempt.pk, now=SPRING_MORNING - timedelta(minutes=1)
    )
    assert early is not None and early.outcome == Outcome.HELD
    with django_capture_on_commit_callbacks(execute=True):
        sent = guard.outreach_release(attempt_id=result.attempt.pk, now=SPRING_MORNING)
    assert sent is not None and sent.outcome == Outcome.SENT and sent.case is not None
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]
    event = TimelineEvent.objects.get(customer=customer, kind=TimelineKind.OUTREACH_SENT)
    assert event.occurred_at == SPRING_MORNING
    # Running the release again sends nothing more.
    guard.outreach_release(attempt_id=result.attempt.pk, now=SPRING_MORNING)
    assert len(mail.outbox) == 1


def test_consent_withdrawn_while_held_blocks_it_at_release(
    org: Any, agent: Any, customer: Any, grant: Any
) -> None:
    grant("email", "sales")
    _sleeping(customer)
    result = _send(org, customer, agent)
    assert result.held
    grant("email", "sales", Choice.REFUSED)
    assert guard.outreach_release_due(now=SPRING_MORNING) == {"sent": 0, "blocked": 1, "held": 0}
    attempt = OutreachAttempt.objects.get(pk=result.attempt.pk)
    assert attempt.outcome == Outcome.BLOCKED and attempt.reason_code == BlockReason.NO_CONSENT
    assert mail.outbox == []
    assert TimelineEvent.objects.filter(
        customer=customer, kind=TimelineKind.OUTREACH_BLOCKED, customer_visible=True
    ).exists()


def test_quiet_hours_moved_while_held_hold_it_again_and_a_sender_who_left_blocks_it(
    org: Any, agent: Any, customer: Any, grant: Any
) -> None:
    grant("email", "sales")
    _sleeping(customer)
    result = _send(org, customer, agent)
    # The customer moved to Tokyo meanwhile: 11:00 UTC is 20:00 there, quiet from 19:00.
    services.preferences_set(
        customer=customer, time_zone="Asia/Tokyo", quiet_start=time(19, 0), quiet_end=time(8, 0)
    )
    again = guard.outreach_release(attempt_id=result.attempt.pk, now=SPRING_MORNING)
    assert again is not None and again.outcome == Outcome.HELD
    assert again.next_allowed_at == datetime(2026, 3, 8, 23, 0, tzinfo=UTC)  # 08:00 JST
    agent.memberships.all().delete()
    gone = guard.outreach_release(attempt_id=result.attempt.pk, now=again.next_allowed_at)
    assert gone is not None and gone.outcome == Outcome.BLOCKED
    assert gone.reason_code == BlockReason.SENDER_GONE and mail.outbox == []


def test_without_hold_quiet_hours_still_refuse(
    org: Any, agent: Any, customer: Any, grant: Any
) -> None:
    grant("email", "sales")
    _sleeping(customer)
    result = _send(org, customer, agent, hold=False)
    assert result.attempt.outcome == Outcome.BLOCKED and not result.held
    assert result.next_allowed_at == SPRING_MORNING
    # Only quiet hours are held: no consent is refused even with hold.
    other = factories.make_customer(org, "Never asked", "never@example.com")
    assert _send(org, other, agent).attempt.outcome == Outcome.BLOCKED


def test_a_campaign_defers_customers_in_quiet_hours_and_the_periodic_task_sends_them(
    org: Any, manager: Any, customer: Any, grant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    awake = factories.make_customer(org, "Awake", "awake@example.com")
    for who in (customer, awake):
        grant("email", "product_news", who=who)
    # Quiet for the customer right now, wherever the test runs: from an hour ago to in two.
    zone = "Europe/Paris"
    local = timezone.now().astimezone(ZoneInfo(zone))
    services.preferences_set(
        customer=customer,
        time_zone=zone,
        quiet_start=(local - timedelta(hours=1)).time().replace(second=0, microsecond=0),
        quiet_end=(local + timedelta(hours=2)).time().replace(second=0, microsecond=0),
    )
    with django_capture_on_commit_callbacks(execute=True):
        campaign = services.campaign_create(
            organization=org,
            actor=manager,
            name="Spring news",
            channel="email",
            purpose="product_news",
            subject="What's new",
            body="New trucks.",
            segment="all",
        )
    campaign = Campaign.objects.get(pk=campaign.pk)
    report = selectors.campaign_report(campaign=campaign)
    assert (report.sent, report.blocked, report.held) == (1, 0, 1)
    assert report.held_until is not None and report.held_until > timezone.now()
    assert [m.to for m in mail.outbox] == [["awake@example.com"]]

    assert outreach_release_due.call() == 0  # not yet
    held = OutreachAttempt.objects.get(outcome=Outcome.HELD)
    with django_capture_on_commit_callbacks(execute=True):
        assert guard.outreach_release_due(now=held.next_allowed_at) == {
            "sent": 1,
            "blocked": 0,
            "held": 0,
        }
    report = selectors.campaign_report(campaign=campaign)
    assert (report.sent, report.blocked, report.held) == (2, 0, 0)
    assert sorted(m.to[0] for m in mail.outbox) == ["ada@example.com", "awake@example.com"]
