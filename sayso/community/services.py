"""Every write of the public voice: ideas, votes, status changes, merges, comments, and
moderation. One transaction each; public text is validated here, rendered by
``sayso.core.markup`` when shown.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from sayso.community import following, trending
from sayso.community.following import Event, announce, idea_subject
from sayso.community.models import (
    BODY_MAX,
    COMMENT_MAX,
    REASON_MAX,
    TITLE_MAX,
    Category,
    Comment,
    CommentState,
    Flag,
    Idea,
    IdeaStatus,
    IdeaStatusChange,
    ModerationAction,
    ModerationEntry,
    Vote,
)
from sayso.core.markup import plain_text, render_markdown
from sayso.core.models import Membership, Organization
from sayso.core.text_input import clean_text
from sayso.customers.models import Customer

TITLE_MIN = 4
REPEAT_WINDOW = timedelta(minutes=10)  # a re-submitted idea form returns the first idea
_SPACE_RE = re.compile(r"\s+")


class HideReason:
    """Why staff may hide something: never for being negative."""

    SPAM = "spam"
    ABUSE = "abuse"
    PERSONAL_DATA = "personal_data"
    choices = [
        (SPAM, "Spam or advertising"),
        (ABUSE, "Abuse, threats or harassment"),
        (PERSONAL_DATA, "Personal data that should not be public"),
    ]
    labels = dict(choices)


# --- helpers ---------------------------------------------------------------------------------


def _clean_text(value: str, *, field: str, maximum: int, minimum: int = 1) -> str:
    return clean_text(value, field=field, maximum=maximum, minimum=minimum)


def digest(text: str) -> str:
    normalized = _SPACE_RE.sub(" ", text.casefold()).strip()
    return hashlib.sha256(normalized.encode("utf-8", "surrogatepass")).hexdigest()


def _same_org(organization_id: int, *objects: Any) -> None:
    for obj in objects:
        if obj is not None and obj.organization_id != organization_id:
            raise ValidationError("That belongs to another organization.")


def _staff_role(organization: Organization, user: Any) -> str:
    membership = Membership.objects.filter(
        organization=organization, user=user, is_active=True
    ).first()
    return membership.role if membership is not None else "staff"


def _locked(idea: Idea) -> Idea:
    return Idea.objects.select_for_update().get(pk=idea.pk)


def _index_later(idea: Idea) -> None:
    from sayso.intelligence.services import index_item_later

    index_item_later(organization=idea.organization, kind="idea", object_id=idea.pk)


def _idea_path(idea: Idea) -> str:
    from django.urls import reverse

    return reverse("idea-detail", kwargs={"org": idea.organization.slug, "number": idea.number})


def _public(idea: Idea, action: str) -> None:
    if idea.merged_into_id is not None:
        target = Idea.objects.filter(pk=idea.merged_into_id).values_list("number", flat=True)
        raise ValidationError(
            f"This idea was merged into idea #{target.first()}; {action} there instead."
        )
    if idea.hidden_at is not None:
        raise ValidationError("This idea was hidden by the moderators.")


def _log(
    *,
    organization: Organization,
    action: str,
    reason: str,
    actor: Any = None,
    actor_role: str,
    idea: Idea | None = None,
    comment: Comment | None = None,
    review: Any = None,
    question: Any = None,
    answer: Any = None,
) -> ModerationEntry:
    entry = ModerationEntry.objects.create(
        organization=organization,
        action=action,
        reason=reason[:REASON_MAX],
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_role=actor_role,
        idea=idea,
        comment=comment,
        review=review,
        question=question,
        answer=answer,
    )
    # A moderator's "spam" / "not spam" is a labelled example of the organization's filter.
    from sayso.intelligence.spam_feedback import decision_from_moderation

    decision_from_moderation(entry=entry)
    return entry


# --- categories ------------------------------------------------------------------------------


def category_create(*, organization: Organization, name: str) -> Category:
    name = _clean_text(name, field="name", maximum=80)
    slug = slugify(name)[:80] or "category"
    category, _ = Category.objects.get_or_create(
        organization=organization, slug=slug, defaults={"name": name}
    )
    return category


# --- ideas -----------------------------------------------------------------------------------


@transaction.atomic
def idea_post(
    *,
    organization: Organization,
    title: str,
    body: str = "",
    category: Category | None = None,
    author: Customer | None = None,
    author_user: Any = None,
) -> tuple[Idea, bool]:
    """Post an idea; returns (idea, created). The author votes for it. The same author
    sending the same idea again within minutes (a double submit) gets the first one back."""
    if (author is None) == (author_user is None):
        raise ValueError("An idea has either a customer or a staff member as its author.")
    _same_org(organization.pk, author, category)
    if author is not None and author.merged_into_id is not None:
        raise ValidationError("This customer record was merged into another.")
    title = _SPACE_RE.sub(
        " ", _clean_text(title, field="title", maximum=TITLE_MAX, minimum=TITLE_MIN)
    )
    body = _clean_text(body, field="body", maximum=BODY_MAX, minimum=0) if body else ""
    now = timezone.now()
    recent = Idea.objects.filter(
        organization=organization, title=title, body=body, created_at__gte=now - REPEAT_WINDOW
    )
    recent = (
        recent.filter(author=author)
        if author is not None
        else recent.filter(author_user=author_user)
    )
    if (existing := recent.first()) is not None:
        return existing, False

    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    number = (
        Idea.objects.filter(organization=organization).aggregate(n=Max("number"))["n"] or 0
    ) + 1
    spam_reasons = (
        _screened(organization.pk, title + "\n\n" + body, author, "idea")
        if author is not None
        else []
    )
    idea = Idea.objects.create(
        organization=organization,
        number=number,
        title=title,
        body=body,
        category=category,
        author=author,
        author_user=author_user,
        trending=trending.exponent(now),
        created_at=now,
        hidden_at=now if spam_reasons else None,
    )
    if spam_reasons:
        _log(
            organization=organization,
            action=ModerationAction.SPAM,
            reason="Held by the spam filter: " + "; ".join(spam_reasons),
            actor_role="spam filter",
            idea=idea,
        )
        return idea, True
    if author is not None:
        _vote_add(idea, author, now)
    subjects = [following.NEW_IDEAS]
    if category is not None:
        subjects.append(following.category_subject(category.pk))
    announce(
        organization=organization,
        subjects=subjects,
        event=Event(
            key=f"idea:{idea.pk}",
            title=f"New idea #{idea.number}: {idea.title}",
            text=plain_text(body) if body else "",
            url=_idea_path(idea),
        ),
        exclude=[author.pk] if author is not None else [],
    )
    _index_later(idea)
    return idea, True


@transaction.atomic
def idea_update(
    *,
    idea: Idea,
    title: str,
    body: str,
    category: Category | None = None,
    customer: Customer | None = None,
    actor: Any = None,
) -> Idea:
    """Edit an idea: its author (``customer``) or staff (``actor``)."""
    idea = _locked(idea)
    _same_org(idea.organization_id, category, customer)
    if actor is None and (customer is None or idea.author_id != customer.pk):
        raise PermissionError("Only the author or staff can edit this idea.")
    _public(idea, "edit it")
    idea.title = _SPACE_RE.sub(
        " ", _clean_text(title, field="title", maximum=TITLE_MAX, minimum=TITLE_MIN)
    )
    idea.body = _clean_text(body, field="body", maximum=BODY_MAX, minimum=0) if body else ""
    idea.category = category
    idea.save(update_fields=["title", "body", "category", "updated_at"])
    _index_later(idea)
    return idea


@transaction.atomic
def idea_delete(*, idea: Idea, customer: Customer) -> None:
    """The author takes back an idea nobody else has voted on or discussed yet."""
    idea = _locked(idea)
    if idea.author_id != customer.pk:
        raise PermissionError("Only the author can delete this idea.")
    others_voted = idea.votes.exclude(customer=customer).exists()
    others_commented = idea.comments.exclude(author=customer).exists()
    if others_voted or others_commented or idea.merged_ideas.exists():
        raise ValidationError(
            "Others have voted on or discussed this idea, so it stays; "
            "ask the team to close it if it is no longer needed."
        )
    organization = idea.organization
    pk = idea.pk
    idea.delete()
    from sayso.intelligence.services import index_item_later

    index_item_later(organization=organization, kind="idea", object_id=pk)


def _vote_add(idea: Idea, customer: Customer, now: Any) -> bool:
    try:
        with transaction.atomic():
            Vote.objects.create(
                organization_id=idea.organization_id, idea=idea, customer=customer, created_at=now
            )
    except IntegrityError:
        return False
    idea.vote_count += 1
    idea.trending = trending.added(idea.trending, now)
    idea.save(update_fields=["vote_count", "trending", "updated_at"])
    following.follow_on_participation(customer, idea_subject(idea))
    return True


@transaction.atomic
def idea_vote(*, idea: Idea, customer: Customer) -> bool:
    """Vote for an idea; False when this person had already voted (nothing changes)."""
    _same_org(idea.organization_id, customer)
    idea = _locked(idea)
    _public(idea, "vote")
    if customer.merged_into_id is not None:
        raise ValidationError("This customer record was merged into another.")
    return _vote_add(idea, customer, timezone.now())


@transaction.atomic
def idea_unvote(*, idea: Idea, customer: Customer) -> bool:
    """Withdraw a vote; False when there was none."""
    _same_org(idea.organization_id, customer)
    idea = _locked(idea)
    vote = Vote.objects.filter(idea=idea, customer=customer).first()
    if vote is None:
        return False
    vote.delete()
    idea.vote_count = max(0, idea.vote_count - 1)
    idea.trending = trending.removed(
        idea.trending, vote.created_at, floor=trending.exponent(idea.created_at)
    )
    idea.save(update_fields=["vote_count", "trending", "updated_at"])
    return True


def _recount(idea_ids: list[int]) -> None:
    for idea in Idea.objects.select_for_update().filter(pk__in=idea_ids):
        votes = Vote.objects.filter(idea=idea, customer__merged_into__isnull=True)
        comments = idea.comments.filter(state=CommentState.VISIBLE)
        score = trending.exponent(idea.created_at)
        for at in votes.values_list("created_at", flat=True):
            score = trending.added(score, at)
        for at in comments.values_list("created_at", flat=True):
            score = trending.added(score, at, trending.COMMENT_WEIGHT)
        idea.vote_count = votes.count()
        idea.comment_count = comments.count()
        idea.trending = score
        idea.save(update_fields=["vote_count", "comment_count", "trending", "updated_at"])


def idea_votes_recount(source: Customer, target: Customer) -> None:
    """After a customer merge or unmerge: recount the ideas either customer voted on (a vote
    left with a merged-away record does not count)."""
    ids = Vote.objects.filter(customer__in=[source, target]).values_list("idea_id", flat=True)
    _recount(sorted(set(ids)))


@transaction.atomic
def idea_status_change(
    *, idea: Idea, status: str, reason: str, actor: Any, notify: bool = True
) -> Idea:
    """Move an idea to a new status with a public reason (required). ``notify`` False when
    the caller tells the followers itself (a changelog entry shipping several ideas)."""
    if status not in IdeaStatus.values:
        raise ValidationError({"status": f"Unknown status {status!r}."})
    reason = _clean_text(reason, field="reason", maximum=REASON_MAX)
    idea = _locked(idea)
    _public(idea, "change it")
    if idea.status == status:
        raise ValidationError(
            {"status": f"The idea is already {IdeaStatus(status).label.lower()}."}
        )
    now = timezone.now()
    change = IdeaStatusChange.objects.create(
        organization_id=idea.organization_id,
        idea=idea,
        from_status=idea.status,
        to_status=status,
        reason=reason,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=now,
    )
    idea.status = status
    idea.status_reason = reason
    idea.status_changed_at = now
    idea.save(update_fields=["status", "status_reason", "status_changed_at", "updated_at"])
    label = IdeaStatus(status).label
    if notify:
        announce(
            organization=idea.organization,
            subjects=[idea_subject(idea)],
            event=Event(
                key=f"status:{change.pk}",
                title=f"Idea #{idea.number} is now {label.lower()}: {idea.title}",
                text=f"{label}: {reason}",
                url=_idea_path(idea),
            ),
        )
    _index_later(idea)
    return idea


@transaction.atomic
def idea_respond(*, idea: Idea, body: str, actor: Any) -> Idea:
    """Pin the team's official response on an idea (an empty body removes it)."""
    idea = _locked(idea)
    _public(idea, "respond")
    body = _clean_text(body, field="response", maximum=BODY_MAX, minimum=0) if body else ""
    if body and body != idea.official_response:
        announce(
            organization=idea.organization,
            subjects=[idea_subject(idea)],
            event=Event(
                key=f"response:{idea.pk}:{digest(body)[:16]}",
                title=f"The team answered idea #{idea.number}: {idea.title}",
                text=plain_text(body, limit=1000),
                url=_idea_path(idea),
            ),
        )
    idea.official_response = body
    idea.official_response_by = actor if body else None
    idea.official_response_at = timezone.now() if body else None
    idea.save(
        update_fields=[
            "official_response",
            "official_response_by",
            "official_response_at",
            "updated_at",
        ]
    )
    return idea


@transaction.atomic
def idea_merge(*, source: Idea, target: Idea, actor: Any) -> Idea:
    """Merge a duplicate into the surviving idea: votes (a person who voted on both counts
    once) and comments move; the duplicate redirects to the survivor from then on."""
    if source.pk == target.pk:
        raise ValidationError("An idea cannot be merged into itself.")
    if source.organization_id != target.organization_id:
        raise ValidationError("Ideas of different organizations cannot be merged.")
    first, second = sorted([source.pk, target.pk])
    locked = {i.pk: i for i in Idea.objects.select_for_update().filter(pk__in=[first, second])}
    source, target = locked[source.pk], locked[target.pk]
    if source.merged_into_id is not None:
        raise ValidationError(f"Idea #{source.number} was already merged into another idea.")
    if target.merged_into_id is not None:
        raise ValidationError(
            f"Idea #{target.number} was itself merged; merge into the idea it points to."
        )
    voters_of_target = Vote.objects.filter(idea=target).values("customer_id")
    Vote.objects.filter(idea=source).exclude(customer_id__in=voters_of_target).update(idea=target)
    Comment.objects.filter(idea=source).update(idea=target)
    now = timezone.now()
    source.merged_into = target
    source.merged_at = now
    source.save(update_fields=["merged_into", "merged_at", "updated_at"])
    Idea.objects.filter(merged_into=source).update(merged_into=target)
    _recount([source.pk, target.pk])
    announce(
        organization=source.organization,
        subjects=[idea_subject(source)],
        event=Event(
            key=f"merge:{source.pk}",
            title=f"Idea #{source.number} was merged into #{target.number}: {target.title}",
            text=f"“{source.title}” asks for the same thing as idea #{target.number}. Your vote "
            "and the comments moved there, and you now follow it.",
            url=_idea_path(target),
        ),
    )
    following.follows_move(
        from_subject=idea_subject(source),
        to_subject=idea_subject(target),
        organization=source.organization,
    )
    from sayso.intelligence.services import index_item_later

    index_item_later(organization=source.organization, kind="idea", object_id=source.pk)
    _index_later(target)
    target.refresh_from_db()
    return target


# --- comments --------------------------------------------------------------------------------


def _spam_reasons(text: str, author: Customer | None) -> list[str]:
    """The spam filter's reasons to hold ``text``, read with its author's name (the public
    one they chose, else the name they gave) and blog or site link: a product, shop or
    keyword name is a spam signal of its own."""
    from sayso.customers.models import IdentityKind
    from sayso.intelligence.analysis.pipeline import Item, analyze

    name = url = ""
    if author is not None:
        name = author.public_name if author.public_name_chosen_at else author.display_name
        links = author.identities.filter(kind=IdentityKind.URL).values_list("value", flat=True)
        url = links.first() or ""
    item = Item(
        text=text,
        author=name,
        author_url=url,
        author_id=f"customer:{author.pk}" if author else "",
    )
    result = analyze([item])[0]
    if not result.is_spam:
        return []
    spam_reasons = [r for r in result.reasons if "spam" in r.lower() or "link" in r.lower()]
    return spam_reasons or result.reasons or ["looks like spam"]


def _screened(organization_id: int, text: str, author: Customer | None, kind: str) -> list[str]:
    """The base model's reasons to hold a post, with the organization's own filter (what its
    moderators taught it) and Akismet, where it uses Akismet."""
    from sayso.intelligence.spam_feedback import screen

    return screen(
        organization_id=organization_id,
        text=text,
        author=author,
        base=_spam_reasons(text, author),
        kind=kind,
    )


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
    from django.urls import reverse

    from sayso.community.models import Review

    kind = obj._meta.model_name
    slug = obj.organization.slug
    if isinstance(obj, Idea):
        return CommentTarget(
            "idea", obj, idea_subject(obj), f"idea #{obj.number}: {obj.title}", _idea_path(obj)
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
        _public(obj, "comment")
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
    _same_org(organization_id, author)
    body = _clean_text(body, field="comment", maximum=COMMENT_MAX)
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
    reasons: list[str] = []
    if author is not None:
        copied = (
            Comment.objects.filter(organization_id=organization_id, body_digest=body_digest)
            .exclude(author=author)
            .filter(author_user__isnull=True, created_at__gte=timezone.now() - timedelta(days=30))
            .first()
        )
        if copied is not None and len(body) >= 40:
            reasons = [f"copies comment #{copied.pk} by another person"]
        else:
            reasons = _screened(organization_id, body, author, "comment")
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
        _log(
            organization=target_obj.organization,
            action=ModerationAction.SPAM,
            reason="Held by the spam filter: " + "; ".join(reasons),
            actor_role="spam filter",
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
    announce(
        organization=target_obj.organization,
        subjects=[target.subject],
        also=also,
        event=Event(
            key=f"comment:{comment.pk}",
            title=f"{who} commented on {target.label}",
            text=plain_text(body, limit=1000),
            url=f"{target.path}#comment-{comment.pk}",
        ),
        exclude=[author.pk] if author is not None else [],
    )
    if author is not None:
        following.follow_on_participation(author, target.subject)
    return comment, True


def _hide_reason(category: str, explanation: str) -> str:
    if category not in HideReason.labels:
        raise ValidationError(
            {
                "reason": "Choose why: spam, abuse, or personal data. Nothing is hidden for being "
                "critical."
            }
        )
    explanation = (explanation or "").strip()[:REASON_MAX]
    label = HideReason.labels[category]
    return f"{label}: {explanation}" if explanation else label


@transaction.atomic
def comment_hide(*, comment: Comment, category: str, explanation: str = "", actor: Any) -> Comment:
    """Staff hide a comment for spam, abuse or personal data; the public log says so."""
    reason = _hide_reason(category, explanation)
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if comment.state != CommentState.VISIBLE:
        raise ValidationError("This comment is not public.")
    state = CommentState.SPAM if category == HideReason.SPAM else CommentState.HIDDEN
    comment.state = state
    comment.state_reason = reason
    comment.save(update_fields=["state", "state_reason", "updated_at"])
    _log(
        organization=comment.organization,
        action=ModerationAction.SPAM if state == CommentState.SPAM else ModerationAction.HIDE,
        reason=reason,
        actor=actor,
        actor_role=_staff_role(comment.organization, actor),
        comment=comment,
        idea=comment.idea,
    )
    if comment.idea_id:
        _recount([comment.idea_id])
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
    _log(
        organization=comment.organization,
        action=action,
        reason=(reason or "").strip()[:REASON_MAX]
        or ("Not spam" if action == ModerationAction.NOT_SPAM else "Restored"),
        actor=actor,
        actor_role=_staff_role(comment.organization, actor),
        comment=comment,
        idea=comment.idea,
    )
    if comment.idea_id:
        _recount([comment.idea_id])
    return comment


def hidden_set(item: Any, *, field: str, hidden: bool, reason: str, action: str, actor: Any) -> Any:
    """Hide (or restore) an idea or a question — ``field`` names it on ``ModerationEntry``
    and ``Flag`` and is its kind in the similar-item index — with an entry in the public
    log; hiding resolves its open reports. The caller holds the transaction."""
    from sayso.intelligence.services import index_item_later

    item = type(item).objects.select_for_update().get(pk=item.pk)
    if hidden and item.hidden_at is not None:
        raise ValidationError(f"This {field} is already hidden.")
    if not hidden and item.hidden_at is None:
        raise ValidationError(f"This {field} is not hidden.")
    now = timezone.now()
    item.hidden_at = now if hidden else None
    item.save(update_fields=["hidden_at", "updated_at"])
    _log(
        organization=item.organization,
        action=action,
        reason=reason,
        actor=actor,
        actor_role=_staff_role(item.organization, actor),
        **{field: item},
    )
    if hidden:
        Flag.objects.filter(**{field: item}, resolved_at__isnull=True).update(resolved_at=now)
    index_item_later(organization=item.organization, kind=field, object_id=item.pk)
    return item


def hide_action(category: str) -> str:
    return ModerationAction.SPAM if category == HideReason.SPAM else ModerationAction.HIDE


def restore_reason(reason: str) -> str:
    return (reason or "").strip()[:REASON_MAX] or "Restored"


@transaction.atomic
def idea_hide(*, idea: Idea, category: str, explanation: str = "", actor: Any) -> Idea:
    reason = _hide_reason(category, explanation)
    return hidden_set(
        idea, field="idea", hidden=True, reason=reason, action=hide_action(category), actor=actor
    )


@transaction.atomic
def idea_restore(*, idea: Idea, actor: Any, reason: str = "") -> Idea:
    return hidden_set(
        idea,
        field="idea",
        hidden=False,
        reason=restore_reason(reason),
        action=ModerationAction.RESTORE,
        actor=actor,
    )


@transaction.atomic
def flag_create(
    *,
    customer: Customer,
    reason: str,
    idea: Idea | None = None,
    comment: Comment | None = None,
    review: Any = None,
    question: Any = None,
    answer: Any = None,
) -> tuple[Flag, bool]:
    """A customer reports an idea, a comment, a review, a question or an answer to the
    moderators, once per item."""
    given = {"idea": idea, "comment": comment, "review": review, "question": question}
    given["answer"] = answer
    targets = {field: obj for field, obj in given.items() if obj is not None}
    if len(targets) != 1:
        raise ValueError("Flag one idea, comment, review, question or answer.")
    ((field, target),) = targets.items()
    _same_org(customer.organization_id, target)
    reason = _clean_text(reason, field="reason", maximum=REASON_MAX)
    existing = Flag.objects.filter(customer=customer, **{field: target}).first()
    if existing is not None:
        return existing, False
    flag = Flag.objects.create(
        organization_id=customer.organization_id,
        customer=customer,
        reason=reason,
        **{field: target},
    )
    return flag, True
