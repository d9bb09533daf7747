"""Reads of the idea board: the board, an idea and its history, votes, categories, similar ideas,
the held ideas and comments, and the similar-item index's source."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from sayso.community.ideas.search import ideas_matching
from sayso.community.models import (
    Category,
    Comment,
    CommentState,
    Idea,
    IdeaStatus,
    IdeaStatusChange,
    Question,
    QuestionLink,
    Vote,
)
from sayso.core.models import Organization
from sayso.customers.models import Customer
from sayso.intelligence import SourceItem

SORTS = {
    "trending": ("-trending", "-id"),
    "top": ("-vote_count", "-id"),
    "new": ("-created_at", "-id"),
}


SIMILAR_MIN_CHARS = 8


SIMILAR_MIN_SCORE = 0.45  # cosine; below it an idea is about something else


@dataclass(frozen=True)
class BoardFilters:
    sort: str = "trending"
    status: str = ""  # "" = every status
    category: str = ""  # a category slug
    query: str = ""


# What a list of similar ideas shows of an idea (pages read only these; the API whole rows).
IDEA_BRIEF_FIELDS = ("number", "title", "vote_count", "status")


def public_ideas(*, organization: Organization) -> QuerySet[Idea]:
    return Idea.objects.filter(
        organization=organization, merged_into__isnull=True, hidden_at__isnull=True
    )


def idea_board(
    *, organization: Organization, filters: BoardFilters, include_hidden: bool = False
) -> QuerySet[Idea]:
    """The board's ideas (``include_hidden``: the hidden ones too, for staff)."""
    ideas = (
        Idea.objects.filter(organization=organization, merged_into__isnull=True)
        if include_hidden
        else public_ideas(organization=organization)
    )
    if filters.status in IdeaStatus.values:
        ideas = ideas.filter(status=filters.status)
    if filters.category:
        ideas = ideas.filter(category__slug=filters.category)
    if filters.query:
        ideas = ideas_matching(ideas=ideas, organization_id=organization.pk, text=filters.query)
    order = SORTS.get(filters.sort, SORTS["trending"])
    # The organization comes in a second, one-row read: joined in (select_related), SQLite
    # planned the page from the organizations table and sorted every idea of the board
    # instead of reading the page in the order of its index (docs/performance.md).
    return ideas.select_related("category").prefetch_related("organization").order_by(*order)


def idea_get(*, organization: Organization, number: int) -> Idea | None:
    """Any idea of the organization by number, merged and hidden ones too (the caller decides
    what to show: a redirect, a notice, or a 404)."""
    return (
        Idea.objects.select_related(
            "category",
            "author",
            "author_user",
            "official_response_by",
            "merged_into",
            "organization",
        )
        .filter(organization=organization, number=number)
        .first()
    )


def idea_status_history(*, idea: Idea) -> QuerySet[IdeaStatusChange]:
    return idea.status_changes.select_related("actor").order_by("created_at", "id")


def idea_comments(*, idea: Idea) -> QuerySet[Comment]:
    """The public comments of an idea, oldest first."""
    return (
        idea.comments.filter(state=CommentState.VISIBLE)
        .select_related("author", "author_user")
        .order_by("created_at", "id")
    )


def voted_idea_ids(*, customer: Customer | None, ideas: Collection[int]) -> set[int]:
    if customer is None or not ideas:
        return set()
    return set(
        Vote.objects.filter(customer=customer, idea_id__in=list(ideas)).values_list(
            "idea_id", flat=True
        )
    )


def idea_votes(*, idea: Idea) -> QuerySet[Vote]:
    """The counted votes of an idea (not those left with a merged-away customer), newest
    first."""
    return (
        Vote.objects.filter(idea=idea, customer__merged_into__isnull=True)
        .select_related("customer")
        .order_by("-created_at", "-id")
    )


def idea_comments_for_staff(*, idea: Idea) -> QuerySet[Comment]:
    """Every comment of an idea, held and hidden ones too, oldest first."""
    return idea.comments.select_related("author", "author_user", "idea").order_by(
        "created_at", "id"
    )


def categories(*, organization: Organization) -> QuerySet[Category]:
    return Category.objects.filter(organization=organization).order_by("name")


def category_by_slug(*, organization: Organization, slug: str) -> Category | None:
    if not slug:
        return None
    return Category.objects.filter(organization=organization, slug=slug).first()


def similar_ideas(
    *,
    organization: Organization,
    text: str,
    k: int = 3,
    exclude: Collection[int] = (),
    vector: Any = None,
    brief: bool = False,
) -> list[tuple[Idea, float]]:
    """The public ideas closest in meaning to ``text`` (a title being typed), best first;
    ``vector`` is ``text`` already embedded (a page that searches several kinds embeds once);
    ``brief``: only the columns of ``IDEA_BRIEF_FIELDS`` are read."""
    from sayso.intelligence import similar

    text = text.strip()
    if len(text) < SIMILAR_MIN_CHARS:
        return []
    query: dict[str, Any] = {"vector": vector} if vector is not None else {"text": text[:2000]}
    found = similar(organization=organization, kind="idea", k=k + len(exclude), **query)
    return _ranked_public(organization, found, k, exclude, brief=brief)


def similar_to_idea(*, idea: Idea, k: int = 3, brief: bool = False) -> list[tuple[Idea, float]]:
    """The public ideas closest in meaning to ``idea``, from its stored vector (no encoder on
    the idea page's path); by its title while it is not indexed yet. ``brief`` as for
    ``similar_ideas``."""
    from sayso.intelligence import ItemNotIndexed, similar

    try:
        found = similar(organization=idea.organization, kind="idea", object_id=idea.pk, k=k)
    except ItemNotIndexed:
        return similar_ideas(
            organization=idea.organization, text=idea.title, k=k, exclude=[idea.pk], brief=brief
        )
    return _ranked_public(idea.organization, found, k, [idea.pk], brief=brief)


def _ranked_public(
    organization: Organization,
    found: list[Any],
    k: int,
    exclude: Collection[int],
    *,
    brief: bool = False,
) -> list[tuple[Idea, float]]:
    scores = {
        item.object_id: item.score
        for item in found
        if item.score >= SIMILAR_MIN_SCORE and item.object_id not in exclude
    }
    if not scores:
        return []
    ideas = public_ideas(organization=organization).filter(pk__in=list(scores))
    if brief:
        ideas = ideas.only(*IDEA_BRIEF_FIELDS)
    ranked = sorted(ideas, key=lambda idea: -scores[idea.pk])
    return [(idea, scores[idea.pk]) for idea in ranked[:k]]


def spam_queue(*, organization: Organization) -> QuerySet[Comment]:
    """Comments held as spam (by the filter or by staff), newest first: staff only."""
    return (
        Comment.objects.filter(organization=organization, state=CommentState.SPAM)
        .select_related("idea", "roadmap_item", "changelog_entry", "review", "author")
        .order_by("-created_at", "-id")
    )


def held_ideas(*, organization: Organization) -> QuerySet[Idea]:
    return Idea.objects.filter(organization=organization, hidden_at__isnull=False).order_by(
        "-hidden_at"
    )


# --- the similar-item index's source -----------------------------------------------------------


def idea_texts_for_index(
    organization: Organization, object_ids: Collection[int] | None = None
) -> Iterator[SourceItem]:
    """Each public idea as its title and body; metadata status and category."""
    ideas = public_ideas(organization=organization)
    if object_ids is not None:
        ideas = ideas.filter(id__in=list(object_ids))
    rows = ideas.order_by("id").values_list("id", "title", "body", "status", "category_id")
    for idea_id, title, body, status, category_id in rows.iterator(chunk_size=2000):
        text = "\n\n".join(part for part in (title, body[:3000]) if part.strip())
        yield SourceItem(idea_id, text, {"status": status, "category_id": category_id})


def idea_count_for_index(organization: Organization) -> int:
    return public_ideas(organization=organization).count()


def questions_of_idea(*, idea: Idea) -> list[Question]:
    """The public questions staff linked to ``idea`` (shown on its page)."""
    ids = QuestionLink.objects.filter(idea=idea).values("question_id")
    return list(
        Question.objects.filter(
            organization_id=idea.organization_id,
            hidden_at__isnull=True,
            deleted_at__isnull=True,
            pk__in=ids,
        ).order_by("number")
    )
