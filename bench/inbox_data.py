"""The inbox benchmark's data set: one organization, its staff, customers, cases, messages,
commitments and the timeline, built as model instances and written in batches.

Rows are built as the services would build them (see ``conversations.services``): case numbers
follow the order cases were opened, ``case.last_message_at`` is the newest customer or staff
message (internal notes do not touch it, as in ``message_note``), every message has its
timeline entry with the services' summary, and ``external_id`` is unique per channel or empty.
Primary keys are given explicitly, in time order, as a live system would have handed them out.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    connection,
    connections,
    models,
    transaction,
)
from django.db.models import F, Max, OuterRef, Q, Subquery
from django.utils import timezone
from inbox_text import TextGenerator
from tqdm import tqdm

from sayso.conversations.models import (
    Case,
    CaseStatus,
    Channel,
    Commitment,
    CommitmentStatus,
    Direction,
    Message,
    Priority,
    Visibility,
)
from sayso.conversations.search import search_vectors_paused, search_vectors_rebuild
from sayso.core import services as core
from sayso.core.models import Membership, Organization, Role
from sayso.customers.models import Customer, Identity, IdentityKind, TimelineEvent, TimelineKind

ORG_SLUG = "bench"
PASSWORD = "bench-password-1"  # the staff accounts' password (a throw-away database)
DAY = 86_400.0
SPAN_DAYS = 730  # messages are spread over two years
EMAIL_DOMAIN = "sayso.localhost"

IDENTITY_KINDS = [
    IdentityKind.EMAIL,
    IdentityKind.PHONE,
    IdentityKind.MASTODON,
    IdentityKind.BLUESKY,
]
IDENTITY_WEIGHTS = [60, 14, 14, 12]
CHANNEL_OF_KIND = {
    IdentityKind.EMAIL: Channel.EMAIL,
    IdentityKind.PHONE: Channel.PHONE,
    IdentityKind.MASTODON: Channel.MASTODON,
    IdentityKind.BLUESKY: Channel.BLUESKY,
}
KIND_OF_CHANNEL = {channel: kind for kind, channel in CHANNEL_OF_KIND.items()}
FORM_CHANNELS = [Channel.WEB, Channel.PORTAL, Channel.WIDGET, Channel.API]
CASES_PER_CUSTOMER = {0: 6, 1: 30, 2: 24, 3: 15, 4: 10, 5: 6, 6: 4, 8: 3, 12: 2}  # mean ~2.5
REPLY_DIRECTIONS = [Direction.INBOUND, Direction.OUTBOUND, Direction.INTERNAL]
REPLY_WEIGHTS = [45, 40, 15]
PRIORITIES = [Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.URGENT]
PRIORITY_WEIGHTS = [15, 60, 20, 5]
PROMISES = (
    "Call back about the refund",
    "Send the corrected invoice",
    "Confirm the pickup time",
    "Check the damage report with the depot",
    "Extend the reservation by two days",
    "Refund the double charge",
    "Email the signed contract",
    "Ask the driver about the late return",
)
TEAM_NAMES = ("Regional office", "Denver depot", "Billing")

Plan = tuple[float, int, int, int]  # (time, order, case index, item) — see _event_plan


@dataclass(slots=True)
class StaffMember:
    user_id: int
    name: str
    role: str
    team_id: int | None


@dataclass(slots=True)
class CustomerPlan:
    id: int
    first_seen: float
    name: str
    identities: list[tuple[int, str, str]] = field(default_factory=list)  # (id, kind, value)

    def identity_for(self, channel: str) -> int:
        kind = KIND_OF_CHANNEL.get(channel)
        for identity_id, identity_kind, _ in self.identities:
            if identity_kind == kind:
                return identity_id
        return self.identities[0][0]

    def identity_value(self, identity_id: int) -> str:
        return next(value for pk, _, value in self.identities if pk == identity_id)

    @property
    def has_email(self) -> bool:
        return any(kind == IdentityKind.EMAIL for _, kind, _ in self.identities)


@dataclass(slots=True)
class CommitmentPlan:
    id: int
    made_at: float
    due_at: float
    status: str
    closed_at: float | None
    owner: StaffMember
    description: str


@dataclass(slots=True)
class CasePlan:
    number: int
    customer: CustomerPlan
    opened: float
    times: list[float]
    channel: str
    subject: str
    priority: str = Priority.NORMAL
    status: str = CaseStatus.OPEN
    assignee: StaffMember | None = None
    team_id: int | None = None
    directions: list[str] = field(default_factory=list)
    commitment: CommitmentPlan | None = None


@dataclass
class Dataset:
    """What the benchmark needs to know about a loaded database."""

    organization: Organization
    login_username: str  # an agent, signed in for the timed requests
    customers: int
    cases: int
    messages: int
    timeline_events: int
    commitments: int
    busy_case_numbers: list[int]  # the cases with the most messages (top 5 %)
    busy_case_messages: tuple[int, int]  # fewest and most messages among them
    customer_ids: list[int]  # customers with at least one case
    search_words: list[str]


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


_PLAIN_TYPES = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "EmailField",
        "ForeignKey",
        "IntegerField",
        "PositiveIntegerField",
        "SlugField",
        "TextField",
    }
)


def _column_reader(field: models.Field[Any, Any]) -> Callable[[models.Model], Any]:
    """How to read one column's database value from an instance, as ``bulk_create`` would
    (auto_now fields filled in, datetimes and JSON adapted), without its per-batch SQL
    compilation, which costs more than the database's own work here."""
    db = connections[DEFAULT_DB_ALIAS]
    read = attrgetter(field.attname)
    kind = field.get_internal_type()
    if getattr(field, "auto_now", False):
        now = db.ops.adapt_datetimefield_value(timezone.now())
        return lambda obj: now
    if kind == "DateTimeField":
        adapt = db.ops.adapt_datetimefield_value
        return lambda obj: adapt(read(obj))
    if kind == "JSONField":
        adapt_json, encoder = db.ops.adapt_json_value, getattr(field, "encoder", None)
        return lambda obj: adapt_json(read(obj), encoder)
    if kind in _PLAIN_TYPES:
        return read
    return lambda obj: field.get_db_prep_save(read(obj), db)


def insert_rows(model: type[models.Model], rows: list[models.Model]) -> None:
    """Insert model instances (primary keys given): one ``executemany`` on SQLite, ``COPY``
    on PostgreSQL."""
    fields = model._meta.concrete_fields
    readers = [_column_reader(field) for field in fields]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(field.column) for field in fields)
    values = [tuple(read(obj) for read in readers) for obj in rows]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
            cursor.executemany(sql, values)


# --- staff -------------------------------------------------------------------------------


def create_staff(text: TextGenerator, count: int = 20) -> tuple[Organization, list[StaffMember]]:
    """The organization and its staff, through the services (a few rows, so no shortcuts)."""
    organization = core.organization_create(
        name="Bench Truck Rental", slug=ORG_SLUG, support_email="help@bench.example"
    )
    user_model = get_user_model()
    password = make_password(PASSWORD)  # hashed once: 20 PBKDF2 runs would cost seconds
    users = []
    for index in range(count):
        first, last = text.person()
        users.append(
            user_model.objects.create(
                username=f"staff{index:02d}",
                first_name=first,
                last_name=last,
                email=f"staff{index:02d}@bench.example",
                password=password,
            )
        )
    leads = users[1 : 1 + len(TEAM_NAMES)]
    teams = [
        core.team_create(organization=organization, name=name, lead=lead)
        for name, lead in zip(TEAM_NAMES, leads, strict=True)
    ]
    staff = []
    for index, user in enumerate(users):
        role = Role.ADMIN if index == 0 else Role.MANAGER if user in leads else Role.AGENT
        team = teams[index % len(teams)] if index else None
        reports_to = team.lead if team is not None and role == Role.AGENT else None
        core.membership_add(
            organization=organization, user=user, role=role, team=team, reports_to=reports_to
        )
        name = user.get_full_name() or user.get_username()
        staff.append(StaffMember(user.pk, name, role, team.pk if team else None))
    return organization, staff


# --- planning ----------------------------------------------------------------------------


def _identity_value(kind: str, first: str, last: str, number: int) -> str:
    first, last = first.lower(), last.lower()
    if kind == IdentityKind.EMAIL:
        domain = ("example.com", "mail.example.org", "example.net")[number % 3]
        return f"{first}.{last}{number}@{domain}"
    if kind == IdentityKind.PHONE:
        return f"+1555{number:07d}"
    if kind == IdentityKind.MASTODON:
        server = ("mastodon.social", "fosstodon.org", "hachyderm.io")[number % 3]
        return f"@{first}{number}@{server}"
    return f"{first}{last}{number}.bsky.social"


def plan_customers(
    rng: random.Random, text: TextGenerator, count: int, now: float
) -> list[CustomerPlan]:
    start = now - SPAN_DAYS * DAY
    seen = sorted(rng.uniform(start, now - 3_600) for _ in range(count))
    customers = []
    identity_id = 0
    for index, first_seen in enumerate(seen, start=1):
        first, last = text.person()
        customer = CustomerPlan(index, first_seen, f"{first} {last}")
        kinds = rng.choices(IDENTITY_KINDS, weights=IDENTITY_WEIGHTS, k=1)
        if rng.random() < 0.4:
            kinds.append(rng.choice([k for k in IDENTITY_KINDS if k != kinds[0]]))
        for kind in kinds:
            identity_id += 1
            customer.identities.append(
                (identity_id, kind, _identity_value(kind, first, last, index))
            )
        customers.append(customer)
    # About 1 % share an email address with another customer: the likely duplicates that
    # merge suggestions point at.
    for customer in rng.sample(customers, k=count // 100):
        other = rng.choice(customers)
        emails = [value for _, kind, value in other.identities if kind == IdentityKind.EMAIL]
        if emails and other is not customer:
            identity_id += 1
            customer.identities.append((identity_id, IdentityKind.EMAIL, emails[0]))
    return customers


def _case_channel(rng: random.Random, customer: CustomerPlan) -> str:
    if rng.random() < 0.7:
        _, kind, _ = rng.choice(customer.identities)
        return CHANNEL_OF_KIND[kind]
    return rng.choice(FORM_CHANNELS)


def plan_cases(
    rng: random.Random,
    text: TextGenerator,
    customers: list[CustomerPlan],
    messages: int,
    now: float,
) -> list[CasePlan]:
    counts, weights = zip(*CASES_PER_CUSTOMER.items(), strict=True)
    opened: list[tuple[float, CustomerPlan]] = []
    for customer in customers:
        n = rng.choices(counts, weights=weights)[0]
        times = [customer.first_seen] + [
            rng.uniform(customer.first_seen, now - 60) for _ in range(n - 1)
        ]
        opened.extend((when, customer) for when in times[:n])
    opened.sort(key=lambda item: item[0])
    opened = opened[:messages]  # every case starts with a message
    cases = [
        CasePlan(number, customer, when, [], _case_channel(rng, customer), text.subject())
        for number, (when, customer) in enumerate(opened, start=1)
    ]
    _plan_messages(rng, cases, messages, now)
    return cases


def _plan_messages(rng: random.Random, cases: list[CasePlan], messages: int, now: float) -> None:
    """One opening message per case; the rest spread with a heavy tail (a few long threads)."""
    weights = [min(rng.paretovariate(1.2), 400.0) for _ in cases]
    extra = [0] * len(cases)
    for index in rng.choices(range(len(cases)), weights=weights, k=messages - len(cases)):
        extra[index] += 1
    for case, more in zip(cases, extra, strict=True):
        hours = rng.expovariate(1 / 36) * (1 + more / 3) + 0.1
        end = min(now - 30, case.opened + hours * 3_600)
        case.times = [case.opened, *sorted(rng.uniform(case.opened, end) for _ in range(more))]
        later = rng.choices(REPLY_DIRECTIONS, weights=REPLY_WEIGHTS, k=more)
        case.directions = [Direction.INBOUND, *later]


def _status(rng: random.Random, case: CasePlan, last_direction: str, now: float) -> str:
    if now - case.times[-1] > 30 * DAY:
        choices, weights = (
            [CaseStatus.RESOLVED, CaseStatus.CLOSED, CaseStatus.OPEN, CaseStatus.PENDING],
            [35, 60, 3, 2],
        )
    elif last_direction == Direction.INBOUND:
        choices, weights = [CaseStatus.OPEN, CaseStatus.PENDING, CaseStatus.RESOLVED], [80, 10, 10]
    else:
        choices, weights = (
            [CaseStatus.PENDING, CaseStatus.RESOLVED, CaseStatus.OPEN, CaseStatus.CLOSED],
            [45, 35, 15, 5],
        )
    return rng.choices(choices, weights=weights)[0]


def plan_ownership(
    rng: random.Random, cases: list[CasePlan], staff: list[StaffMember], now: float
) -> None:
    """Status, priority, assignee, team, and a promise on about one case in sixteen."""
    staff_weights = [
        1 if member.role == Role.ADMIN else 3 if member.role == Role.MANAGER else 10
        for member in staff
    ]
    commitment_id = 0
    for case in cases:
        last_direction = next(d for d in reversed(case.directions) if d != Direction.INTERNAL)
        case.status = _status(rng, case, last_direction, now)
        case.priority = rng.choices(PRIORITIES, weights=PRIORITY_WEIGHTS)[0]
        unassigned = case.status == CaseStatus.OPEN and rng.random() < 0.3
        case.assignee = None if unassigned else rng.choices(staff, weights=staff_weights)[0]
        case.team_id = case.assignee.team_id if case.assignee and rng.random() < 0.6 else None
        if len(case.times) >= 2 and rng.random() < 1 / 16:
            commitment_id += 1
            case.commitment = _plan_commitment(rng, case, commitment_id, staff, now)


def _plan_commitment(
    rng: random.Random, case: CasePlan, pk: int, staff: list[StaffMember], now: float
) -> CommitmentPlan:
    made = case.times[rng.randrange(1, len(case.times))] + 30
    due = made + rng.uniform(2 * 3_600, 5 * DAY)
    owner = case.assignee or rng.choice(staff)
    description = rng.choice(PROMISES)
    if due > now:
        return CommitmentPlan(pk, made, due, CommitmentStatus.OPEN, None, owner, description)
    if rng.random() < 0.8:
        return CommitmentPlan(
            pk, made, due, CommitmentStatus.KEPT, rng.uniform(made, due), owner, description
        )
    breached = min(now - 1, due + rng.uniform(0, 900))  # the scheduler runs every minute or so
    return CommitmentPlan(pk, made, due, CommitmentStatus.BREACHED, breached, owner, description)


# --- rows ----------------------------------------------------------------------------------


def customer_rows(organization: Organization, customers: list[CustomerPlan]) -> Iterator[Customer]:
    for customer in customers:
        yield Customer(
            id=customer.id,
            organization_id=organization.pk,
            display_name=customer.name,
            created_at=_dt(customer.first_seen),
        )


def identity_rows(organization: Organization, customers: list[CustomerPlan]) -> Iterator[Identity]:
    for customer in customers:
        created = _dt(customer.first_seen)
        for identity_id, kind, value in customer.identities:
            yield Identity(
                id=identity_id,
                organization_id=organization.pk,
                customer_id=customer.id,
                kind=kind,
                value=value,
                created_at=created,
                verified_at=created
                if kind == IdentityKind.EMAIL and identity_id % 3 == 0
                else None,
            )


def case_rows(organization: Organization, cases: list[CasePlan], now: float) -> Iterator[Case]:
    for case in cases:
        last = max(
            t for t, d in zip(case.times, case.directions, strict=True) if d != Direction.INTERNAL
        )
        resolved = None
        if case.status in {CaseStatus.RESOLVED, CaseStatus.CLOSED}:
            resolved = _dt(
                min(now - 1, max(case.times[-1], last) + 600 + (case.number % 97) * 1_800)
            )
        yield Case(
            id=case.number,
            organization_id=organization.pk,
            number=case.number,
            customer_id=case.customer.id,
            subject=case.subject,
            status=case.status,
            priority=case.priority,
            assignee_id=case.assignee.user_id if case.assignee else None,
            team_id=case.team_id,
            channel=case.channel,
            last_message_at=_dt(last),
            resolved_at=resolved,
            created_at=_dt(case.opened),
        )


# Timeline plan entries: (time, order, case index, item); "order" keeps a case's opening
# before its first message when both happen in the same instant.
CASE_OPENED, MESSAGE, PROMISE_MADE, PROMISE_CLOSED = range(4)


def event_plan(cases: list[CasePlan]) -> list[Plan]:
    plan: list[Plan] = []
    for index, case in enumerate(cases):
        plan.append((case.opened, CASE_OPENED, index, 0))
        plan.extend((when, MESSAGE, index, item) for item, when in enumerate(case.times))
        if case.commitment is not None:
            plan.append((case.commitment.made_at, PROMISE_MADE, index, 0))
            if case.commitment.closed_at is not None:
                plan.append((case.commitment.closed_at, PROMISE_CLOSED, index, 0))
    plan.sort()
    return plan


@dataclass
class RowBuilder:
    """Turns timeline plan entries into messages, commitments and timeline events."""

    rng: random.Random
    text: TextGenerator
    organization: Organization
    staff: list[StaffMember]
    cases: list[CasePlan]
    message_id: int = 0
    event_id: int = 0
    messages: list[Message] = field(default_factory=list)
    commitments: list[Commitment] = field(default_factory=list)
    events: list[TimelineEvent] = field(default_factory=list)

    def add(self, entry: Plan) -> None:
        when, order, index, item = entry
        case = self.cases[index]
        if order == CASE_OPENED:
            self._event(
                case,
                TimelineKind.CASE_OPENED,
                when,
                f"Case #{case.number} opened: {case.subject}",
                visible=True,
                channel=case.channel,
            )
        elif order == MESSAGE:
            self._message(case, item, when)
        elif order == PROMISE_MADE:
            self._promise_made(case)
        else:
            self._promise_closed(case)

    def flush(self) -> int:
        written = len(self.messages) + len(self.commitments) + len(self.events)
        with transaction.atomic():
            insert_rows(Message, self.messages)
            insert_rows(Commitment, self.commitments)
            insert_rows(TimelineEvent, self.events)
        self.messages, self.commitments, self.events = [], [], []
        return written

    def _event(
        self, case: CasePlan, kind: str, when: float, summary: str, *, visible: bool, **extra: Any
    ) -> None:
        self.event_id += 1
        self.events.append(
            TimelineEvent(
                id=self.event_id,
                organization_id=self.organization.pk,
                customer_id=case.customer.id,
                kind=kind,
                occurred_at=_dt(when),
                summary=summary[:500],
                customer_visible=visible,
                case_id=case.number,
                **extra,
            )
        )

    def _message(self, case: CasePlan, item: int, when: float) -> None:
        self.message_id += 1
        direction = case.directions[item]
        body = self.text.body()
        fields = self._message_fields(case, item, direction)
        message = Message(
            id=self.message_id,
            organization_id=self.organization.pk,
            case_id=case.number,
            customer_id=case.customer.id,
            direction=direction,
            body=body,
            sent_at=_dt(when),
            created_at=_dt(when),
            **fields,
        )
        if message.channel == Channel.EMAIL and direction == Direction.OUTBOUND:
            message.delivered_at = _dt(when + 2)
        self.messages.append(message)
        author = fields.get("author_user_id")
        who = (
            self._staff_name(author)
            if author
            else case.customer.identity_value(fields["author_identity_id"])
        )
        verb = {
            Visibility.INTERNAL: "Internal note by",
            Visibility.PUBLIC: "Public message from",
            Visibility.PRIVATE: "Message from",
        }[fields["visibility"]]
        snippet = " ".join(body.split())[:160]
        self._event(
            case,
            TimelineKind.MESSAGE,
            when,
            f"{verb} {who} on case #{case.number}: {snippet}",
            visible=fields["visibility"] != Visibility.INTERNAL,
            message_id=self.message_id,
            actor_id=author,
            channel=fields["channel"],
            data={"direction": direction},
        )

    def _message_fields(self, case: CasePlan, item: int, direction: str) -> dict[str, Any]:
        customer = case.customer
        if direction == Direction.INBOUND:
            channel = case.channel
            if item and channel in FORM_CHANNELS:
                channel = Channel.EMAIL if customer.has_email else Channel.PORTAL
            public = channel in {Channel.MASTODON, Channel.BLUESKY}
            return {
                "channel": channel,
                "visibility": Visibility.PUBLIC if public else Visibility.PRIVATE,
                "author_identity_id": customer.identity_for(channel),
                "subject": case.subject if item == 0 else "",
                "external_id": self._external_id(channel, customer),
            }
        author = (case.assignee or self.rng.choice(self.staff)).user_id
        if direction == Direction.INTERNAL:
            return {
                "channel": Channel.STAFF,
                "visibility": Visibility.INTERNAL,
                "author_user_id": author,
            }
        channel = Channel.EMAIL if customer.has_email else Channel.PORTAL
        return {
            "channel": channel,
            "visibility": Visibility.PUBLIC if self.rng.random() < 0.05 else Visibility.PRIVATE,
            "author_user_id": author,
            "subject": f"Re: {case.subject}"[:300],
            "external_id": f"<bench{self.message_id}@{EMAIL_DOMAIN}>"
            if channel == Channel.EMAIL
            else "",
        }

    def _external_id(self, channel: str, customer: CustomerPlan) -> str:
        pk = self.message_id
        if channel == Channel.EMAIL:
            return f"<m{pk}.c{customer.id}@mail.example.net>"
        if channel == Channel.MASTODON:
            return f"https://mastodon.example/@c{customer.id}/{pk}"
        if channel == Channel.BLUESKY:
            return f"at://did:plc:bench{customer.id}/app.bsky.feed.post/{pk}"
        return ""

    def _staff_name(self, user_id: int) -> str:
        return next(member.name for member in self.staff if member.user_id == user_id)

    def _promise_made(self, case: CasePlan) -> None:
        promise = case.commitment
        assert promise is not None
        due = _dt(promise.due_at)
        self.commitments.append(
            Commitment(
                id=promise.id,
                organization_id=self.organization.pk,
                case_id=case.number,
                customer_id=case.customer.id,
                description=promise.description,
                owner_id=promise.owner.user_id,
                due_at=due,
                status=promise.status,
                created_by_id=promise.owner.user_id,
                created_at=_dt(promise.made_at),
                reminded_at=due - timedelta(hours=1)
                if promise.status != CommitmentStatus.OPEN
                else None,
                breached_at=_dt(promise.closed_at)
                if promise.status == CommitmentStatus.BREACHED and promise.closed_at
                else None,
                closed_at=_dt(promise.closed_at)
                if promise.status == CommitmentStatus.KEPT and promise.closed_at
                else None,
            )
        )
        self._event(
            case,
            TimelineKind.COMMITMENT_MADE,
            promise.made_at,
            f"Promise on case #{case.number}: {promise.description} "
            f"(by {due:%Y-%m-%d %H:%M %Z}, owner {promise.owner.name})",
            visible=True,
            commitment_id=promise.id,
            actor_id=promise.owner.user_id,
        )

    def _promise_closed(self, case: CasePlan) -> None:
        promise = case.commitment
        assert promise is not None and promise.closed_at is not None
        if promise.status == CommitmentStatus.KEPT:
            kind, summary, actor = (
                TimelineKind.COMMITMENT_KEPT,
                f"Promise kept: {promise.description}",
                promise.owner.user_id,
            )
        else:
            kind, summary, actor = (
                TimelineKind.COMMITMENT_BREACHED,
                f"Promise overdue on case #{case.number}: {promise.description}",
                None,
            )
        self._event(
            case,
            kind,
            promise.closed_at,
            summary,
            visible=True,
            commitment_id=promise.id,
            actor_id=actor,
        )


# --- loading -------------------------------------------------------------------------------


def _bulk_load(
    model: type[models.Model], rows: Iterable[models.Model], total: int, batch: int
) -> None:
    with tqdm(
        total=total, desc=model._meta.verbose_name_plural.capitalize(), unit="row", leave=False
    ) as bar:
        for chunk in _batches(rows, batch):
            with transaction.atomic():
                insert_rows(model, chunk)
            bar.update(len(chunk))


def _load_timeline(builder: RowBuilder, plan: list[Plan], batch: int) -> None:
    with tqdm(total=len(plan), desc="Messages and timeline", unit="event", leave=False) as bar:
        pending = 0
        for entry in plan:
            builder.add(entry)
            pending += 1
            if len(builder.events) >= batch:
                builder.flush()
                bar.update(pending)
                pending = 0
        builder.flush()
        bar.update(pending)


def _tune_for_loading() -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-262144")  # 256 MiB for this connection
            cursor.execute("PRAGMA temp_store=MEMORY")


def _finish_loading(cases: int) -> None:
    """Counters, sequences and statistics, as a live database would have them."""
    Organization.objects.filter(slug=ORG_SLUG).update(next_case_number=cases + 1)
    models_with_ids = [Customer, Identity, Case, Message, Commitment, TimelineEvent]
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), models_with_ids):
            cursor.execute(statement)
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        elif connection.vendor == "postgresql":
            # The cases were written twice (their search vectors after their messages): compact
            # them as a fresh import would be, then what autovacuum does soon after a load.
            cursor.execute("VACUUM FULL conversations_case")
            cursor.execute("VACUUM ANALYZE")
            # Write the load's dirty pages out now, not while pages are being timed (the
            # first run right after a load was a third slower than the same database
            # timed again minutes later: docs/performance.md, 2026-12-06).
            try:
                cursor.execute("CHECKPOINT")
            except DatabaseError as exc:  # not a superuser (or pg_checkpoint member)
                print(f"no CHECKPOINT after loading: {exc}".strip(), file=sys.stderr)


def load_dataset(*, customers: int, messages: int, seed: int, batch: int = 10_000) -> None:
    rng = random.Random(seed)
    text = TextGenerator(rng)
    now = timezone.now().timestamp()
    _tune_for_loading()
    organization, staff = create_staff(text)
    customer_plans = plan_customers(rng, text, customers, now)
    case_plans = plan_cases(rng, text, customer_plans, messages, now)
    plan_ownership(rng, case_plans, staff, now)
    identities = sum(len(c.identities) for c in customer_plans)
    _bulk_load(Customer, customer_rows(organization, customer_plans), len(customer_plans), batch)
    _bulk_load(Identity, identity_rows(organization, customer_plans), identities, batch)
    _bulk_load(Case, case_rows(organization, case_plans, now), len(case_plans), batch)
    builder = RowBuilder(rng, text, organization, staff, case_plans)
    # As a bulk import would: each case's search vector (PostgreSQL) once, after its messages.
    with search_vectors_paused():
        _load_timeline(builder, event_plan(case_plans), batch)
    search_vectors_rebuild()
    _finish_loading(len(case_plans))


def describe_dataset(seed: int) -> Dataset:
    """Read what the benchmark needs from a database ``load_dataset`` filled."""
    organization = Organization.objects.get(slug=ORG_SLUG)
    cases = Case.objects.filter(organization=organization)
    case_count = cases.count()
    busy = list(
        Message.objects.filter(organization=organization)
        .values("case_id")
        .annotate(n=models.Count("id"))
        .order_by("-n", "case_id")
        .values_list("case__number", "n")[: max(1, case_count // 20)]
    )
    agent = (
        Membership.objects.select_related("user")
        .filter(organization=organization, role=Role.AGENT, is_active=True)
        .order_by("user_id")
        .first()
    )
    assert agent is not None, "the benchmark organization has no agent"
    return Dataset(
        organization=organization,
        login_username=agent.user.get_username(),
        customers=Customer.objects.filter(organization=organization).count(),
        cases=case_count,
        messages=Message.objects.filter(organization=organization).count(),
        timeline_events=TimelineEvent.objects.filter(organization=organization).count(),
        commitments=Commitment.objects.filter(organization=organization).count(),
        busy_case_numbers=[number for number, _ in busy],
        busy_case_messages=(busy[-1][1], busy[0][1]),
        customer_ids=sorted(set(cases.values_list("customer_id", flat=True))),
        search_words=TextGenerator(random.Random(seed), stream_words=0).search_words,
    )


def verify_dataset() -> list[str]:
    """The invariants the services keep; an empty list when the loaded rows respect them."""
    problems = []
    organization = Organization.objects.get(slug=ORG_SLUG)
    cases = Case.objects.filter(organization=organization)
    if organization.next_case_number != cases.count() + 1:
        problems.append("organization.next_case_number is not the number after the last case")
    newest = (
        Message.objects.filter(case=OuterRef("pk"))
        .exclude(direction=Direction.INTERNAL)
        .values("case")
        .annotate(newest=Max("sent_at"))
        .values("newest")
    )
    if cases.exclude(last_message_at=Subquery(newest)).exists():
        problems.append("a case's last_message_at is not its newest customer or staff message")
    if Message.objects.exclude(customer_id=F("case__customer_id")).exists():
        problems.append("a message's customer is not its case's customer")
    messages = Message.objects.filter(organization=organization).count()
    events = TimelineEvent.objects.filter(kind=TimelineKind.MESSAGE).count()
    if messages != events:
        problems.append(f"{messages} messages but {events} message timeline entries")
    duplicates = (
        Message.objects.exclude(external_id="")
        .values("channel", "external_id")
        .annotate(n=models.Count("id"))
        .filter(n__gt=1)
    )
    if duplicates.exists():
        problems.append("an external_id is used twice on one channel")
    if Commitment.objects.filter(
        Q(status=CommitmentStatus.OPEN) & Q(due_at__lte=timezone.now())
    ).exists():
        problems.append("an open commitment is past due (it would have been breached)")
    return problems
