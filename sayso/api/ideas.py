"""Ideas: the public board through the API — ideas, votes, comments, status changes with
public reasons, merges, and moderation."""

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from sayso.api.auth import actor_of, organization_of, scoped
from sayso.api.idea_schemas import (
    CommentIn,
    CommentOut,
    HideIn,
    IdeaCreateIn,
    IdeaMergeIn,
    IdeaOut,
    IdeaPatchIn,
    IdeaResponseIn,
    IdeaStatusIn,
    ModerationEntryOut,
    RestoreIn,
    SimilarIdeaOut,
    VoteIn,
    VoteOut,
)
from sayso.api.lookups import customer_or_404, one_or_404
from sayso.api.pagination import Page
from sayso.api.schemas import SearchText, SimilarCount, SimilarText, Slug, errors
from sayso.community import ideas, moderation
from sayso.community.models import Category, Comment, Idea, IdeaStatus
from sayso.core.models import Scope
from sayso.core.web import is_object_id

router = Router()
comments_router = Router()
moderation_router = Router()
TAGS = ["ideas"]
READ = Scope.IDEAS_READ
WRITE = Scope.IDEAS_WRITE
MODERATE = Scope.MODERATION


def _idea_or_404(request: HttpRequest, number: int) -> Idea:
    return one_or_404(request, ideas.idea_get, number, key="number")


def _comment_or_404(request: HttpRequest, pk: int) -> Comment:
    return one_or_404(request, ideas.comment_get, pk)


def _category(request: HttpRequest, slug: str) -> Category | None:
    if not slug:
        return None
    category = ideas.category_by_slug(organization=organization_of(request), slug=slug)
    if category is None:
        raise HttpError(400, f"No category “{slug[:80]}”.")
    return category


@router.get(
    "",
    response={200: list[IdeaOut], **errors(401, 403, 422)},
    operation_id="ideas_list",
    summary="List ideas",
    tags=TAGS,
    **scoped(READ, "idea.read"),
)
@paginate(Page, max_limit=200)
def ideas_list(
    request: HttpRequest,
    sort: Literal["trending", "top", "new"] = "trending",
    status: IdeaStatus | None = None,
    category: Slug = "",
    q: SearchText = "",
    include_hidden: bool = False,
) -> Any:
    """The board: `trending` (votes and comments, recent ones weighing more), `top` (votes)
    or `new`; merged ideas are left out (they answer with their survivor's number)."""
    filters = ideas.BoardFilters(
        sort=sort, status=status or "", category=category[:80], query=q[:200]
    )
    return ideas.idea_board(
        organization=organization_of(request), filters=filters, include_hidden=include_hidden
    )


@router.get(
    "/similar",
    response={200: list[SimilarIdeaOut], **errors(401, 403, 422)},
    operation_id="ideas_similar",
    summary="Ideas similar in meaning to a text",
    tags=TAGS,
    **scoped(READ, "idea.read"),
)
def ideas_similar(
    request: HttpRequest, text: SimilarText, k: SimilarCount = 3
) -> list[dict[str, Any]]:
    """What the idea form shows while someone types a title."""
    found = ideas.similar_ideas(
        organization=organization_of(request), text=text[:2000], k=max(1, min(k, 20))
    )
    return [{"idea": idea, "score": round(score, 4)} for idea, score in found]


@router.get(
    "/{int:number}",
    response={200: IdeaOut, **errors(401, 403, 404, 422)},
    operation_id="ideas_get",
    summary="Get an idea",
    tags=TAGS,
    **scoped(READ, "idea.read"),
)
def ideas_get(request: HttpRequest, number: int) -> Idea:
    return _idea_or_404(request, number)


@router.post(
    "",
    response={201: IdeaOut, 200: IdeaOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="ideas_create",
    summary="Post an idea",
    tags=TAGS,
    **scoped(WRITE, "idea.write"),
)
def ideas_create(request: HttpRequest, payload: IdeaCreateIn) -> Status[Idea]:
    """Posting the same idea again within minutes returns the first one (200)."""
    organization = organization_of(request)
    category = _category(request, payload.category)
    if payload.customer_id is not None:
        customer = customer_or_404(request, payload.customer_id, field="customer_id")
        idea, created = ideas.idea_post(
            organization=organization,
            author=customer,
            title=payload.title,
            body=payload.body,
            category=category,
        )
    else:
        idea, created = ideas.idea_post(
            organization=organization,
            author_user=actor_of(request),
            title=payload.title,
            body=payload.body,
            category=category,
        )
    return Status(201 if created else 200, idea)


@router.patch(
    "/{int:number}",
    response={200: IdeaOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="ideas_update",
    summary="Edit an idea",
    tags=TAGS,
    **scoped(WRITE, "idea.write"),
)
def ideas_update(request: HttpRequest, number: int, payload: IdeaPatchIn) -> Idea:
    idea = _idea_or_404(request, number)
    category = (
        _category(request, payload.category) if payload.category is not None else idea.category
    )
    return ideas.idea_update(
        idea=idea,
        title=payload.title if payload.title is not None else idea.title,
        body=payload.body if payload.body is not None else idea.body,
        category=category,
        actor=actor_of(request),
    )


@router.post(
    "/{int:number}/status",
    response={200: IdeaOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="ideas_status",
    summary="Change an idea's status, with a public reason",
    tags=TAGS,
    **scoped(WRITE, "idea.moderate"),
)
def ideas_status(request: HttpRequest, number: int, payload: IdeaStatusIn) -> Idea:
    return ideas.idea_status_change(
        idea=_idea_or_404(request, number),
        status=payload.status,
        reason=payload.reason,
        actor=actor_of(request),
    )


@router.post(
    "/{int:number}/response",
    response={200: IdeaOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="ideas_respond",
    summary="Pin the official response on an idea",
    tags=TAGS,
    **scoped(WRITE, "idea.moderate"),
)
def ideas_respond(request: HttpRequest, number: int, payload: IdeaResponseIn) -> Idea:
    return ideas.idea_respond(
        idea=_idea_or_404(request, number), body=payload.body, actor=actor_of(request)
    )


@router.post(
    "/{int:number}/merge",
    response={200: IdeaOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="ideas_merge",
    summary="Merge a duplicate into another idea",
    tags=TAGS,
    **scoped(WRITE, "idea.moderate"),
)
def ideas_merge(request: HttpRequest, number: int, payload: IdeaMergeIn) -> Idea:
    """Votes (once per person) and comments move to the idea `into`, which is returned; the
    duplicate redirects to it from then on."""
    source = _idea_or_404(request, number)
    target = (
        ideas.idea_get(organization=organization_of(request), number=payload.into)
        if is_object_id(payload.into)
        else None
    )
    if target is None:
        raise HttpError(404, f"Idea {payload.into} (into) not found.")
    return ideas.idea_merge(source=source, target=target, actor=actor_of(request))


@router.get(
    "/{int:number}/votes",
    response={200: list[VoteOut], **errors(401, 403, 404, 422)},
    operation_id="ideas_votes_list",
    summary="List an idea's votes",
    tags=TAGS,
    **scoped(READ, "idea.read"),
)
@paginate(Page, max_limit=500)
def ideas_votes_list(request: HttpRequest, number: int) -> Any:
    return ideas.idea_votes(idea=_idea_or_404(request, number))


@router.post(
    "/{int:number}/votes",
    response={201: IdeaOut, 200: IdeaOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="ideas_votes_add",
    summary="Record a customer's vote",
    tags=TAGS,
    **scoped(WRITE, "idea.write"),
)
def ideas_votes_add(request: HttpRequest, number: int, payload: VoteIn) -> Status[Idea]:
    """For a vote given by phone, email or in a meeting. Voting twice changes nothing (200)."""
    idea = _idea_or_404(request, number)
    customer = customer_or_404(request, payload.customer_id, field="customer_id")
    added = ideas.idea_vote(idea=idea, customer=customer)
    idea.refresh_from_db()
    return Status(201 if added else 200, idea)


@router.delete(
    "/{int:number}/votes/{int:customer_id}",
    response={200: IdeaOut, **errors(400, 401, 403, 404, 422)},
    operation_id="ideas_votes_remove",
    summary="Withdraw a customer's vote",
    tags=TAGS,
    **scoped(WRITE, "idea.write"),
)
def ideas_votes_remove(request: HttpRequest, number: int, customer_id: int) -> Idea:
    idea = _idea_or_404(request, number)
    customer = customer_or_404(request, customer_id)
    ideas.idea_unvote(idea=idea, customer=customer)
    idea.refresh_from_db()
    return idea


@router.get(
    "/{int:number}/comments",
    response={200: list[CommentOut], **errors(401, 403, 404, 422)},
    operation_id="ideas_comments_list",
    summary="List an idea's comments",
    tags=TAGS,
    **scoped(READ, "idea.read"),
)
@paginate(Page, max_limit=500)
def ideas_comments_list(request: HttpRequest, number: int, include_held: bool = False) -> Any:
    """Public comments, oldest first; `include_held` adds those held as spam or hidden."""
    idea = _idea_or_404(request, number)
    if include_held:
        return ideas.idea_comments_for_staff(idea=idea)
    return ideas.idea_comments(idea=idea).select_related("idea")


@router.post(
    "/{int:number}/comments",
    response={201: CommentOut, 200: CommentOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="ideas_comments_create",
    summary="Comment on an idea",
    tags=TAGS,
    **scoped(WRITE, "idea.write"),
)
def ideas_comments_create(request: HttpRequest, number: int, payload: CommentIn) -> Status[Comment]:
    """Public at once unless the spam filter holds it (`state` says which). The same text
    from the same author again returns the first comment (200)."""
    idea = _idea_or_404(request, number)
    if payload.customer_id is not None:
        customer = customer_or_404(request, payload.customer_id, field="customer_id")
        comment, created = ideas.comment_post(idea=idea, author=customer, body=payload.body)
    else:
        comment, created = ideas.comment_post(
            idea=idea, author_user=actor_of(request), body=payload.body
        )
    return Status(201 if created else 200, comment)


@comments_router.post(
    "/{int:comment_id}/hide",
    response={200: CommentOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="comments_hide",
    summary="Hide a comment (spam, abuse or personal data)",
    tags=["moderation"],
    **scoped(MODERATE, "comment.moderate"),
)
def comments_hide(request: HttpRequest, comment_id: int, payload: HideIn) -> Comment:
    """Nothing is hidden for being critical; the public moderation log shows the reason."""
    return ideas.comment_hide(
        comment=_comment_or_404(request, comment_id),
        category=payload.category,
        explanation=payload.explanation,
        actor=actor_of(request),
    )


@comments_router.post(
    "/{int:comment_id}/restore",
    response={200: CommentOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="comments_restore",
    summary="Publish a held or hidden comment",
    tags=["moderation"],
    **scoped(MODERATE, "comment.moderate"),
)
def comments_restore(request: HttpRequest, comment_id: int, payload: RestoreIn) -> Comment:
    return ideas.comment_restore(
        comment=_comment_or_404(request, comment_id),
        actor=actor_of(request),
        reason=payload.reason,
    )


@moderation_router.get(
    "/log",
    response={200: list[ModerationEntryOut], **errors(401, 403, 422)},
    operation_id="moderation_log",
    summary="The public moderation log",
    tags=["moderation"],
    **scoped(READ, "moderation.read"),
)
@paginate(Page, max_limit=200)
def moderation_log(request: HttpRequest) -> Any:
    """Newest first: everything hidden, held or restored, with its public reason and the
    actor's role."""
    return moderation.moderation_log(organization=organization_of(request))
