"""Every write of the idea board: categories, ideas, votes, status changes, official responses,
merges, and hiding an idea. One transaction each."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from sayso.community import following
from sayso.community.common import TITLE_MIN, WHITESPACE, digest, same_organization
from sayso.community.following import Event, announce, idea_subject
from sayso.community.ideas import trending
from sayso.community.models import (
    BODY_MAX,
    REASON_MAX,
    TITLE_MAX,
    Category,
    Comment,
    CommentState,
    Idea,
    IdeaStatus,
    IdeaStatusChange,
    ModerationAction,
    Vote,
)
from sayso.community.moderation import (
    hidden_set,
    hide_action,
    hide_reason,
    restore_reason,
)
from sayso.community.posting import Published, post_publish, post_screen
from sayso.core.markup import plain_text
from sayso.core.models import Organization
from sayso.core.text_input import clean_text
from sayso.customers.models import Customer

REPEAT_WINDOW = timedelta(minutes=10)  # a re-submitted idea form returns the first idea


def idea_locked(idea: Idea) -> Idea:
    return Idea.objects.select_for_update().get(pk=idea.pk)


def idea_index_later(idea: Idea) -> None:
    from sayso.intelligence import index_item_later

    index_item_later(organization=idea.organization, kind="idea", object_id=idea.pk)


def idea_path(idea: Idea) -> str:

    return reverse("idea-detail", kwargs={"org": idea.organization.slug, "number": idea.number})


def idea_public_check(idea: Idea, action: str) -> None:
    if idea.merged_into_id is not None:
        target = Idea.objects.filter(pk=idea.merged_into_id).values_list("number", flat=True)
        raise ValidationError(
            f"This idea was merged into idea #{target.first()}; {action} there instead."
        )
    if idea.hidden_at is not None:
        raise ValidationError("This idea was hidden by the moderators.")


# --- categories ------------------------------------------------------------------------------


def category_create(*, organization: Organization, name: str) -> Category:
    name = clean_text(name, field="name", maximum=80)
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
    same_organization(organization.pk, author, category)
    if author is not None and author.merged_into_id is not None:
        raise ValidationError("This customer record was merged into another.")
    title = WHITESPACE.sub(
        " ", clean_text(title, field="title", maximum=TITLE_MAX, minimum=TITLE_MIN)
    )
    body = clean_text(body, field="body", maximum=BODY_MAX, minimum=0) if body else ""
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
    reasons = post_screen(
        organization_id=organization.pk, kind="idea", text=title + "\n\n" + body, author=author
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
        hidden_at=now if reasons else None,
    )
    if reasons:
        post_publish(
            organization=organization, author=author, reasons=reasons, published=None, idea=idea
        )
        return idea, True
    if author is not None:
        _vote_add(idea, author, now)
    subjects = [following.NEW_IDEAS]
    if category is not None:
        subjects.append(following.category_subject(category.pk))
    event = Event(
        key=f"idea:{idea.pk}",
        title=f"New idea #{idea.number}: {idea.title}",
        text=plain_text(body) if body else "",
        url=idea_path(idea),
    )
    # The author follows the idea by voting for it (above).
    post_publish(
        organization=organization,
        author=author,
        reasons=[],
        published=Published(subjects=subjects, event=event),
    )
    idea_index_later(idea)
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
    idea = idea_locked(idea)
    same_organization(idea.organization_id, category, customer)
    if actor is None and (customer is None or idea.author_id != customer.pk):
        raise PermissionError("Only the author or staff can edit this idea.")
    idea_public_check(idea, "edit it")
    idea.title = WHITESPACE.sub(
        " ", clean_text(title, field="title", maximum=TITLE_MAX, minimum=TITLE_MIN)
    )
    idea.body = clean_text(body, field="body", maximum=BODY_MAX, minimum=0) if body else ""
    idea.category = category
    idea.save(update_fields=["title", "body", "category", "updated_at"])
    idea_index_later(idea)
    return idea


@transaction.atomic
def idea_delete(*, idea: Idea, customer: Customer) -> None:
    """The author takes back an idea nobody else has voted on or discussed yet."""
    idea = idea_locked(idea)
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
    from sayso.intelligence import index_item_later

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
    same_organization(idea.organization_id, customer)
    idea = idea_locked(idea)
    idea_public_check(idea, "vote")
    if customer.merged_into_id is not None:
        raise ValidationError("This customer record was merged into another.")
    return _vote_add(idea, customer, timezone.now())


@transaction.atomic
def idea_unvote(*, idea: Idea, customer: Customer) -> bool:
    """Withdraw a vote; False when there was none."""
    same_organization(idea.organization_id, customer)
    idea = idea_locked(idea)
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


def ideas_recount(idea_ids: list[int]) -> None:
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
    ideas_recount(sorted(set(ids)))


@transaction.atomic
def idea_status_change(
    *, idea: Idea, status: str, reason: str, actor: Any, notify: bool = True
) -> Idea:
    """Move an idea to a new status with a public reason (required). ``notify`` False when
    the caller tells the followers itself (a changelog entry shipping several ideas)."""
    if status not in IdeaStatus.values:
        raise ValidationError({"status": f"Unknown status {status!r}."})
    reason = clean_text(reason, field="reason", maximum=REASON_MAX)
    idea = idea_locked(idea)
    idea_public_check(idea, "change it")
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
                url=idea_path(idea),
            ),
        )
    idea_index_later(idea)
    return idea


@transaction.atomic
def idea_respond(*, idea: Idea, body: str, actor: Any) -> Idea:
    """Pin the team's official response on an idea (an empty body removes it)."""
    idea = idea_locked(idea)
    idea_public_check(idea, "respond")
    body = clean_text(body, field="response", maximum=BODY_MAX, minimum=0) if body else ""
    if body and body != idea.official_response:
        announce(
            organization=idea.organization,
            subjects=[idea_subject(idea)],
            event=Event(
                key=f"response:{idea.pk}:{digest(body)[:16]}",
                title=f"The team answered idea #{idea.number}: {idea.title}",
                text=plain_text(body, limit=1000),
                url=idea_path(idea),
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
    ideas_recount([source.pk, target.pk])
    announce(
        organization=source.organization,
        subjects=[idea_subject(source)],
        event=Event(
            key=f"merge:{source.pk}",
            title=f"Idea #{source.number} was merged into #{target.number}: {target.title}",
            text=f"“{source.title}” asks for the same thing as idea #{target.number}. Your vote "
            "and the comments moved there, and you now follow it.",
            url=idea_path(target),
        ),
    )
    following.follows_move(
        from_subject=idea_subject(source),
        to_subject=idea_subject(target),
        organization=source.organization,
    )
    from sayso.intelligence import index_item_later

    index_item_later(organization=source.organization, kind="idea", object_id=source.pk)
    idea_index_later(target)
    target.refresh_from_db()
    return target


@transaction.atomic
def idea_hide(*, idea: Idea, category: str, explanation: str = "", actor: Any) -> Idea:
    reason = hide_reason(category, explanation)
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
