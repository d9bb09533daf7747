"""What the spam filter moderators teach (``sayso.intelligence.analysis.spam_feedback``) needs
of community posts: each kind's object, its text and link, whether it is public, the posts held
as spam, the normal traffic it is trained against, and how a moderator hides or releases one.
Registered from ``CommunityConfig.ready`` with the kinds' hide and restore services (passed in:
those services record in the moderation log, which calls ``decision_from_moderation`` here).

``decision_from_moderation`` turns a staff member's entry in the public moderation log into the
filter's labelled example: marked as spam → spam; released from the spam queue, or a post held
as spam restored → not spam.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import Any

from django.urls import reverse

from sayso.community.models import (
    Answer,
    Comment,
    CommentState,
    Idea,
    ModerationAction,
    ModerationEntry,
    Question,
    Review,
)
from sayso.core.models import Organization
from sayso.intelligence.analysis.spam_feedback import (
    DecidedItem,
    SpamKind,
    spam_decision_record,
    spam_kind_register,
)
from sayso.intelligence.models import SpamDecision, SpamLabel

KINDS = ("comment", "answer", "idea", "question", "review")
# A service that hides a post (``comment_hide(comment=..., category=..., actor=...)``) and one
# that restores it (``comment_restore(comment=..., actor=..., reason=...)``), per kind.
Actions = Mapping[str, tuple[Callable[..., Any], Callable[..., Any]]]


def decided_item(kind: str, obj: Any) -> DecidedItem:
    """What the filter learns from a post: its text, author name and link."""
    slug = obj.organization.slug if kind != "answer" else obj.question.organization.slug
    author = getattr(obj, "author", None) if kind != "review" else obj.customer
    name = author.display_name if author is not None else ""
    if kind == "comment":
        url = ""
        if obj.idea_id:
            url = reverse("idea-detail", kwargs={"org": slug, "number": obj.idea.number})
            url += f"#comment-{obj.pk}"
        return DecidedItem(kind, obj.pk, obj.body, name, url)
    if kind == "idea":
        url = reverse("idea-detail", kwargs={"org": slug, "number": obj.number})
        return DecidedItem(kind, obj.pk, f"{obj.title}\n\n{obj.body}".strip(), name, url)
    if kind == "question":
        url = reverse("question-detail", kwargs={"org": slug, "number": obj.number})
        return DecidedItem(kind, obj.pk, f"{obj.title}\n\n{obj.body}".strip(), name, url)
    if kind == "answer":
        url = reverse("question-detail", kwargs={"org": slug, "number": obj.question.number})
        return DecidedItem(kind, obj.pk, obj.body, name, f"{url}#answer-{obj.pk}")
    if kind == "review":
        url = reverse("reviews", kwargs={"org": slug}) + f"#review-{obj.pk}"
        return DecidedItem(kind, obj.pk, f"{obj.title}\n\n{obj.body}".strip(), name, url)
    raise ValueError(kind)


def _entry_item(entry: ModerationEntry) -> tuple[str, Any] | None:
    """The post a moderation log entry is about: the most specific it names."""
    for kind in ("comment", "answer", "review", "question", "idea"):
        if getattr(entry, f"{kind}_id", None) is not None:
            return kind, getattr(entry, kind)
    return None


def decision_from_moderation(*, entry: ModerationEntry) -> SpamDecision | None:
    """The decision a staff member's entry in the public moderation log carries, recorded:
    marked as spam → spam; released from the spam queue, or a post held as spam restored →
    not spam. Entries of the filter itself and hides for abuse carry none."""
    if entry.actor_id is None:
        return None
    found = _entry_item(entry)
    if found is None:
        return None
    kind, obj = found
    if entry.action == ModerationAction.SPAM:
        label = SpamLabel.SPAM
    elif entry.action == ModerationAction.NOT_SPAM:
        label = SpamLabel.HAM
    elif entry.action == ModerationAction.RESTORE:
        before = (
            ModerationEntry.objects.filter(**{kind: obj})
            .exclude(pk=entry.pk)
            .order_by("-created_at", "-id")
            .values_list("action", flat=True)
            .first()
        )
        if before != ModerationAction.SPAM:
            return None
        label = SpamLabel.HAM
    else:
        return None
    decision, _ = spam_decision_record(
        organization=entry.organization,
        item=decided_item(kind, obj),
        label=label,
        actor=entry.actor,
        where="moderation",
    )
    return decision


def _get(kind: str, organization: Organization, object_id: int) -> Any:
    if kind == "answer":
        return (
            Answer.objects.filter(question__organization=organization, pk=object_id)
            .select_related("question__organization", "author")
            .first()
        )
    model: Any = {"comment": Comment, "idea": Idea, "question": Question, "review": Review}[kind]
    return model.objects.filter(organization=organization, pk=object_id).first()


def _is_public(kind: str, obj: Any) -> bool:
    if kind in ("comment", "answer"):
        return bool(obj.state == CommentState.VISIBLE)
    return obj.hidden_at is None


def _held(kind: str, organization: Organization, limit: int) -> Iterator[tuple[Any, str]]:
    """The posts of ``kind`` held as spam (by the filter, or as spam by staff), with why."""
    if kind == "comment":
        for comment in (
            Comment.objects.filter(organization=organization, state=CommentState.SPAM)
            .select_related("author", "idea", "organization")
            .order_by("-created_at", "-id")[:limit]
        ):
            yield comment, comment.state_reason
    elif kind == "answer":
        for answer in (
            Answer.objects.filter(question__organization=organization, state=CommentState.SPAM)
            .select_related("author", "question__organization")
            .order_by("-created_at", "-id")[:limit]
        ):
            yield answer, answer.state_reason
    elif kind in ("idea", "question"):
        model: Any = Idea if kind == "idea" else Question
        hidden = model.objects.filter(organization=organization, hidden_at__isnull=False)
        spam_logged = ModerationEntry.objects.filter(
            organization=organization, action=ModerationAction.SPAM
        )
        ids = set(
            spam_logged.filter(**{f"{kind}__in": hidden}).values_list(f"{kind}_id", flat=True)
        )
        for obj in hidden.filter(pk__in=ids).select_related("author", "organization")[:limit]:
            last = (
                ModerationEntry.objects.filter(**{kind: obj}).order_by("-created_at", "-id").first()
            )
            if last is not None and last.action == ModerationAction.SPAM:
                yield obj, last.reason
    elif kind == "review":
        for review in (
            Review.objects.filter(organization=organization, hidden_at__isnull=False)
            .select_related("customer", "organization")
            .order_by("-hidden_at")[:limit]
        ):
            if review.hidden_reason.startswith(("Held by the spam filter", "Spam")):
                yield review, review.hidden_reason


def _background(kind: str, organization: Organization, limit: int) -> Iterator[DecidedItem]:
    """The newest public comments, ideas and questions: the normal traffic the filter is
    trained against."""
    if kind == "comment":
        for c in (
            Comment.objects.filter(organization=organization, state=CommentState.VISIBLE)
            .select_related("author")
            .order_by("-created_at", "-id")[:limit]
        ):
            name = c.author.display_name if c.author is not None else ""
            yield DecidedItem("comment", c.pk, c.body, name)
    elif kind == "idea":
        for i in (
            Idea.objects.filter(organization=organization, hidden_at__isnull=True)
            .select_related("author")
            .order_by("-created_at", "-id")[:limit]
        ):
            name = i.author.display_name if i.author is not None else ""
            yield DecidedItem("idea", i.pk, f"{i.title}\n\n{i.body}".strip(), name)
    elif kind == "question":
        for q in Question.objects.filter(
            organization=organization, hidden_at__isnull=True
        ).order_by("-created_at", "-id")[:limit]:
            yield DecidedItem("question", q.pk, f"{q.title}\n\n{q.body}".strip())


def _hide(kind: str, hide: Callable[..., Any], obj: Any, actor: Any) -> None:
    hide(**{kind: obj}, category="spam", actor=actor)


def _release(kind: str, restore: Callable[..., Any], obj: Any, actor: Any, reason: str) -> None:
    restore(**{kind: obj}, actor=actor, reason=reason)


def spam_kinds_register(actions: Actions) -> None:
    """Register the community's kinds with the spam filter; ``actions`` holds each kind's hide
    and restore services."""
    for kind in KINDS:
        hide, restore = actions[kind]
        spam_kind_register(
            SpamKind(
                kind=kind,
                get=partial(_get, kind),
                item=partial(decided_item, kind),
                is_public=partial(_is_public, kind),
                hide=partial(_hide, kind, hide),
                release=partial(_release, kind, restore),
                held=partial(_held, kind),
                background=(
                    partial(_background, kind) if kind in ("comment", "idea", "question") else None
                ),
            )
        )
