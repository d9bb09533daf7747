"""Writes for cases, messages and hand-offs. One transaction each. Commitments (promises made
in a case, their reminders and breaches) are ``commitments``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from sayso.conversations.inbox_counts import inbox_changed
from sayso.conversations.models import (
    Case,
    CaseStatus,
    Channel,
    Direction,
    Handoff,
    Message,
    Priority,
    Visibility,
)
from sayso.conversations.reply_guard import reply_guard
from sayso.conversations.selectors import case_opened_by_customer, messages_by_external_id
from sayso.core.mail import new_message_id
from sayso.core.models import Membership, Organization, Team
from sayso.core.services import audit_record
from sayso.customers.models import (
    Customer,
    Identity,
    IdentityKind,
    TimelineEvent,
    TimelineKind,
)
from sayso.customers.services import timeline_entry, timeline_record, timeline_record_many
from sayso.notifications.models import AlertKind
from sayso.notifications.services import alert_send


def _clean_body(body: str) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise ValidationError("The message is empty.")
    limit = settings.SAYSO_MAX_MESSAGE_CHARS
    if len(body) > limit:
        raise ValidationError(
            f"The message is too long ({len(body):,} characters; {limit:,} at most)."
        )
    return body


def _clean_subject(subject: str, body: str = "") -> str:
    subject = " ".join((subject or "").split())
    if not subject:
        first_line = next((line for line in body.splitlines() if line.strip()), "")
        subject = first_line.strip()[:80] or "(no subject)"
    return subject[:300]


def staff_member(organization: Organization, user: Any) -> Membership:
    """The user's active membership of the organization; a ``ValidationError`` when they are
    not its staff."""
    membership = (
        Membership.objects.select_related("team", "reports_to", "organization")
        .filter(organization=organization, user=user, is_active=True, user__is_active=True)
        .first()
    )
    if membership is None:
        raise ValidationError(f"{user} is not a staff member of {organization.name}.")
    return membership


def user_name(user: Any) -> str:
    """A staff member as the timeline and alerts name them."""
    if user is None:
        return "nobody"
    return user.get_full_name() or user.get_username()


@transaction.atomic
def case_open(
    *,
    organization: Organization,
    customer: Customer,
    subject: str,
    channel: str = Channel.WEB,
    priority: str = Priority.NORMAL,
    team: Team | None = None,
    assignee: Any = None,
    actor: Any = None,
    opened_at: datetime | None = None,
) -> Case:
    _check_new_case(organization, customer, priority, team)
    if channel not in Channel.values:
        raise ValidationError(f"Unknown channel “{channel}”.")
    if assignee is not None:
        staff_member(organization, assignee)
    now = opened_at or timezone.now()
    case = Case.objects.create(
        organization=organization,
        number=_case_numbers(organization, 1),
        customer=customer,
        subject=_clean_subject(subject),
        channel=channel,
        priority=priority,
        team=team,
        assignee=assignee,
        last_message_at=now,
        created_at=now,
    )
    inbox_changed(organization.pk)
    timeline_record_many([_case_opened_entry(case, actor)])
    return case


def _check_new_case(
    organization: Organization, customer: Customer, priority: str, team: Team | None
) -> None:
    """What a new case needs, for ``case_open`` and ``messages_receive_many`` alike."""
    if customer.organization_id != organization.pk:
        raise ValidationError("That customer belongs to another organization.")
    if customer.merged_into_id is not None:
        raise ValidationError("That customer was merged into another; open the case there.")
    if priority not in Priority.values:
        raise ValidationError(f"Unknown priority “{priority}”.")
    if team is not None and team.organization_id != organization.pk:
        raise ValidationError("That team belongs to another organization.")


def _case_numbers(organization: Organization, count: int) -> int:
    """Reserve ``count`` consecutive case numbers of the organization; returns the first. The
    per-organization number comes from its counter row, locked until the transaction ends."""
    Organization.objects.filter(pk=organization.pk).update(
        next_case_number=F("next_case_number") + count
    )
    return (
        Organization.objects.values_list("next_case_number", flat=True).get(pk=organization.pk)
        - count
    )


def _case_opened_entry(case: Case, actor: Any = None) -> TimelineEvent:
    return timeline_entry(
        customer=case.customer,
        kind=TimelineKind.CASE_OPENED,
        summary=f"Case #{case.number} opened: {case.subject}",
        occurred_at=case.created_at,
        customer_visible=True,
        case=case,
        actor=actor,
        channel=case.channel,
    )


def _priority_entry(case: Case, old: str, reason: str) -> TimelineEvent:
    """The timeline's note of a case's priority change (``old``: the former priority's label)."""
    return timeline_entry(
        customer=case.customer,
        kind=TimelineKind.CASE_PRIORITY,
        summary=f"Case #{case.number} priority: {old} → {case.get_priority_display()}"
        + (f" ({reason})" if reason else ""),
        case=case,
    )


def _touched(case: Case, when: datetime, *, reopen: bool) -> bool:
    """A new message's effect on its case, in memory: the time of its last message, and
    re-opened when ``reopen`` (a customer's message); True when it was re-opened."""
    if case.last_message_at is None or when > case.last_message_at:
        case.last_message_at = when
    if reopen and case.status != CaseStatus.OPEN:
        case.status = CaseStatus.OPEN
        case.resolved_at = None
        return True
    return False


def _touch_case(case: Case, when: datetime, *, reopen: bool) -> None:
    fields = ["last_message_at", "updated_at"]
    if _touched(case, when, reopen=reopen):
        fields += ["status", "resolved_at"]
        inbox_changed(case.organization_id)
    case.save(update_fields=fields)


def _record_message_timeline(message: Message, actor: Any = None) -> None:
    timeline_record_many([_message_entry(message, actor)])


def _message_entry(message: Message, actor: Any = None) -> TimelineEvent:
    who = (
        user_name(message.author_user)
        if message.author_user_id
        else (message.author_identity.value if message.author_identity else "customer")
    )
    verb = {
        Visibility.INTERNAL: "Internal note by",
        Visibility.PUBLIC: "Public message from",
        Visibility.PRIVATE: "Message from",
    }[Visibility(message.visibility)]
    snippet = " ".join(message.body.split())[:160]
    return timeline_entry(
        customer=message.customer,
        kind=TimelineKind.MESSAGE,
        summary=f"{verb} {who} on case #{message.case.number}: {snippet}",
        occurred_at=message.sent_at,
        customer_visible=message.visibility != Visibility.INTERNAL,
        case=message.case,
        message=message,
        actor=actor,
        channel=message.channel,
        data={"direction": message.direction},
    )


def message_receive(
    *,
    organization: Organization,
    customer: Customer,
    channel: str,
    body: str,
    external_id: str = "",
    subject: str = "",
    case: Case | None = None,
    author_identity: Identity | None = None,
    sent_at: datetime | None = None,
    visibility: str = Visibility.PRIVATE,
    headers: dict[str, Any] | None = None,
    analyzed: bool = False,
) -> tuple[Message, bool]:
    """Store a message from a customer, opening a case when none is given.

    Idempotent on ``(channel, external_id)``: a re-delivered item returns the stored message
    and ``False``. ``analyzed``: the caller stores the message's analysis itself (the listening
    pipeline analyzes whole batches), so no analysis task is queued.
    """
    if channel not in Channel.values:
        raise ValidationError(f"Unknown channel “{channel}”.")
    if visibility not in {Visibility.PUBLIC, Visibility.PRIVATE}:
        raise ValidationError("A customer's message is public or private, never internal.")
    external_id = channel_id(external_id)
    if external_id:
        existing = _stored_message(organization, channel, external_id)
        if existing is not None:
            return existing, False
    body = _clean_body(body)
    if customer.organization_id != organization.pk:
        raise ValidationError("That customer belongs to another organization.")
    if case is not None and case.organization_id != organization.pk:
        raise ValidationError("That case belongs to another organization.")
    now = timezone.now()
    when = min(sent_at, now) if sent_at else now
    try:
        with transaction.atomic():
            if case is None:
                case = case_open(
                    organization=organization,
                    customer=customer,
                    subject=_clean_subject(subject, body),
                    channel=channel,
                    opened_at=when,
                )
            message = Message.objects.create(
                organization=organization,
                case=case,
                customer=case.customer,
                direction=Direction.INBOUND,
                channel=channel,
                visibility=visibility,
                author_identity=author_identity,
                subject=(subject or "")[:300],
                body=body,
                external_id=external_id,
                sent_at=when,
                headers=headers or {},
            )
            _touch_case(case, when, reopen=True)
            _record_message_timeline(message)
    except IntegrityError:
        # Another delivery of the same item won the race: return the stored one.
        existing = _stored_message(organization, channel, external_id) if external_id else None
        if existing is None:
            raise
        return existing, False
    _enqueue_message_received(message, analyze=not analyzed)
    return message, True


@dataclass(eq=False)
class NewCase:
    """A case that ``messages_receive_many`` opens with the first of its messages (checked as
    ``case_open`` checks), already routed: ``priority`` and ``team`` as a routing rule chose,
    ``routed_by`` saying which (on the timeline). ``case`` is the stored case afterwards."""

    customer: Customer
    subject: str = ""
    priority: str = Priority.NORMAL
    team: Team | None = None
    routed_by: str = ""
    case: Case | None = None


@dataclass(eq=False)
class Inbound:
    """One customer's message for ``messages_receive_many``: to an open case, or opening a
    ``NewCase`` (several messages may share one)."""

    case: Case | NewCase
    body: str
    external_id: str = ""
    subject: str = ""
    author_identity: Identity | None = None
    sent_at: datetime | None = None
    visibility: str = Visibility.PRIVATE
    headers: dict[str, Any] | None = None


def messages_receive_many(
    *,
    organization: Organization,
    channel: str,
    inbound: list[Inbound],
    analyzed: bool = False,
) -> list[Message]:
    """``message_receive`` for many new messages of one channel at once: the same records
    (cases, messages, timeline entries, re-opened cases, index and analysis tasks) in about
    eight statements whatever their number; the listening pipeline stores its groups of items
    this way. Returns the messages in the order given.

    The caller has looked the channel ids up already (``messages_by_external_id``): one that
    is stored raises ``IntegrityError`` from the unique constraint, and nothing is written.
    Bad input raises ``ValidationError``, also before anything is written.
    """
    if channel not in Channel.values:
        raise ValidationError(f"Unknown channel “{channel}”.")
    now = timezone.now()
    opening: dict[int, NewCase] = {}
    cases: dict[int, Case] = {}  # by id() of the NewCase or the Case
    rows: list[tuple[Inbound, Case, str, datetime]] = []
    for entry in inbound:
        if entry.visibility not in {Visibility.PUBLIC, Visibility.PRIVATE}:
            raise ValidationError("A customer's message is public or private, never internal.")
        body = _clean_body(entry.body)
        when = min(entry.sent_at, now) if entry.sent_at else now
        known = cases.get(id(entry.case))
        if known is not None:
            case = known
        elif isinstance(entry.case, NewCase):
            case = _case_draft(organization, entry.case, channel, entry.subject, body, when)
            opening[id(entry.case)] = entry.case
        else:
            case = entry.case
            if case.organization_id != organization.pk:
                raise ValidationError("That case belongs to another organization.")
        cases[id(entry.case)] = case
        rows.append((entry, case, body, when))
    # What each message does to its case (``_touched``): the new cases are written with it,
    # the existing ones updated below.
    drafts = [cases[key] for key in opening]
    touched: dict[int, Case] = {}
    reopened = False
    for _, case, _, when in rows:
        reopened = _touched(case, when, reopen=True) or reopened
        case.updated_at = now
        touched[id(case)] = case
    existing = [case for case in touched.values() if case.pk is not None]
    with transaction.atomic():
        if drafts:
            first = _case_numbers(organization, len(drafts))
            for number, case in enumerate(drafts, start=first):
                case.number = number
            Case.objects.bulk_create(drafts)
            for key, new in opening.items():
                new.case = cases[key]
        for case in existing:
            # One UPDATE each: cheaper than bulk_update's CASE expressions for a few dozen.
            Case.objects.filter(pk=case.pk).update(
                last_message_at=case.last_message_at,
                status=case.status,
                resolved_at=case.resolved_at,
                updated_at=now,
            )
        messages = Message.objects.bulk_create(
            [
                Message(
                    organization=organization,
                    case=case,
                    customer=case.customer,
                    direction=Direction.INBOUND,
                    channel=channel,
                    visibility=entry.visibility,
                    author_identity=entry.author_identity,
                    subject=(entry.subject or "")[:300],
                    body=body,
                    external_id=channel_id(entry.external_id),
                    sent_at=when,
                    headers=entry.headers or {},
                )
                for entry, case, body, when in rows
            ]
        )
        entries: list[TimelineEvent] = []
        announced: set[int] = set()
        for (entry, case, _, _), message in zip(rows, messages, strict=True):
            opened = opening.get(id(entry.case))
            if opened is not None and case.pk not in announced:
                announced.add(case.pk)
                entries.append(_case_opened_entry(case))
                entries.append(_message_entry(message))
                if case.priority != Priority.NORMAL:
                    entries.append(_priority_entry(case, Priority.NORMAL.label, opened.routed_by))
            else:
                entries.append(_message_entry(message))
        timeline_record_many(entries)
        if drafts or reopened:
            inbox_changed(organization.pk)
        for message in messages:
            _enqueue_message_received(message, analyze=not analyzed)
    return messages


def _case_draft(
    organization: Organization, new: NewCase, channel: str, subject: str, body: str, when: datetime
) -> Case:
    """The unsaved case a ``NewCase`` opens with its first message, checked as ``case_open``
    checks."""
    _check_new_case(organization, new.customer, new.priority, new.team)
    return Case(
        organization=organization,
        customer=new.customer,
        subject=_clean_subject(new.subject or subject, body),
        channel=channel,
        priority=new.priority,
        team=new.team,
        last_message_at=when,
        created_at=when,
    )


def channel_id(external_id: str | None) -> str:
    """A message's channel id as it is stored."""
    return (external_id or "").strip()[:500]


def _stored_message(organization: Organization, channel: str, external_id: str) -> Message | None:
    return (
        messages_by_external_id(
            organization=organization, channel=channel, external_ids=[external_id]
        )
        .order_by("id")
        .first()
    )


def _enqueue_message_received(message: Message, *, analyze: bool = True) -> None:
    """Hook for enrichment of new messages: analysis (sentiment, intents, spam, language,
    duplicates) runs in the background once the message is committed, and the message and
    its case (which it may have reopened) are indexed for similar-item search."""
    from sayso.intelligence.tasks import analyze_message

    message_id = message.pk
    if analyze:
        transaction.on_commit(lambda: analyze_message.enqueue(message_id))
    _index_later(message.case, message)


def _index_later(case: Case, message: Message | None = None) -> None:
    """Re-index the case (its text or status changed) and a new message, after commit."""
    from sayso.intelligence import index_item_later

    index_item_later(organization=case.organization, kind="case", object_id=case.pk)
    if message is not None and message.direction != Direction.INTERNAL:
        index_item_later(organization=case.organization, kind="message", object_id=message.pk)


def message_reply(
    *,
    case: Case,
    author: Any,
    body: str,
    visibility: str = Visibility.PRIVATE,
    sent_at: datetime | None = None,
    outreach_checked: bool = False,
) -> Message:
    """A staff reply to the customer. Sent by email after commit when the customer has an
    email address; always visible to the customer in the portal.

    A reply in a case the customer did not open (staff started it and the customer has not
    written in it) is outreach: it goes through the registered guard (``reply_guard``: the
    consent app's), which raises a ``ValidationError`` with the reason when it refuses, after
    recording the attempt; with no guard registered it is refused. ``outreach_checked``: the
    guard itself is sending it."""
    if not outreach_checked and not case_opened_by_customer(case):
        return reply_guard()(case=case, author=author, body=body)
    return _message_reply(
        case=case, author=author, body=body, visibility=visibility, sent_at=sent_at
    )


@transaction.atomic
def _message_reply(
    *,
    case: Case,
    author: Any,
    body: str,
    visibility: str = Visibility.PRIVATE,
    sent_at: datetime | None = None,
) -> Message:
    membership = staff_member(case.organization, author)
    if visibility not in {Visibility.PUBLIC, Visibility.PRIVATE}:
        raise ValidationError("A reply is public or private; use a note for internal text.")
    body = _clean_body(body)
    has_email = Identity.objects.filter(customer=case.customer, kind=IdentityKind.EMAIL).exists()
    channel = Channel.EMAIL if has_email else Channel.PORTAL
    now = min(sent_at, timezone.now()) if sent_at else timezone.now()
    message = Message.objects.create(
        organization=case.organization,
        case=case,
        customer=case.customer,
        direction=Direction.OUTBOUND,
        channel=channel,
        visibility=visibility,
        author_user=author,
        subject=f"Re: {case.subject}"[:300],
        body=body,
        external_id=new_message_id() if channel == Channel.EMAIL else "",
        sent_at=now,
    )
    _touch_case(case, now, reopen=False)
    _record_message_timeline(message, actor=author)
    audit_record(
        organization=case.organization, actor=membership.user, action="case.reply", obj=message
    )
    _index_later(case, message)
    if channel == Channel.EMAIL:
        from sayso.conversations.email_outbound import reply_mail_queue

        reply_mail_queue(message=message)  # sent by the outbox once this commits
    return message


@transaction.atomic
def message_note(*, case: Case, author: Any, body: str, sent_at: datetime | None = None) -> Message:
    """An internal note: staff only, never shown to the customer or on a public page."""
    staff_member(case.organization, author)
    body = _clean_body(body)
    now = min(sent_at, timezone.now()) if sent_at else timezone.now()
    message = Message.objects.create(
        organization=case.organization,
        case=case,
        customer=case.customer,
        direction=Direction.INTERNAL,
        channel=Channel.STAFF,
        visibility=Visibility.INTERNAL,
        author_user=author,
        body=body,
        sent_at=now,
    )
    _record_message_timeline(message, actor=author)
    return message


@transaction.atomic
def case_update(
    *,
    case: Case,
    actor: Any,
    status: str | None = None,
    priority: str | None = None,
    subject: str | None = None,
) -> Case:
    staff_member(case.organization, actor)
    case = Case.objects.select_for_update().select_related("customer").get(pk=case.pk)
    fields = ["updated_at"]
    if status is not None and status != case.status:
        if status not in CaseStatus.values:
            raise ValidationError(f"Unknown status “{status}”.")
        old = case.get_status_display()
        case.status = status
        case.resolved_at = (
            timezone.now() if status in {CaseStatus.RESOLVED, CaseStatus.CLOSED} else None
        )
        fields += ["status", "resolved_at"]
        timeline_record(
            customer=case.customer,
            kind=TimelineKind.CASE_STATUS,
            summary=f"Case #{case.number}: {old} → {case.get_status_display()}",
            customer_visible=True,
            case=case,
            actor=actor,
            data={"from": old, "to": status},
        )
    if priority is not None and priority != case.priority:
        if priority not in Priority.values:
            raise ValidationError(f"Unknown priority “{priority}”.")
        old = case.get_priority_display()
        case.priority = priority
        fields.append("priority")
        timeline_record(
            customer=case.customer,
            kind=TimelineKind.CASE_PRIORITY,
            summary=f"Case #{case.number} priority: {old} → {case.get_priority_display()}",
            case=case,
            actor=actor,
        )
    if subject is not None:
        case.subject = _clean_subject(subject)
        fields.append("subject")
    case.save(update_fields=fields)
    if {"status", "priority"} & set(fields):
        inbox_changed(case.organization_id)
    if {"status", "subject"} & set(fields):
        _index_later(case)
    return case


@transaction.atomic
def case_route(
    *, case: Case, team: Team | None = None, priority: str = "", reason: str = ""
) -> Case:
    """Give a new case the team and priority a routing rule chose (no staff actor: the rule
    is the actor). Leaves what is already set by a person alone: an assigned case keeps its
    assignee, and a team is only set on a case without one."""
    if priority and priority not in Priority.values:
        raise ValidationError(f"Unknown priority “{priority}”.")
    if team is not None and team.organization_id != case.organization_id:
        raise ValidationError("That team belongs to another organization.")
    case = Case.objects.select_for_update().select_related("customer").get(pk=case.pk)
    fields = ["updated_at"]
    if team is not None and case.team_id is None:
        case.team = team
        fields.append("team")
    if priority and priority != case.priority:
        old = case.get_priority_display()
        case.priority = priority
        fields.append("priority")
        timeline_record_many([_priority_entry(case, old, reason)])
    if len(fields) > 1:
        case.save(update_fields=fields)
        inbox_changed(case.organization_id)
    return case


@transaction.atomic
def case_handoff(
    *,
    case: Case,
    actor: Any,
    note: str,
    to_user: Any = None,
    to_team: Team | None = None,
) -> Handoff:
    """Pass a case to another person and/or team with a note; the new owner is alerted and
    sees the whole history on the case page."""
    staff_member(case.organization, actor)
    note = (note or "").strip()
    if not note:
        raise ValidationError("A hand-off needs a note for the new owner: what is this about?")
    if to_user is None and to_team is None:
        raise ValidationError("Hand the case to a person or a team.")
    if to_user is not None:
        staff_member(case.organization, to_user)
    if to_team is not None and to_team.organization_id != case.organization_id:
        raise ValidationError("That team belongs to another organization.")
    case = Case.objects.select_for_update().select_related("customer").get(pk=case.pk)
    handoff = Handoff.objects.create(
        organization=case.organization,
        case=case,
        from_user=case.assignee,
        from_team=case.team,
        to_user=to_user,
        to_team=to_team if to_team is not None else case.team,
        note=note[:5000],
        by=actor,
    )
    case.assignee = to_user
    if to_team is not None:
        case.team = to_team
    case.save(update_fields=["assignee", "team", "updated_at"])
    inbox_changed(case.organization_id)
    target = user_name(to_user) if to_user is not None else to_team.name  # type: ignore[union-attr]
    timeline_record(
        customer=case.customer,
        kind=TimelineKind.HANDOFF,
        summary=f"Case #{case.number} handed to {target} by {user_name(actor)}: {note[:200]}",
        case=case,
        actor=actor,
        data={"handoff": handoff.pk},
    )
    recipients = [to_user] if to_user is not None else []
    if to_user is None and to_team is not None and to_team.lead is not None:
        recipients = [to_team.lead]
    for recipient in recipients:
        if recipient.pk == getattr(actor, "pk", None):
            continue
        alert_send(
            organization=case.organization,
            recipient=recipient,
            kind=AlertKind.HANDOFF,
            text=f"{user_name(actor)} handed you case #{case.number} “{case.subject}”: "
            f"{note[:300]}",
            dedupe_key=f"handoff:{handoff.pk}",
            case=case,
        )
    audit_record(organization=case.organization, actor=actor, action="case.handoff", obj=handoff)
    return handoff
