"""Reads for cases, messages and commitments, shared by the inbox, the portal and the API."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Window
from django.utils import timezone

from sayso.conversations.inbox_counts import cached_count
from sayso.conversations.models import (
    AutomatedMail,
    Case,
    CaseStatus,
    Commitment,
    CommitmentStatus,
    Direction,
    Handoff,
    Message,
    Visibility,
)
from sayso.conversations.search import INBOX_ORDER, CaseSearch, cases_matching
from sayso.core.ids import is_object_id
from sayso.core.models import Organization
from sayso.customers.models import Customer


@dataclass(frozen=True)
class InboxFilters:
    status: str = "active"  # "active" = open + pending; "" = all; or one status
    assignee: str = ""  # "" any, "me", "none", or a user id
    priority: str = ""
    team: str = ""
    query: str = ""


def case_list_for_inbox(
    *, organization: Organization, user: Any, filters: InboxFilters
) -> QuerySet[Case] | CaseSearch:
    """The inbox's cases, newest activity first; with a search, a ``CaseSearch`` read a
    page at a time (``sayso/conversations/search.py``)."""
    cases = Case.objects.filter(organization=organization)
    if filters.status == "active":
        cases = cases.filter(status__in=[CaseStatus.OPEN, CaseStatus.PENDING])
    elif filters.status in CaseStatus.values:
        cases = cases.filter(status=filters.status)
    if filters.assignee == "me":
        cases = cases.filter(assignee=user)
    elif filters.assignee == "none":
        cases = cases.filter(assignee__isnull=True)
    elif filters.assignee.isdigit():
        cases = cases.filter(assignee_id=int(filters.assignee))
    if filters.priority:
        cases = cases.filter(priority=filters.priority)
    if filters.team.isdigit():
        cases = cases.filter(team_id=int(filters.team))
    overdue = Commitment.objects.filter(case=OuterRef("pk"), status=CommitmentStatus.BREACHED)
    cases = (
        cases.select_related("customer", "assignee", "team")
        .annotate(has_overdue=Exists(overdue))
        .order_by(*INBOX_ORDER)
    )
    return cases_matching(organization=organization, cases=cases, text=filters.query)


def inbox_counts(*, organization: Organization, user: Any) -> dict[str, int]:
    """Active, mine and unassigned cases (cached: ``inbox_counts``'s module docstring)."""
    active = Case.objects.filter(
        organization=organization, status__in=[CaseStatus.OPEN, CaseStatus.PENDING]
    )
    result: dict[str, int] = cached_count(
        organization.pk,
        f"counts:{user.pk}",
        lambda: active.aggregate(
            active=Count("id"),
            mine=Count("id", filter=Q(assignee=user)),
            unassigned=Count("id", filter=Q(assignee__isnull=True)),
        ),
    )
    return result


SEARCH_COUNT_CAP = 1000


def inbox_filtered_count(
    *,
    organization: Organization,
    user: Any,
    filters: InboxFilters,
    cases: QuerySet[Case] | CaseSearch,
) -> int:
    """How many cases ``cases`` (``case_list_for_inbox`` with ``filters``) holds: cached per
    filter combination, except for searches, which are counted up to ``SEARCH_COUNT_CAP``
    (one more means "more than that": a search for a common word pages through the newest
    matches, and nobody reads a thousand of them)."""
    if isinstance(cases, CaseSearch):
        return cases.count(up_to=SEARCH_COUNT_CAP + 1)
    mine = user.pk if filters.assignee == "me" else ""
    name = f"filtered:{filters.status}:{filters.assignee}:{mine}:{filters.priority}:{filters.team}"
    return int(cached_count(organization.pk, name, cases.count))


def messages_by_external_id(
    *, organization: Organization, channel: str, external_ids: Collection[str]
) -> QuerySet[Message]:
    """The organization's messages on ``channel`` with one of these channel ids (a re-delivery,
    an email's In-Reply-To). Read through the partial unique index on ``(organization,
    channel, external_id)``, which SQLite uses only when the query repeats the index's own
    condition (``external_id <> ''``): without it every incoming message was checked by
    reading all the organization's messages (0.9 s at a million; docs/performance.md)."""
    return Message.objects.filter(
        organization=organization, channel=channel, external_id__in=list(external_ids)
    ).exclude(external_id="")


def case_get(*, organization: Organization, number: int) -> Case | None:
    return (
        Case.objects.select_related("customer", "assignee", "team")
        .filter(organization=organization, number=number)
        .first()
    )


def case_messages(*, case: Case, for_customer: bool = False) -> QuerySet[Message]:
    """The case's messages in order. Staff also get each message's analysis (sentiment,
    intents, spam, duplicates: ``message.analysis``), which customers never see."""
    messages = Message.objects.filter(case=case).select_related("author_user", "author_identity")
    if for_customer:
        messages = messages.exclude(visibility=Visibility.INTERNAL)
    else:
        messages = messages.select_related("analysis")
    return messages.order_by("sent_at", "id")


def case_messages_newest(
    *, case: Case, limit: int | None, for_customer: bool = False
) -> tuple[list[Message], int]:
    """The newest ``limit`` messages of the case (all of them when ``None``), oldest first,
    and how many earlier ones were left out. A long case opens on its latest exchange; the
    rest loads on demand."""
    messages = case_messages(case=case, for_customer=for_customer)
    if limit is None:
        return list(messages), 0
    limit = max(1, limit)
    # How many there are in all, read with them (a window count) rather than by a second query.
    counted = messages.annotate(in_all=Window(Count("id"))).order_by("-sent_at", "-id")[:limit]
    newest: list[Message] = list(counted)
    newest.reverse()
    earlier = int(getattr(newest[0], "in_all", 0)) - len(newest) if newest else 0
    return newest, earlier


def case_opened_by_customer(case: Case) -> bool:
    """Whether a case is the customer's: its first message came from them, or they have
    written in it since staff started it (their answer makes it a conversation they hold).
    A staff reply in any other case is outreach (``reply_guard``)."""
    return Message.objects.filter(case=case, direction=Direction.INBOUND).exists()


def case_commitments(*, case: Case) -> QuerySet[Commitment]:
    return Commitment.objects.filter(case=case).select_related("owner").order_by("due_at", "id")


def case_handoffs(*, case: Case) -> QuerySet[Handoff]:
    return (
        Handoff.objects.filter(case=case)
        .select_related("from_user", "to_user", "from_team", "to_team", "by")
        .order_by("created_at", "id")
    )


def commitment_is_overdue(commitment: Commitment) -> bool:
    return commitment.status == CommitmentStatus.BREACHED or (
        commitment.status == CommitmentStatus.OPEN and commitment.due_at <= timezone.now()
    )


def commitments_for_staff(
    *, organization: Organization, owner: Any = None, status: str = ""
) -> QuerySet[Commitment]:
    commitments = Commitment.objects.filter(organization=organization).select_related(
        "case", "owner", "customer"
    )
    if owner is not None:
        commitments = commitments.filter(owner=owner)
    if status:
        commitments = commitments.filter(status=status)
    return commitments.order_by("due_at", "id")


def commitment_get(*, organization: Organization, pk: int) -> Commitment | None:
    return (
        Commitment.objects.select_related("case", "owner", "customer")
        .filter(organization=organization, pk=pk)
        .first()
    )


def message_get(*, organization: Organization, pk: int) -> Message | None:
    return (
        Message.objects.select_related("case", "author_user", "author_identity")
        .filter(organization=organization, pk=pk)
        .first()
    )


def cases_of_customer(*, organization: Organization, customer: Customer) -> QuerySet[Case]:
    """A customer's cases, newest activity first, with the commitments they can see."""
    return (
        Case.objects.filter(organization=organization, customer=customer)
        .select_related("assignee")
        .prefetch_related(
            Prefetch(
                "commitments",
                queryset=Commitment.objects.exclude(status=CommitmentStatus.CANCELLED).order_by(
                    "due_at"
                ),
            )
        )
        .order_by("-last_message_at", "-id")
    )


def other_cases_of_customer(*, case: Case, limit: int = 10) -> QuerySet[Case]:
    """The customer's other cases, newest activity first, as the case page lists them
    (number, subject, status: no promises or people read)."""
    return (
        Case.objects.filter(organization_id=case.organization_id, customer_id=case.customer_id)
        .exclude(pk=case.pk)
        .only("number", "subject", "status", "last_message_at")
        .order_by("-last_message_at", "-id")[:limit]
    )


def case_for_customer(
    *, organization: Organization, customer: Customer, number: int
) -> Case | None:
    return (
        Case.objects.select_related("assignee")
        .filter(organization=organization, customer=customer, number=number)
        .first()
    )


def cases_by_numbers(*, organization: Organization, numbers: Collection[int]) -> list[Case]:
    """The organization's cases with these numbers (those that exist), by number."""
    wanted = sorted({n for n in numbers if is_object_id(n)})
    return list(
        Case.objects.filter(organization=organization, number__in=wanted)
        .select_related("customer")
        .order_by("number")
    )


def automated_mail_for_staff(
    *, organization: Organization, kind: str = "", unlinked: bool = False, limit: int = 200
) -> list[AutomatedMail]:
    """The organization's automated mail, newest first: one kind, or only what matched no
    case (``unlinked``)."""
    found = AutomatedMail.objects.filter(organization=organization).select_related("case")
    if kind:
        found = found.filter(kind=kind)
    if unlinked:
        found = found.filter(case__isnull=True)
    return list(found.order_by("-received_at", "-id")[:limit])


def automated_mail_of_case(*, case: Case, limit: int = 20) -> list[AutomatedMail]:
    """The automated mail (bounces, auto-replies, receipts, …) that reports on this case,
    newest first, with what was recognised and why, for staff."""
    return list(AutomatedMail.objects.filter(case=case).order_by("-received_at", "-id")[:limit])


def cases_open_of_customers(
    *, organization: Organization, customer_ids: Collection[int]
) -> QuerySet[Case]:
    """The open and pending cases of these customers, newest activity first, with what routing
    and a reply read (assignee, team and its lead, customer)."""
    return (
        Case.objects.filter(
            organization=organization,
            customer_id__in=list(customer_ids),
            status__in=(CaseStatus.OPEN, CaseStatus.PENDING),
        )
        .select_related("assignee", "team", "team__lead", "customer", "organization")
        .order_by("-last_message_at", "-id")
    )


def case_id_of_reply(
    *, organization: Organization, channel: str, customer: Customer, native_id: str
) -> int | None:
    """The case holding the customer's message with this id on a listened channel (the
    post a reply answers), if Sayso stored it."""
    return (
        Message.objects.filter(
            organization=organization,
            channel=channel,
            customer=customer,
            headers__listening__native_id=native_id,
        )
        .values_list("case_id", flat=True)
        .first()
    )


def case_id_of_latest_private(
    *, case_ids: Collection[int], channel: str, customer: Customer
) -> int | None:
    """Of these cases, the one holding the customer's latest private (direct) message on
    ``channel``."""
    return (
        Message.objects.filter(
            case_id__in=list(case_ids),
            channel=channel,
            customer=customer,
            visibility=Visibility.PRIVATE,
        )
        .order_by("-sent_at", "-id")
        .values_list("case_id", flat=True)
        .first()
    )


def message_opening_case(*, message_id: int) -> Message | None:
    """The message, with its case and organization, when it is the first of its case (the one
    that opened it); None for a later message, or one that is gone."""
    message = Message.objects.select_related("case", "organization").filter(pk=message_id).first()
    if message is None:
        return None
    first = message.case.messages.order_by("sent_at", "id").values_list("id", flat=True).first()
    return message if first == message.pk else None
