"""Commitments: promises to customers, with an owner and a due time."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from sayso.api.auth import actor_of, organization_of, scoped
from sayso.api.lookups import case_or_404, commitment_or_404, staff_user_or_404
from sayso.api.pagination import Page
from sayso.api.schemas import CommitmentCloseIn, CommitmentIn, CommitmentOut, UserChoice, errors
from sayso.conversations import commitments, selectors
from sayso.conversations.models import Commitment, CommitmentStatus
from sayso.core.models import Scope
from sayso.core.web import is_object_id

router = Router()
TAGS = ["commitments"]
READ = Scope.COMMITMENTS_READ
WRITE = Scope.COMMITMENTS_WRITE


@router.get(
    "",
    response={200: list[CommitmentOut], **errors(400, 401, 403, 422)},
    operation_id="commitments_list",
    summary="List commitments",
    tags=TAGS,
    **scoped(READ, "commitment.read"),
)
@paginate(Page, max_limit=200)
def commitments_list(
    request: HttpRequest, status: CommitmentStatus | None = None, owner: UserChoice = ""
) -> Any:
    """Soonest due first. `owner` is `me` or a user id; `status` one of open, kept, breached,
    cancelled."""
    owner_filter: Any = None
    if owner == "me":
        owner_filter = actor_of(request)
    elif owner:
        if not is_object_id(owner):
            raise HttpError(400, "owner is “me” or a user id.")
        owner_filter = int(owner)
    return selectors.commitments_for_staff(
        organization=organization_of(request), owner=owner_filter, status=status or ""
    )


@router.get(
    "/{int:commitment_id}",
    response={200: CommitmentOut, **errors(401, 403, 404, 422)},
    operation_id="commitments_get",
    summary="Get a commitment",
    tags=TAGS,
    **scoped(READ, "commitment.read"),
)
def commitments_get(request: HttpRequest, commitment_id: int) -> Commitment:
    return commitment_or_404(request, commitment_id)


@router.post(
    "",
    response={201: CommitmentOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="commitments_create",
    summary="Make a commitment on a case",
    tags=TAGS,
    **scoped(WRITE, "commitment.write"),
)
def commitments_create(request: HttpRequest, payload: CommitmentIn) -> Status[Commitment]:
    """A promise to the case's customer, owned by a staff member (you, unless `owner_id`
    says otherwise), due at a future time. The owner is reminded before it falls due; a
    missed one alerts the owner and their manager."""
    case = case_or_404(request, payload.case_number, field="case_number")
    actor = actor_of(request)
    owner = (
        staff_user_or_404(request, payload.owner_id, field="owner_id")
        if payload.owner_id is not None
        else actor
    )
    commitment = commitments.commitment_make(
        case=case,
        owner=owner,
        description=payload.description,
        due_at=payload.due_at,
        actor=actor,
    )
    return Status(201, commitment)


@router.post(
    "/{int:commitment_id}/keep",
    response={200: CommitmentOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="commitments_keep",
    summary="Mark a commitment kept",
    tags=TAGS,
    **scoped(WRITE, "commitment.write"),
)
def commitments_keep(
    request: HttpRequest, commitment_id: int, payload: CommitmentCloseIn | None = None
) -> Commitment:
    """Idempotent: keeping a kept commitment again returns it unchanged. A late promise can
    still be kept."""
    return commitments.commitment_keep(
        commitment=commitment_or_404(request, commitment_id),
        actor=actor_of(request),
        note=payload.note if payload is not None else "",
    )


@router.post(
    "/{int:commitment_id}/cancel",
    response={200: CommitmentOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="commitments_cancel",
    summary="Cancel a commitment",
    tags=TAGS,
    **scoped(WRITE, "commitment.write"),
)
def commitments_cancel(
    request: HttpRequest, commitment_id: int, payload: CommitmentCloseIn | None = None
) -> Commitment:
    """Idempotent: cancelling a cancelled commitment again returns it unchanged."""
    return commitments.commitment_cancel(
        commitment=commitment_or_404(request, commitment_id),
        actor=actor_of(request),
        note=payload.note if payload is not None else "",
    )
