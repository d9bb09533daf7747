"""The spam filter moderators teach: their decisions (record one, list them) and the filter's
versions (list, train now).

No ``from __future__ import annotations`` in router modules (see ``cases.py``).
"""

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from sayso.api.auth import actor_of, organization_of, scoped
from sayso.api.pagination import Page
from sayso.api.schemas import InputSchema, Timestamp, errors, user_name
from sayso.core.models import Scope
from sayso.core.web import MAX_ID
from sayso.intelligence.analysis import spam_feedback, spam_filter, spam_held
from sayso.intelligence.models import SpamDecision, SpamFilterVersion

router = Router()
TAGS = ["spam filter"]
MODERATE = Scope.MODERATION
Kind = Literal["comment", "idea", "question", "answer", "review", "message", "mention"]
Label = Literal["spam", "ham"]


class DecisionIn(InputSchema):
    kind: Kind
    id: int = Field(
        ..., ge=1, le=MAX_ID, description="The item's id (an idea's id, not its number)."
    )
    label: Label = Field(..., description="`spam`, or `ham` for not spam.")
    release_lookalikes: bool = Field(
        False,
        description="With `ham` on a held post: release its held look-alikes too (else they are "
        "listed in `lookalikes`).",
    )


class ItemRef(Schema):
    kind: str
    id: int
    text: str
    similarity: float | None = None


class DecisionOut(Schema):
    id: int
    kind: str
    item_id: int = Field(..., description="The id of the item decided about.")
    label: str
    text: str
    author_name: str
    url: str
    where: str
    decided_by: str | None
    decided_at: Timestamp

    @staticmethod
    def resolve_item_id(obj: SpamDecision) -> int:
        return int(obj.object_id)

    @staticmethod
    def resolve_decided_by(obj: SpamDecision) -> str | None:
        return user_name(obj.decided_by) if obj.decided_by is not None else None


class DecisionResultOut(Schema):
    decision: DecisionOut
    released: list[ItemRef] = Field(
        default_factory=list, description="The posts released by this decision."
    )
    lookalikes: list[ItemRef] = Field(
        default_factory=list, description="Held posts that look like the released one."
    )


class VersionOut(Schema):
    number: int
    is_active: bool
    spam_examples: int
    ham_examples: int
    background_examples: int = Field(..., description="Unmarked public posts it learnt from.")
    metrics: dict[str, Any]
    trigger: str
    created_at: Timestamp


def _refs(items: list[spam_held.HeldItem]) -> list[ItemRef]:
    return [
        ItemRef(
            kind=h.kind,
            id=h.item.object_id,
            text=h.item.text[:500],
            similarity=round(h.similarity, 3) if h.similarity else None,
        )
        for h in items
    ]


@router.post(
    "/decisions",
    response={200: DecisionResultOut, **errors(400, 401, 403, 413, 422)},
    operation_id="spam_decisions_create",
    summary="Record a moderator's spam / not-spam decision on an item",
    tags=TAGS,
    **scoped(MODERATE, "spam.decide"),
)
def spam_decisions_create(request: HttpRequest, payload: DecisionIn) -> Status[Any]:
    """Acted on as in the web pages: `spam` hides a public post as spam, `ham` releases a held
    one (logged publicly), a message or mention gets its spam mark. The same decision again
    changes nothing; another replaces it. The filter learns it at its next training."""
    applied = spam_held.decision_apply(
        organization=organization_of(request),
        kind=payload.kind,
        object_id=payload.id,
        label=payload.label,
        actor=actor_of(request),
        release_lookalikes=payload.release_lookalikes,
    )
    return Status(
        200,
        {
            "decision": applied.decision,
            "released": _refs(applied.released),
            "lookalikes": _refs(applied.lookalikes),
        },
    )


@router.get(
    "/decisions",
    response={200: list[DecisionOut], **errors(401, 403, 422)},
    operation_id="spam_decisions_list",
    summary="The organization's moderator decisions, newest first",
    tags=TAGS,
    **scoped(MODERATE, "spam.read"),
)
@paginate(Page, max_limit=200)
def spam_decisions_list(
    request: HttpRequest, label: Label | None = None, kind: Kind | None = None
) -> Any:
    return spam_feedback.decision_list(
        organization=organization_of(request), label=label or "", kind=kind or ""
    )


@router.get(
    "/versions",
    response={200: list[VersionOut], **errors(401, 403, 422)},
    operation_id="spam_filter_versions_list",
    summary="The versions of the organization's spam filter, newest first",
    tags=TAGS,
    **scoped(MODERATE, "spam.read"),
)
def spam_filter_versions_list(request: HttpRequest) -> list[SpamFilterVersion]:
    return list(spam_filter.version_list(organization=organization_of(request)))


@router.post(
    "/versions",
    response={201: VersionOut, **errors(400, 401, 403, 422)},
    operation_id="spam_filter_train",
    summary="Train a new version of the spam filter now and make it active",
    tags=TAGS,
    **scoped(MODERATE, "spam.train"),
)
def spam_filter_train(request: HttpRequest) -> Status[SpamFilterVersion]:
    """Trains in the request (seconds for hundreds of decisions); 400 when there is nothing
    to learn from."""
    version = spam_filter.spam_filter_train(
        organization=organization_of(request), trigger="API", actor=actor_of(request)
    )
    return Status(201, version)
