"""Cases (addressed by their number in the organization), hand-offs and messages.

No ``from __future__ import annotations`` in router modules: ``@paginate`` wraps handlers, and
ninja resolves their parameter annotations in the wrapper's module, where strings would not
resolve.
"""

from typing import Any, Literal

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from sayso.api.auth import actor_of, organization_of, scoped
from sayso.api.lookups import case_or_404, customer_or_404, staff_user_or_404, team_or_404
from sayso.api.pagination import Page
from sayso.api.schemas import (
    CaseCreateIn,
    CaseOut,
    CasePatchIn,
    HandoffIn,
    HandoffOut,
    Id,
    MessageIn,
    MessageOut,
    SearchText,
    UserChoice,
    errors,
)
from sayso.conversations import selectors, services
from sayso.conversations.models import Case, Handoff, Message, Priority, Visibility
from sayso.core.models import Scope
from sayso.core.web import is_object_id
from sayso.notifications.outbox import with_delivery

router = Router()
TAGS = ["cases"]
MESSAGE_TAGS = ["messages"]
READ = Scope.CASES_READ
WRITE = Scope.CASES_WRITE

StatusFilter = Literal["active", "all", "open", "pending", "resolved", "closed"]


@router.get(
    "",
    response={200: list[CaseOut], **errors(400, 401, 403, 422)},
    operation_id="cases_list",
    summary="List cases",
    tags=TAGS,
    **scoped(READ, "case.read"),
)
@paginate(Page, max_limit=200)
def cases_list(
    request: HttpRequest,
    status: StatusFilter = "active",
    assignee: UserChoice = "",
    priority: Priority | None = None,
    team: Id | None = None,
    q: SearchText = "",
) -> Any:
    """The inbox: newest activity first. `status` is `active` (open and pending, the
    default), `all`, or one status; `assignee` is `me`, `none` or a user id; `q` searches
    subjects and message bodies."""
    if assignee not in {"", "me", "none"} and not (is_object_id(assignee)):
        raise HttpError(400, "assignee is “me”, “none” or a user id.")
    filters = selectors.InboxFilters(
        status="" if status == "all" else status,
        assignee=assignee,
        priority=priority or "",
        team=str(team) if team is not None else "",
        query=q,
    )
    return selectors.case_list_for_inbox(
        organization=organization_of(request), user=actor_of(request), filters=filters
    )


@router.get(
    "/{int:number}",
    response={200: CaseOut, **errors(401, 403, 404, 422)},
    operation_id="cases_get",
    summary="Get a case",
    tags=TAGS,
    **scoped(READ, "case.read"),
)
def cases_get(request: HttpRequest, number: int) -> Case:
    return case_or_404(request, number)


@router.post(
    "",
    response={200: CaseOut, 201: CaseOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="cases_create",
    summary="Open a case with the customer's first message",
    tags=TAGS,
    **scoped(WRITE, "case.open"),
)
def cases_create(request: HttpRequest, payload: CaseCreateIn) -> Status[Case]:
    """Store a message from the customer (channel `api` unless given), opening a case for it.
    With an `external_id`, re-posting the same message returns its case with 200."""
    customer = customer_or_404(request, payload.customer_id, field="customer_id")
    with transaction.atomic():
        message, created = services.message_receive(
            organization=organization_of(request),
            customer=customer,
            channel=payload.channel,
            body=payload.body,
            subject=payload.subject,
            external_id=payload.external_id,
            visibility=payload.visibility,
        )
        case = message.case
        if created and payload.priority != case.priority:
            case = services.case_update(
                case=case, actor=actor_of(request), priority=payload.priority
            )
    return Status(201 if created else 200, case_or_404(request, case.number))


@router.patch(
    "/{int:number}",
    response={200: CaseOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="cases_update",
    summary="Change a case's status, priority or subject",
    tags=TAGS,
    **scoped(WRITE, "case.update"),
)
def cases_update(request: HttpRequest, number: int, payload: CasePatchIn) -> Case:
    """Fields left out are left as they are. Resolving or closing a case stamps
    `resolved_at`; reopening clears it."""
    case = services.case_update(
        case=case_or_404(request, number),
        actor=actor_of(request),
        status=payload.status,
        priority=payload.priority,
        subject=payload.subject,
    )
    return case_or_404(request, case.number)


@router.post(
    "/{int:number}/handoff",
    response={201: HandoffOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="cases_handoff",
    summary="Hand a case to a person or a team",
    tags=TAGS,
    **scoped(WRITE, "case.update"),
)
def cases_handoff(request: HttpRequest, number: int, payload: HandoffIn) -> Status[Handoff]:
    """Assigns the case to `to_user_id` (and/or moves it to `to_team_id`) with a note for the
    new owner, who is alerted."""
    case = case_or_404(request, number)
    to_user = (
        staff_user_or_404(request, payload.to_user_id, field="to_user_id")
        if payload.to_user_id is not None
        else None
    )
    to_team = (
        team_or_404(request, payload.to_team_id, field="to_team_id")
        if payload.to_team_id is not None
        else None
    )
    handoff = services.case_handoff(
        case=case, actor=actor_of(request), note=payload.note, to_user=to_user, to_team=to_team
    )
    return Status(201, handoff)


@router.get(
    "/{int:number}/messages",
    response={200: list[MessageOut], **errors(401, 403, 404, 422)},
    operation_id="cases_messages_list",
    summary="List a case's messages",
    tags=MESSAGE_TAGS,
    **scoped(READ, "case.read"),
)
@paginate(Page, max_limit=200)
def cases_messages_list(request: HttpRequest, number: int) -> Any:
    """Oldest first, internal notes included (this is the staff API)."""
    return with_delivery(selectors.case_messages(case=case_or_404(request, number)))


@router.post(
    "/{int:number}/messages",
    response={200: MessageOut, 201: MessageOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="cases_messages_create",
    summary="Post a reply, an internal note, or a customer's message",
    tags=MESSAGE_TAGS,
    **scoped(WRITE, "case.reply"),
)
def cases_messages_create(request: HttpRequest, number: int, payload: MessageIn) -> Status[Message]:
    """`reply` goes to the customer (by email when they have an address); `note` is internal;
    `inbound` stores a message from the customer and is idempotent on `external_id`:
    re-posting it returns the stored message with 200."""
    case = case_or_404(request, number)
    if payload.kind == "reply":
        message = services.message_reply(
            case=case,
            author=actor_of(request),
            body=payload.body,
            visibility=payload.visibility or Visibility.PRIVATE,
        )
        return Status(201, message)
    if payload.kind == "note":
        if payload.visibility not in {None, Visibility.INTERNAL}:
            raise HttpError(400, "A note is always internal; leave visibility out.")
        return Status(
            201, services.message_note(case=case, author=actor_of(request), body=payload.body)
        )
    if payload.sent_at is not None and timezone.is_naive(payload.sent_at):
        raise HttpError(400, "sent_at needs a time zone (for example 2025-05-01T09:30:00Z).")
    message, created = services.message_receive(
        organization=organization_of(request),
        customer=case.customer,
        channel=payload.channel,
        body=payload.body,
        external_id=payload.external_id,
        case=case,
        sent_at=payload.sent_at,
        visibility=payload.visibility or Visibility.PRIVATE,
    )
    return Status(201 if created else 200, message)
