"""The outreach guard: the one door every message to a customer passes through, unless it is a
reply in a case the customer opened.

``outreach_attempt`` checks, in order, each with one readable reason:

1. the channel: the customer has an identity of that kind (an address someone typed and never
   proved — ``email_claimed`` — is not one), and Sayso can send on it;
2. consent for the channel and purpose: ``service`` about a case the customer opened needs
   none; ``intent_answer`` (an answer to the customer's open intent) and ``deal_update`` (about
   the customer's active deal) are granted by the checker their app registered with
   ``grant_register``; any other purpose needs the customer's newest choice to be "yes";
3. the customer's "not before" date (marketing purposes);
4. quiet hours in the customer's time zone (DST-correct): a message then is refused, with the
   next time it may be sent — or, when the sender asks for it (``hold=True``: campaigns, staff
   who choose "send when their quiet hours end"), **held**: recorded with the time it will go,
   and sent then by a background task (``outreach_release``) if the guard, asked again at that
   time, still allows it (consent may have been withdrawn meanwhile);
5. the weekly limit: marketing messages sent in the last 7 days.

Allowed, the message is sent (email: a new case started by staff, or the staff-started case it
continues, through the conversations reply path, so it gets delivery status) and recorded
(``OUTREACH_SENT`` on the timeline). Blocked, nothing leaves: an ``OutreachAttempt`` keeps the
reason, the timeline gets ``OUTREACH_BLOCKED`` (the customer sees it), and so does the portal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from sayso.consent.models import (
    DEAL_UPDATE,
    GRANTED_PURPOSES,
    INTENT_ANSWER,
    MARKETING_PURPOSES,
    BlockReason,
    Campaign,
    Choice,
    ConsentChannel,
    ConsentRecord,
    ContactPreferences,
    Outcome,
    OutreachAttempt,
    Purpose,
)
from sayso.core.models import ApiToken, Organization
from sayso.core.task_engine import task_by_path
from sayso.customers.models import Customer, IdentityKind, TimelineKind
from sayso.customers.services import active_customer, timeline_record

# The identity a channel reaches the customer at (post: Sayso keeps no postal addresses).
CHANNEL_IDENTITY: dict[str, str | None] = {
    ConsentChannel.EMAIL: IdentityKind.EMAIL,
    ConsentChannel.PHONE: IdentityKind.PHONE,
    ConsentChannel.SMS: IdentityKind.PHONE,
    ConsentChannel.MASTODON: IdentityKind.MASTODON,
    ConsentChannel.BLUESKY: IdentityKind.BLUESKY,
    ConsentChannel.POST: None,
}
# Channels Sayso sends on itself. A phone call is placed by a person: the guard clears it (or
# refuses it) and records it. SMS, Mastodon and Bluesky have no outbound connection yet.
SENDS = {ConsentChannel.EMAIL}
CLEARS = {ConsentChannel.PHONE}
GUARD_PURPOSES = (*Purpose.values, *GRANTED_PURPOSES)


@dataclass(frozen=True)
class Grant:
    """A grant checker's answer: whether the reference grants contact, and why not."""

    granted: bool
    reason: str = ""


# checker(organization=, customer=, channel=, reference=(kind, id), at=) -> Grant
GrantChecker = Callable[..., Grant]
_CHECKERS: dict[str, GrantChecker] = {}
# governs(case) -> bool: whether staff replies in that case are about the purpose's subject.
CaseGovernor = Callable[[Any], bool]
_GOVERNORS: dict[str, CaseGovernor] = {}


def grant_register(
    purpose: str, checker: GrantChecker, *, governs_case: CaseGovernor | None = None
) -> None:
    """Let ``checker`` decide whether a message for ``purpose`` may be sent (the deals app
    registers ``intent_answer``: "this customer's intent N is open and takes answers on this
    channel until its deadline", and ``deal_update``: "this customer's deal N is active"). It is
    called with keyword arguments ``organization``, ``customer``, ``channel``, ``reference``
    (the attempt's ``(kind, id)`` or None) and ``at``, and answers a ``Grant``.
    ``governs_case(case)``: whether a staff reply in a case the customer did not open is about
    this purpose (a deal's case): such a reply goes through the guard with this purpose and the
    reference ``("case", id)``. Register it in an ``AppConfig.ready``."""
    _CHECKERS[purpose] = checker
    if governs_case is not None:
        _GOVERNORS[purpose] = governs_case
    else:
        _GOVERNORS.pop(purpose, None)


class OutreachBlocked(ValidationError):
    """Raised by paths that must send or fail (a staff reply in a case staff started)."""

    def __init__(self, result: OutreachResult) -> None:
        super().__init__(f"Not sent: {result.reason}")
        self.result = result


@dataclass(frozen=True)
class OutreachResult:
    """What the guard decided: ``allowed`` (sent, or cleared for a phone call) or blocked
    with ``reason_code`` and ``reason``; ``next_allowed_at`` when waiting would help (quiet
    hours, the weekly limit, the "not before" date). ``repeated``: an earlier attempt with the
    same idempotency key, returned as it was."""

    attempt: OutreachAttempt
    repeated: bool = False

    @property
    def allowed(self) -> bool:
        return self.attempt.outcome == Outcome.SENT

    @property
    def held(self) -> bool:
        """Held in the customer's quiet hours, to go at ``next_allowed_at``."""
        return self.attempt.outcome == Outcome.HELD

    @property
    def reason_code(self) -> str:
        return self.attempt.reason_code

    @property
    def reason(self) -> str:
        return self.attempt.reason

    @property
    def next_allowed_at(self) -> datetime | None:
        return self.attempt.next_allowed_at

    @property
    def case(self) -> Any:
        return self.attempt.case

    @property
    def message(self) -> Any:
        return self.attempt.message


@dataclass(frozen=True)
class _Block:
    code: str
    reason: str
    next_allowed_at: datetime | None = None


def _user_and_token(actor: Any) -> tuple[Any, ApiToken | None]:
    if isinstance(actor, ApiToken):
        return actor.membership.user, actor
    return actor, None


def customer_zone(preferences: ContactPreferences | None) -> ZoneInfo:
    try:
        return ZoneInfo(preferences.time_zone if preferences else "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def customer_opened(case: Any) -> bool:
    """Whether a case is the customer's: its first message came from them, or they have
    written in it since staff started it (their answer makes it a conversation they hold)."""
    from sayso.conversations.selectors import case_opened_by_customer

    return case_opened_by_customer(case)


def _reference_case(organization: Organization, customer: Customer, reference: Any) -> Any:
    from sayso.conversations.models import Case

    if not reference or reference[0] != "case":
        return None
    return Case.objects.filter(
        organization=organization, customer=customer, pk=reference[1]
    ).first()


def _channel_block(customer: Customer, channel: str) -> _Block | None:
    kind = CHANNEL_IDENTITY[channel]
    label = ConsentChannel(channel).label
    if kind is None or not customer.identities.filter(kind=kind).exists():
        what = "postal address" if kind is None else f"{label} address"
        return _Block(BlockReason.UNREACHABLE, f"No {what} on record for this customer.")
    if channel not in SENDS | CLEARS:
        return _Block(
            BlockReason.NOT_CONNECTED,
            f"{label} is not connected: Sayso cannot send on it yet.",
        )
    return None


def latest_choice(*, customer: Customer, channel: str, purpose: str) -> ConsentRecord | None:
    return (
        ConsentRecord.objects.filter(customer=customer, channel=channel, purpose=purpose)
        .order_by("-created_at", "-id")
        .first()
    )


def _consent_block(
    organization: Organization,
    customer: Customer,
    channel: str,
    purpose: str,
    reference: Any,
    case: Any,
    now: datetime,
) -> _Block | None:
    label = ConsentChannel(channel).label.lower()
    if purpose in GRANTED_PURPOSES:
        checker = _CHECKERS.get(purpose)
        if checker is None:
            what = "open intent" if purpose == INTENT_ANSWER else "active deal"
            return _Block(BlockReason.NO_CONSENT, f"No {what} of the customer allows this.")
        grant = checker(
            organization=organization,
            customer=customer,
            channel=channel,
            reference=reference,
            at=now,
        )
        if not grant.granted:
            return _Block(BlockReason.NO_CONSENT, grant.reason or "The customer did not allow it.")
        return None
    if purpose == Purpose.SERVICE and case is not None and customer_opened(case):
        return None
    record = latest_choice(customer=customer, channel=channel, purpose=purpose)
    what = Purpose(purpose).label.split(":")[0].lower()
    if record is None or record.choice == Choice.NOT_ASKED:
        return _Block(
            BlockReason.NO_CONSENT,
            f"No consent for {what} by {label}: the customer was never asked.",
        )
    if record.choice == Choice.REFUSED:
        return _Block(
            BlockReason.NO_CONSENT,
            f"No consent for {what} by {label}: the customer said no on "
            f"{record.created_at:%d %b %Y}.",
        )
    return None


def _local(day: date, at: time, zone: ZoneInfo) -> datetime:
    """``at`` on ``day`` in ``zone`` as an aware UTC time; a time that a DST change skips is
    read with the offset before the change (02:30 on a spring-forward night is 03:30)."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(ZoneInfo("UTC"))


def quiet_until(preferences: ContactPreferences | None, now: datetime) -> datetime | None:
    """The end of the quiet hours ``now`` falls in (aware), or None outside them."""
    if preferences is None or preferences.quiet_start is None or preferences.quiet_end is None:
        return None
    start, end = preferences.quiet_start, preferences.quiet_end
    if start == end:
        return None
    zone = customer_zone(preferences)
    local = now.astimezone(zone)
    today = local.date()
    # The windows that could hold ``now``: the one starting yesterday and the one today.
    for first in (today - timedelta(days=1), today):
        begins = _local(first, start, zone)
        ends = _local(first + timedelta(days=1) if end <= start else first, end, zone)
        if begins <= now < ends:
            return ends
    return None


def _timing_block(
    preferences: ContactPreferences | None,
    customer: Customer,
    purpose: str,
    now: datetime,
) -> _Block | None:
    zone = customer_zone(preferences)
    marketing = purpose in MARKETING_PURPOSES
    not_before = preferences.not_before if preferences is not None else None
    if marketing and not_before is not None and now.astimezone(zone).date() < not_before:
        return _Block(
            BlockReason.NOT_BEFORE,
            f"The customer asked not to be contacted before {not_before:%d %b %Y}.",
            _local(not_before, time(0, 0), zone),
        )
    until = quiet_until(preferences, now)
    if until is not None:
        return _Block(
            BlockReason.QUIET_HOURS,
            f"Quiet hours in the customer's time zone ({zone.key}) until "
            f"{until.astimezone(zone):%H:%M on %d %b}.",
            until,
        )
    if marketing:
        cap = weekly_cap(preferences)
        week_ago = now - timedelta(days=7)
        sent = list(
            OutreachAttempt.objects.filter(
                customer=customer,
                outcome=Outcome.SENT,
                purpose__in=MARKETING_PURPOSES,
                created_at__gt=week_ago,
            )
            .order_by("created_at")
            .values_list("created_at", flat=True)[: max(cap, 1)]
        )
        if len(sent) >= cap:
            following = sent[0] + timedelta(days=7) if sent else None
            return _Block(
                BlockReason.FREQUENCY,
                f"The customer takes at most {cap} such message{'s' if cap != 1 else ''} a "
                "week, and that many were sent in the last 7 days.",
                following,
            )
    return None


def weekly_cap(preferences: ContactPreferences | None) -> int:
    if preferences is not None and preferences.max_per_week is not None:
        return int(preferences.max_per_week)
    return int(settings.SAYSO_OUTREACH_WEEKLY_CAP)


def _check(
    organization: Organization,
    customer: Customer,
    channel: str,
    purpose: str,
    reference: Any,
    now: datetime,
) -> _Block | None:
    case = _reference_case(organization, customer, reference)
    block = _channel_block(customer, channel) or _consent_block(
        organization, customer, channel, purpose, reference, case, now
    )
    if block is not None:
        return block
    if purpose == Purpose.SERVICE and case is not None and customer_opened(case):
        return None  # a message about the customer's own case: their timing does not apply
    preferences = ContactPreferences.objects.filter(customer=customer).first()
    return _timing_block(preferences, customer, purpose, now)


def _validate(channel: str, purpose: str, subject: str, body: str) -> tuple[str, str]:
    if channel not in ConsentChannel.values:
        raise ValidationError(f"Unknown channel “{channel}”.")
    if purpose not in GUARD_PURPOSES:
        raise ValidationError(f"Unknown purpose “{purpose}”.")
    subject = " ".join((subject or "").split())[:300]
    body = (body or "").replace("\r\n", "\n").strip()
    if not subject:
        raise ValidationError("Give the message a subject: the customer sees what it was about.")
    if not body:
        raise ValidationError("The message is empty.")
    if len(body) > settings.SAYSO_MAX_MESSAGE_CHARS:
        raise ValidationError("The message is too long.")
    return subject, body


def outreach_attempt(
    *,
    organization: Organization,
    customer: Customer,
    channel: str,
    purpose: str,
    subject: str,
    body: str,
    actor: Any,
    reference: tuple[str, Any] | None = None,
    bulk: Campaign | None = None,
    idempotency_key: str = "",
    now: datetime | None = None,
    hold: bool = False,
) -> OutreachResult:
    """Send one message to a customer if the guard allows it; record it either way.

    ``channel``: one of ``ConsentChannel``; ``purpose``: one of ``Purpose``,
    ``"intent_answer"`` or ``"deal_update"``; ``actor``: the staff user (or the API token)
    sending it, who must be a member of ``organization``; ``reference``: what the message is
    about, ``("case", id)`` (continues a case staff started, or a service message about the
    customer's own case), ``("intent", intent_id)`` (for ``intent_answer``) or
    ``("deal", deal_id)`` (for ``deal_update``); ``bulk``: the campaign it belongs to.
    ``idempotency_key``: a retried call with the same key returns the first result and sends
    nothing more. ``hold``: a message refused only for the customer's quiet hours is held
    instead (outcome ``held``, ``next_allowed_at`` the time it will go) and sent then by a
    background task if the guard still allows it. Unknown channel or purpose, an empty
    subject or body, or a customer of another organization raise ``ValidationError`` (nothing
    is recorded). Returns an
    ``OutreachResult``; a blocked attempt is not an exception.
    """
    from sayso.conversations.services import staff_member

    subject, body = _validate(channel, purpose, subject, body)
    if customer.organization_id != organization.pk:
        raise ValidationError("That customer belongs to another organization.")
    user, token = _user_and_token(actor)
    staff_member(organization, user)
    key = (idempotency_key or "").strip()[:200]
    if key:
        earlier = _earlier(organization, key)
        if earlier is not None:
            return OutreachResult(earlier, repeated=True)
    customer = active_customer(customer)
    reference_kind, reference_id = (str(reference[0]), str(reference[1])) if reference else ("", "")
    try:
        with transaction.atomic():
            # One decision at a time per customer: the weekly limit counts what was sent.
            customer = Customer.objects.select_for_update().get(pk=customer.pk)
            at = now or timezone.now()
            block = _check(organization, customer, channel, purpose, reference, at)
            held = hold and block is not None and block.code == BlockReason.QUIET_HOURS
            attempt = OutreachAttempt.objects.create(
                organization=organization,
                customer=customer,
                channel=channel,
                purpose=purpose,
                subject=subject,
                body=body,
                outcome=Outcome.HELD if held else Outcome.BLOCKED if block else Outcome.SENT,
                reason_code=block.code if block else "",
                reason=_reason(block, held=held, channel=channel),
                next_allowed_at=block.next_allowed_at if block else None,
                by_user=user,
                by_token=token,
                reference_kind=reference_kind,
                reference_id=reference_id,
                campaign=bulk,
                idempotency_key=key,
                created_at=at,
            )
            if block is None:
                _send(attempt, user, reference)
            if held:
                _release_later(attempt)
            else:
                _record_timeline(attempt, user)
    except IntegrityError:
        earlier = _earlier(organization, key) if key else None
        if earlier is None:
            raise
        return OutreachResult(earlier, repeated=True)
    return OutreachResult(attempt)


def _earlier(organization: Organization, key: str) -> OutreachAttempt | None:
    return (
        OutreachAttempt.objects.select_related("case", "message")
        .filter(organization=organization, idempotency_key=key)
        .first()
    )


def _reason(block: _Block | None, *, held: bool, channel: str) -> str:
    if block is None:
        return _allowed_note(channel)
    return _held_note(block) if held else block.reason[:500]


def _held_note(block: _Block) -> str:
    return f"Held: {block.reason} It goes then if the customer's settings still allow it."[:500]


# The task that releases one held attempt (``tasks.outreach_release_task``), enqueued by name:
# services never import their app's tasks (docs/architecture.md).
RELEASE_TASK = "sayso.consent.tasks.outreach_release_task"


def _release_later(attempt: OutreachAttempt) -> None:
    """Ask the engine to release the attempt when its time comes, where the engine can wait
    (PostgreSQL); the periodic ``outreach_release_due`` takes every held attempt due anyway."""
    from django_tasks import default_task_backend

    when, attempt_id = attempt.next_allowed_at, attempt.pk
    if when is None or not default_task_backend.supports_defer:
        return
    task = task_by_path(RELEASE_TASK).using(run_after=when)
    transaction.on_commit(lambda: task.enqueue(attempt_id))


def outreach_release(*, attempt_id: int, now: datetime | None = None) -> OutreachAttempt | None:
    """Send a held attempt once its time has come, asking the guard again first: sent if it
    still allows it; held again if the customer's quiet hours moved meanwhile; blocked with the
    reason otherwise (consent withdrawn, the weekly limit reached, the sender left the team).
    Too early, or no longer held: nothing happens (safe to run twice)."""
    from sayso.conversations.services import staff_member

    at = now or timezone.now()
    with transaction.atomic():
        attempt = (
            OutreachAttempt.objects.select_for_update(of=("self",))
            .select_related("organization", "by_user")
            .filter(pk=attempt_id)
            .first()
        )
        if attempt is None or attempt.outcome != Outcome.HELD:
            return attempt
        if attempt.next_allowed_at is not None and at < attempt.next_allowed_at:
            return attempt
        organization = attempt.organization
        customer = Customer.objects.select_for_update().get(pk=active_customer(attempt.customer).pk)
        reference = (
            (attempt.reference_kind, attempt.reference_id) if attempt.reference_kind else None
        )
        user = attempt.by_user
        block: _Block | None
        try:
            staff_member(organization, user)
        except ValidationError:
            block = _Block(
                BlockReason.SENDER_GONE, "The sender is no longer on the team; nothing was sent."
            )
        else:
            block = _check(organization, customer, attempt.channel, attempt.purpose, reference, at)
        attempt.customer = customer
        if block is not None and block.code == BlockReason.QUIET_HOURS:
            attempt.reason = _held_note(block)
            attempt.next_allowed_at = block.next_allowed_at
            attempt.save(update_fields=["customer", "reason", "next_allowed_at", "updated_at"])
            _release_later(attempt)
            return attempt
        attempt.outcome = Outcome.BLOCKED if block else Outcome.SENT
        attempt.reason_code = block.code if block else ""
        attempt.reason = _reason(block, held=False, channel=attempt.channel)
        attempt.next_allowed_at = block.next_allowed_at if block else None
        attempt.save(
            update_fields=[
                "customer",
                "outcome",
                "reason_code",
                "reason",
                "next_allowed_at",
                "updated_at",
            ]
        )
        if block is None:
            _send(attempt, user, reference)
        _record_timeline(attempt, user, at=at)
    return attempt


def outreach_release_due(*, now: datetime | None = None) -> dict[str, int]:
    """Release every held attempt whose time has come (the periodic task); returns how many
    went out, were blocked, or are held again."""
    at = now or timezone.now()
    due = OutreachAttempt.objects.filter(outcome=Outcome.HELD, next_allowed_at__lte=at)
    counts = {"sent": 0, "blocked": 0, "held": 0}
    for attempt_id in list(due.order_by("next_allowed_at", "id").values_list("id", flat=True)):
        attempt = outreach_release(attempt_id=attempt_id, now=at)
        if attempt is not None:
            counts[str(attempt.outcome)] = counts.get(str(attempt.outcome), 0) + 1
    return counts


def _allowed_note(channel: str) -> str:
    if channel in CLEARS:
        return "Cleared: Sayso does not place calls; make the call yourself."
    return ""


def _send(attempt: OutreachAttempt, user: Any, reference: Any) -> None:
    """Email leaves through the conversations reply path (a staff-started case: the one the
    reference names, or a new one), so it is threaded and gets delivery status."""
    from sayso.conversations import services as conversations
    from sayso.conversations.models import Channel

    if attempt.channel not in SENDS:
        return
    case = _reference_case(attempt.organization, attempt.customer, reference)
    if case is None:
        case = conversations.case_open(
            organization=attempt.organization,
            customer=attempt.customer,
            subject=attempt.subject,
            channel=Channel.EMAIL,
            assignee=user,
            actor=user,
        )
    message = conversations.message_reply(
        case=case, author=user, body=attempt.body, outreach_checked=True
    )
    attempt.case = case
    attempt.message = message
    attempt.save(update_fields=["case", "message", "updated_at"])


TEAM_WORDS: dict[str, str] = {
    Purpose.SERVICE: "support team",
    Purpose.PRODUCT_NEWS: "product team",
    Purpose.SALES: "sales team",
    Purpose.RESEARCH: "research team",
    Purpose.PARTNERS: "partnerships team",
    INTENT_ANSWER: "sales team",
    DEAL_UPDATE: "sales team",
}
CHANNEL_VERBS: dict[str, str] = {
    ConsentChannel.EMAIL: "email you",
    ConsentChannel.PHONE: "call you",
    ConsentChannel.SMS: "text you",
    ConsentChannel.MASTODON: "reach you on Mastodon",
    ConsentChannel.BLUESKY: "reach you on Bluesky",
    ConsentChannel.POST: "write to you by post",
}


def attempt_in_words(attempt: OutreachAttempt, zone: ZoneInfo | None = None) -> str:
    """The attempt as the customer reads it: "Haulright's sales team tried to email you on
    3 Dec about truck rentals; your settings blocked it (…)"."""
    when = attempt.created_at.astimezone(zone or ZoneInfo("UTC"))
    team = TEAM_WORDS.get(attempt.purpose, "team")
    verb = CHANNEL_VERBS.get(attempt.channel, "contact you")
    day = f"{when.day} {when:%b}"
    who = f"{attempt.organization.name}'s {team}"
    if attempt.outcome == Outcome.HELD and attempt.next_allowed_at is not None:
        goes = attempt.next_allowed_at.astimezone(zone or ZoneInfo("UTC"))
        return (
            f"{who} wants to {verb} about “{attempt.subject}”; held for your quiet hours, it "
            f"goes at {goes:%H:%M} on {goes.day} {goes:%b} if your settings still allow it."
        )
    if attempt.outcome == Outcome.SENT:
        did = "called you" if attempt.channel in CLEARS else verb.replace(" you", "ed you", 1)
        if attempt.channel == ConsentChannel.EMAIL:
            did = "emailed you"
        return f"{who} {did} on {day} about “{attempt.subject}”; your settings allowed it."
    because = attempt.reason.rstrip(".")
    return (
        f"{who} tried to {verb} on {day} about “{attempt.subject}”; your settings blocked it "
        f"({because[:1].lower()}{because[1:]})."
    )


def _record_timeline(attempt: OutreachAttempt, user: Any, at: datetime | None = None) -> None:
    sent = attempt.outcome == Outcome.SENT
    timeline_record(
        customer=attempt.customer,
        kind=TimelineKind.OUTREACH_SENT if sent else TimelineKind.OUTREACH_BLOCKED,
        summary=attempt_in_words(attempt),
        occurred_at=at or attempt.created_at,
        customer_visible=True,
        case=attempt.case,
        message=attempt.message,
        actor=user,
        channel=attempt.channel,
        data={
            "attempt": attempt.pk,
            "purpose": attempt.purpose,
            "reason_code": attempt.reason_code,
        },
    )


def outreach_reply(*, case: Any, author: Any, body: str) -> Any:
    """A staff reply in a case the customer did not open (``message_reply`` sends it here; the
    consent app registers this as conversations' ``reply_guard``): through the guard with the
    purpose that governs the case (a deal's case, or the case an offer started once the
    customer accepted it: ``deal_update``, see ``grant_register``), else the purpose of the
    attempt that started the case (``service`` when none did). Returns the message sent;
    raises ``OutreachBlocked`` when the guard refuses (the attempt is recorded first, and stays
    recorded)."""
    first = OutreachAttempt.objects.filter(case=case, outcome=Outcome.SENT).order_by("id").first()
    purpose = first.purpose if first is not None else Purpose.SERVICE
    governing = next((p for p, governs in _GOVERNORS.items() if governs(case)), None)
    result = outreach_attempt(
        organization=case.organization,
        customer=case.customer,
        channel=first.channel if first is not None else ConsentChannel.EMAIL,
        purpose=governing or purpose,
        subject=f"Re: {case.subject}",
        body=body,
        actor=author,
        reference=("case", case.pk),
    )
    if not result.allowed:
        raise OutreachBlocked(result)
    return result.message
