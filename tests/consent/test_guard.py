"""The outreach guard's rules, each on its own: channel, purpose and consent, the "not before"
date, quiet hours across time zones and DST changes, the weekly limit; what a blocked attempt
leaves (a record, a customer-visible timeline entry, no mail) and what an allowed one does."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from sayso.consent import guard, services
from sayso.consent.guard import Grant, OutreachBlocked, outreach_attempt
from sayso.consent.models import BlockReason, Choice, Outcome, OutreachAttempt
from sayso.conversations import services as conversations
from sayso.conversations.models import Direction, Message
from sayso.customers.models import IdentityKind, TimelineEvent, TimelineKind
from sayso.customers.services import identity_add
from tests import factories

pytestmark = pytest.mark.django_db


def _send(org: Any, customer: Any, agent: Any, **kwargs: Any) -> Any:
    arguments: dict[str, Any] = {
        "organization": org,
        "customer": customer,
        "channel": "email",
        "purpose": "sales",
        "subject": "Truck rentals this spring",
        "body": "Our 16 ft trucks are 20% off in March.",
        "actor": agent,
    }
    arguments.update(kwargs)
    return outreach_attempt(**arguments)


def test_a_cold_sales_email_is_blocked_recorded_and_shown_to_the_customer(
    org: Any, agent: Any, customer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        result = _send(org, customer, agent)
    assert not result.allowed
    assert result.reason_code == BlockReason.NO_CONSENT
    assert "never asked" in result.reason
    assert mail.outbox == []
    assert not Message.objects.filter(customer=customer, direction=Direction.OUTBOUND).exists()
    attempt = OutreachAttempt.objects.get()
    assert attempt.outcome == Outcome.BLOCKED and attempt.by_user == agent
    event = TimelineEvent.objects.get(customer=customer, kind=TimelineKind.OUTREACH_BLOCKED)
    assert event.customer_visible
    assert event.summary.startswith("Haulright Trucks's sales team tried to email you on")
    assert "“Truck rentals this spring”; your settings blocked it" in event.summary


def test_with_consent_the_email_is_sent_on_a_new_case_with_delivery_status(
    org: Any, agent: Any, customer: Any, grant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    grant("email", "sales")
    with django_capture_on_commit_callbacks(execute=True):
        result = _send(org, customer, agent)
    assert result.allowed, result.reason
    assert result.case.customer == customer and result.case.assignee == agent
    assert result.message.direction == Direction.OUTBOUND
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]
    result.message.refresh_from_db()
    assert result.message.delivered_at is not None
    assert TimelineEvent.objects.filter(
        customer=customer, kind=TimelineKind.OUTREACH_SENT, customer_visible=True
    ).exists()


def test_consent_is_per_purpose_and_the_newest_choice_counts(
    org: Any, agent: Any, customer: Any, grant: Any
) -> None:
    grant("email", "product_news")
    assert not _send(org, customer, agent).allowed  # sales: never asked
    assert _send(org, customer, agent, purpose="product_news").allowed
    grant("email", "product_news", Choice.REFUSED)
    refused = _send(org, customer, agent, purpose="product_news")
    assert not refused.allowed and "said no on" in refused.reason


def test_consent_is_per_channel(org: Any, agent: Any, customer: Any, grant: Any) -> None:
    identity_add(customer=customer, kind=IdentityKind.PHONE, value="+15550100123")
    grant("phone", "sales")
    assert not _send(org, customer, agent).allowed  # email: not granted
    call = _send(org, customer, agent, channel="phone")
    assert call.allowed and call.message is None  # cleared: a person places the call
    assert "make the call yourself" in call.reason


def test_an_unreachable_or_unconnected_channel_is_blocked_first(
    org: Any, agent: Any, customer: Any, grant: Any
) -> None:
    for channel in ("phone", "sms", "bluesky", "post"):
        grant(channel, "sales")
    assert _send(org, customer, agent, channel="phone").reason_code == BlockReason.UNREACHABLE
    assert _send(org, customer, agent, channel="post").reason_code == BlockReason.UNREACHABLE
    identity_add(customer=customer, kind=IdentityKind.BLUESKY, value="ada.bsky.social")
    identity_add(customer=customer, kind=IdentityKind.PHONE, value="+15550100123")
    assert _send(org, customer, agent, channel="bluesky").reason_code == BlockReason.NOT_CONNECTED
    assert _send(org, customer, agent, channel="sms").reason_code == BlockReason.NOT_CONNECTED


def test_a_claimed_address_is_not_a_way_to_reach_someone(org: Any, agent: Any) -> None:
    contact = factories.make_customer(org, "Typed", "typed@example.com")
    contact.identities.update(kind=IdentityKind.EMAIL_CLAIMED)
    result = _send(org, contact, agent, purpose="service")
    assert result.reason_code == BlockReason.UNREACHABLE


def test_service_about_a_case_the_customer_opened_needs_no_marketing_consent(
    org: Any, agent: Any, customer: Any
) -> None:
    case = factories.make_case(org, customer)
    about_case = _send(org, customer, agent, purpose="service", reference=("case", case.pk))
    assert about_case.allowed and about_case.case == case
    unrelated = _send(org, customer, agent, purpose="service")
    assert not unrelated.allowed and unrelated.reason_code == BlockReason.NO_CONSENT


def test_the_not_before_date_holds_until_local_midnight(
    org: Any, agent: Any, customer: Any, grant: Any
) -> None:
    grant("email", "sales")
    services.preferences_set(
        customer=customer, time_zone="America/Denver", not_before=date(2027, 3, 1)
    )
    before = _send(org, customer, agent, now=datetime(2027, 3, 1, 6, 59, tzinfo=UTC))
    assert before.reason_code == BlockReason.NOT_BEFORE
    assert "01 Mar 2027" in before.reason
    assert before.next_allowed_at == datetime(2027, 3, 1, 7, 0, tzinfo=UTC)  # midnight MST
    # Service about the customer's own case is not held back.
    case = factories.make_case(org, customer)
    assert _send(
        org,
        customer,
        agent,
        purpose="service",
        reference=("case", case.pk),
        now=before.attempt.created_at,
    ).allowed
    assert _send(org, customer, agent, now=datetime(2027, 3, 1, 7, 0, tzinfo=UTC)).allowed


def test_quiet_hours_are_the_customers_own_time_zone(org: Any, agent: Any, grant: Any) -> None:
    tokyo = factories.make_customer(org, "Kenji", "kenji@example.jp")
    new_york = factories.make_customer(org, "Nora", "nora@example.com")
    for person, zone in ((tokyo, "Asia/Tokyo"), (new_york, "America/New_York")):
        grant("email", "sales", who=person)
        services.preferences_set(
            customer=person, time_zone=zone, quiet_start=time(21, 0), quiet_end=time(8, 0)
        )
    now = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)  # 22:00 in Tokyo, 08:00 in New York
    blocked = _send(org, tokyo, agent, now=now)
    assert blocked.reason_code == BlockReason.QUIET_HOURS
    assert blocked.next_allowed_at == datetime(2026, 12, 7, 23, 0, tzinfo=UTC)  # 08:00 JST
    assert "Asia/Tokyo" in blocked.reason and "08:00 on 08 Dec" in blocked.reason
    assert _send(org, new_york, agent, now=now).allowed
    assert _send(org, new_york, agent, now=now - timedelta(minutes=1)).reason_code == (
        BlockReason.QUIET_HOURS
    )


@pytest.mark.parametrize(
    ("now", "until"),
    [
        # Spring forward (8 March 2026): 06:30 EDT is 10:30 UTC; quiet hours end at 07:00 EDT,
        # 11:00 UTC (the offset of the evening before, EST, would say 12:00).
        (datetime(2026, 3, 8, 10, 30, tzinfo=UTC), datetime(2026, 3, 8, 11, 0, tzinfo=UTC)),
        # Fall back (1 November 2026): 06:30 EST is 11:30 UTC; they end at 07:00 EST, 12:00 UTC
        # (the evening's EDT would say 11:00, and let the message through now).
        (datetime(2026, 11, 1, 11, 30, tzinfo=UTC), datetime(2026, 11, 1, 12, 0, tzinfo=UTC)),
    ],
)
def test_quiet_hours_on_a_dst_change_night(
    org: Any, agent: Any, customer: Any, grant: Any, now: datetime, until: datetime
) -> None:
    grant("email", "sales")
    services.preferences_set(
        customer=customer,
        time_zone="America/New_York",
        quiet_start=time(22, 0),
        quiet_end=time(7, 0),
    )
    blocked = _send(org, customer, agent, now=now)
    assert blocked.reason_code == BlockReason.QUIET_HOURS
    assert blocked.next_allowed_at == until
    assert _send(org, customer, agent, now=until).allowed


def test_the_weekly_limit_counts_marketing_sent_in_the_last_seven_days(
    org: Any, agent: Any, customer: Any, grant: Any
) -> None:
    grant("email", "sales")
    grant("email", "product_news")
    services.preferences_set(customer=customer, time_zone="UTC", max_per_week=2)
    start = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert _send(org, customer, agent, now=start).allowed
    assert _send(
        org, customer, agent, purpose="product_news", now=start + timedelta(days=1)
    ).allowed
    third = _send(org, customer, agent, now=start + timedelta(days=2))
    assert third.reason_code == BlockReason.FREQUENCY
    assert "at most 2 such messages a week" in third.reason
    assert third.next_allowed_at == start + timedelta(days=7)
    # Blocked attempts do not count; service about their own case is never limited.
    case = factories.make_case(org, customer)
    service = _send(
        org,
        customer,
        agent,
        purpose="service",
        reference=("case", case.pk),
        now=start + timedelta(days=3),
    )
    assert service.allowed
    assert _send(org, customer, agent, now=start + timedelta(days=7, seconds=1)).allowed


def test_the_default_weekly_limit_applies_when_the_customer_set_none(
    org: Any, agent: Any, customer: Any, grant: Any, settings: Any
) -> None:
    settings.SAYSO_OUTREACH_WEEKLY_CAP = 1
    grant("email", "sales")
    assert _send(org, customer, agent).allowed
    assert _send(org, customer, agent).reason_code == BlockReason.FREQUENCY


def test_intent_answers_are_granted_by_the_registered_checker(
    org: Any, agent: Any, customer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[Any] = []

    def checker(**kwargs: Any) -> Grant:
        asked.append(kwargs["reference"])
        if kwargs["reference"] == ("intent", 7):
            return Grant(True)
        return Grant(False, "The intent closed on 1 March.")

    monkeypatch.setitem(guard._CHECKERS, "intent_answer", checker)
    open_intent = _send(org, customer, agent, purpose="intent_answer", reference=("intent", 7))
    assert open_intent.allowed, open_intent.reason
    closed = _send(org, customer, agent, purpose="intent_answer", reference=("intent", 8))
    assert not closed.allowed and closed.reason == "The intent closed on 1 March."
    assert asked == [("intent", 7), ("intent", 8)]


def test_a_retried_attempt_with_the_same_key_sends_once(
    org: Any, agent: Any, customer: Any, grant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    grant("email", "sales")
    with django_capture_on_commit_callbacks(execute=True):
        first = _send(org, customer, agent, idempotency_key="k-1")
        again = _send(org, customer, agent, idempotency_key="k-1")
    assert again.repeated and again.attempt.pk == first.attempt.pk
    assert len(mail.outbox) == 1 and OutreachAttempt.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("channel", "fax", "Unknown channel"), ("purpose", "spam", "Unknown purpose")],
)
def test_an_unknown_channel_or_purpose_is_refused_and_records_nothing(
    org: Any, agent: Any, customer: Any, field: str, value: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        _send(org, customer, agent, **{field: value})
    assert not OutreachAttempt.objects.exists()


def test_another_organizations_customer_or_staff_is_refused(
    org: Any, other_org: Any, agent: Any, outsider: Any, customer: Any
) -> None:
    with pytest.raises(ValidationError):
        _send(other_org, customer, outsider)
    with pytest.raises(ValidationError):
        _send(org, customer, outsider)
    assert not OutreachAttempt.objects.exists()


def test_a_staff_reply_in_a_case_staff_started_goes_through_the_guard(
    org: Any, agent: Any, customer: Any, grant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    grant("email", "sales")
    started = _send(org, customer, agent)
    grant("email", "sales", Choice.REFUSED)
    with pytest.raises(OutreachBlocked, match="said no"):
        conversations.message_reply(case=started.case, author=agent, body="Just following up!")
    blocked = OutreachAttempt.objects.filter(outcome=Outcome.BLOCKED).get()
    assert blocked.case is None and blocked.reference_id == str(started.case.pk)
    # Once the customer writes in the case, it is theirs: replies are replies.
    factories.inbound(org, started.case, "Actually, what about April?")
    reply = conversations.message_reply(case=started.case, author=agent, body="April works.")
    assert reply.direction == Direction.OUTBOUND
    assert OutreachAttempt.objects.count() == 2
