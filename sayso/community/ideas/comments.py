"""Comments, on an idea, a roadmap item, a changelog entry or a review: posting, hiding and
restoring them, and reading a thread's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from sayso.community.common import digest, same_organization
from sayso.community.following import Event, idea_subject
from sayso.community.ideas import trending
from sayso.community.ideas.services import idea_path, idea_public_check, ideas_recount
from sayso.community.models import (
    COMMENT_MAX,
    REASON_MAX,
    Comment,
    CommentState,
    Flag,
    Idea,
    ModerationAction,
    Review,
)
from sayso.community.moderation import (
    HideReason,
    hide_reason,
    moderation_record,
    staff_role,
)
from sayso.community.posting import Published, post_publish, post_screen
from sayso.core.markup import plain_text, render_markdown, stored_html
from sayso.core.models import Organization
from sayso.core.text_input import clean_text
from sayso.customers.models import Customer


@dataclass(frozen=True)
class CommentTarget:
    """What a comment is on, whatever its kind: its field on ``Comment``, the follow subject
    of its thread, how notices name it, and its public path."""

    field: str  # "idea", "roadmap_item", "changelog_entry" or "review"
    obj: Any
    subject: str
    label: str
    path: str


def comment_target(obj: Any) -> CommentTarget:
    """The target of a comment: an idea, a roadmap item, a changelog entry or a review."""

    kind = obj._meta.model_name
    slug = obj.organization.slug
    if isinstance(obj, Idea):
        return CommentTarget(
            "idea", obj, idea_subject(obj), f"idea #{obj.number}: {obj.title}", idea_path(obj)
        )
    if isinstance(obj, Review):
        path = reverse("reviews", kwargs={"org": slug})
        if obj.product is not None:
            path += f"?product={obj.product.slug}"
        return CommentTarget(
            "review", obj, f"review:{obj.pk}", f"{obj.customer.public_name}'s review", path
        )
    if kind == "roadmapitem":
        path = reverse("roadmap-item", kwargs={"org": slug, "pk": obj.pk})
        return CommentTarget(
            "roadmap_item", obj, f"roadmap-item:{obj.pk}", f"the roadmap item {obj.title}", path
        )
    if kind == "changelogentry":
        path = reverse("changelog-entry", kwargs={"org": slug, "pk": obj.pk})
        return CommentTarget(
            "changelog_entry", obj, f"changelog-entry:{obj.pk}", f"“{obj.title}”", path
        )
    raise ValueError(f"Comments cannot be posted on {kind}.")


def _open_for_comments(target: CommentTarget) -> None:
    obj = target.obj
    if target.field == "idea":
        idea_public_check(obj, "comment")
    elif target.field == "review" and obj.hidden_at is not None:
        raise ValidationError("This review was hidden by the moderators.")
    elif target.field == "changelog_entry" and obj.published_at is None:
        raise ValidationError("Comments open when the entry is published.")


@transaction.atomic
def comment_post(
    *,
    body: str,
    idea: Idea | None = None,
    on: Any = None,
    author: Customer | None = None,
    author_user: Any = None,
) -> tuple[Comment, bool]:
    """Post a comment on an idea (``idea``) or on a roadmap item, changelog entry or review
    (``on``); it is public at once unless the spam filter holds it. Returns (comment,
    created): the same person posting the same text on the same thread again gets the first
    back."""
    if (author is None) == (author_user is None):
        raise ValueError("A comment has either a customer or a staff member as its author.")
    if (idea is None) == (on is None):
        raise ValueError("Comment on an idea or on one other thing.")
    target_obj: Any = idea if idea is not None else on
    organization_id = target_obj.organization_id
    same_organization(organization_id, author)
    body = clean_text(body, field="comment", maximum=COMMENT_MAX)
    # Lock the thread so that two identical posts cannot both be new.
    target_obj = type(target_obj).objects.select_for_update().get(pk=target_obj.pk)
    target = comment_target(target_obj)
    _open_for_comments(target)
    body_digest = digest(body)
    mine = Comment.objects.filter(**{target.field: target_obj}, body_digest=body_digest)
    mine = (
        mine.filter(author=author) if author is not None else mine.filter(author_user=author_user)
    )
    if (existing := mine.first()) is not None:
        return existing, False
    reasons = post_screen(
        organization_id=organization_id,
        kind="comment",
        text=body,
        author=author,
        copies=Comment.objects.filter(organization_id=organization_id, body_digest=body_digest),
    )
    now = timezone.now()
    comment = Comment.objects.create(
        organization_id=organization_id,
        **{target.field: target_obj},
        author=author,
        author_user=author_user,
        body=body,
        body_html=str(render_markdown(body)),
        body_digest=body_digest,
        state=CommentState.SPAM if reasons else CommentState.VISIBLE,
        state_reason="; ".join(reasons),
        created_at=now,
    )
    if reasons:
        post_publish(
            organization=target_obj.organization,
            author=author,
            reasons=reasons,
            published=None,
            comment=comment,
            idea=target_obj if target.field == "idea" else None,
        )
        return comment, True
    if target.field == "idea":
        target_obj.comment_count += 1
        target_obj.trending = trending.added(target_obj.trending, now, trending.COMMENT_WEIGHT)
        target_obj.save(update_fields=["comment_count", "trending", "updated_at"])
    who = author.public_name if author is not None else "The team"
    also = (
        [target_obj.customer_id]
        if target.field == "review" and target_obj.customer_id != getattr(author, "pk", None)
        else []
    )
    event = Event(
        key=f"comment:{comment.pk}",
        title=f"{who} commented on {target.label}",
        text=plain_text(body, limit=1000),
        url=f"{target.path}#comment-{comment.pk}",
    )
    post_publish(
        organization=target_obj.organization,
        author=author,
        reasons=[],
        published=Published(
            subjects=[target.subject], event=event, also=also, follow=target.subject
        ),
    )
    return comment, True


@transaction.atomic
def comment_hide(*, comment: Comment, category: str, explanation: str = "", actor: Any) -> Comment:
    """Staff hide a comment for spam, abuse or personal data; the public log says so."""
    reason = hide_reason(category, explanation)
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if comment.state != CommentState.VISIBLE:
        raise ValidationError("This comment is not public.")
    state = CommentState.SPAM if category == HideReason.SPAM else CommentState.HIDDEN
    comment.state = state
    comment.state_reason = reason
    comment.save(update_fields=["state", "state_reason", "updated_at"])
    moderation_record(
        organization=comment.organization,
        action=ModerationAction.SPAM if state == CommentState.SPAM else ModerationAction.HIDE,
        reason=reason,
        actor=actor,
        actor_role=staff_role(comment.organization, actor),
        comment=comment,
        idea=comment.idea,
    )
    if comment.idea_id:
        ideas_recount([comment.idea_id])
    Flag.objects.filter(comment=comment, resolved_at__isnull=True).update(
        resolved_at=timezone.now()
    )
    return comment


@transaction.atomic
def comment_restore(*, comment: Comment, actor: Any, reason: str = "") -> Comment:
    """Make a hidden or held comment public again (a false positive of the spam filter, or a
    hide undone); the public log says so."""
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if comment.state == CommentState.VISIBLE:
        raise ValidationError("This comment is already public.")
    action = (
        ModerationAction.NOT_SPAM
        if comment.state == CommentState.SPAM
        else ModerationAction.RESTORE
    )
    comment.state = CommentState.VISIBLE
    comment.state_reason = ""
    comment.save(update_fields=["state", "state_reason", "updated_at"])
    moderation_record(
        organization=comment.organization,
        action=action,
        reason=(reason or "").strip()[:REASON_MAX]
        or ("Not spam" if action == ModerationAction.NOT_SPAM else "Restored"),
        actor=actor,
        actor_role=staff_role(comment.organization, actor),
        comment=comment,
        idea=comment.idea,
    )
    if comment.idea_id:
        ideas_recount([comment.idea_id])
    return comment


def comment_get(*, organization: Organization, pk: int) -> Comment | None:
    return (
        Comment.objects.filter(organization=organization, pk=pk)
        .select_related(
            "idea__organization",
            "roadmap_item__organization",
            "changelog_entry__organization",
            "review__organization",
            "review__customer",
            "review__product",
        )
        .first()
    )


def comments_on(*, target: Any) -> list[tuple[Comment, Any]]:
    """The public comments of a roadmap item, changelog entry or review, oldest first, each
    with its rendered body."""

    field = {"roadmapitem": "roadmap_item", "changelogentry": "changelog_entry"}.get(
        target._meta.model_name, target._meta.model_name
    )
    comments = (
        Comment.objects.filter(**{field: target}, state=CommentState.VISIBLE)
        .select_related("author", "author_user")
        .order_by("created_at", "id")
    )
    return [(comment, stored_html(comment.body_html, comment.body)) for comment in comments]


def comments_on_reviews(*, reviews: list[Any]) -> dict[int, list[tuple[Comment, Any]]]:
    """The public comments of several reviews in one query, each review's oldest first."""

    grouped: dict[int, list[tuple[Comment, Any]]] = {review.pk: [] for review in reviews}
    comments = (
        Comment.objects.filter(review_id__in=list(grouped), state=CommentState.VISIBLE)
        .select_related("author", "author_user")
        .order_by("created_at", "id")
    )
    for comment in comments:
        assert comment.review_id is not None
        grouped[comment.review_id].append((comment, stored_html(comment.body_html, comment.body)))
    return grouped


def comment_url(comment: Comment) -> str:
    """Where a comment is shown: its thread's page, at the comment."""
    target = next(
        obj
        for obj in (comment.idea, comment.roadmap_item, comment.changelog_entry, comment.review)
        if obj is not None
    )
    return f"{comment_target(target).path}#comment-{comment.pk}"
