"""Reads of the public voice, shared by the portal, the staff pages, the API and the index."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from sayso.community.models import (
    Category,
    Comment,
    CommentState,
    Flag,
    Follow,
    Idea,
    IdeaStatus,
    IdeaStatusChange,
    ModerationEntry,
    Vote,
)
from sayso.community.search import ideas_matching
from sayso.core.models import Organization
from sayso.customers.models import Customer
from sayso.intelligence.index_sources import SourceItem

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


def idea_voters(*, idea: Idea) -> QuerySet[Customer]:
    return Customer.objects.filter(idea_votes__idea=idea, merged_into__isnull=True).distinct()


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
    from sayso.intelligence.selectors import similar

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
    from sayso.intelligence.selectors import ItemNotIndexed, similar

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


def moderation_log(*, organization: Organization) -> QuerySet[ModerationEntry]:
    return (
        ModerationEntry.objects.filter(organization=organization)
        .select_related("idea", "comment", "review", "question", "answer")
        .order_by("-created_at", "-id")
    )


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


def open_flags(*, organization: Organization) -> QuerySet[Flag]:
    return (
        Flag.objects.filter(organization=organization, resolved_at__isnull=True)
        .select_related(
            "customer",
            "idea",
            "comment",
            "comment__idea",
            "review__customer",
            "question",
            "answer__question",
        )
        .order_by("-created_at", "-id")
    )


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
    from sayso.core.markup import stored_html

    field = {"roadmapitem": "roadmap_item", "changelogentry": "changelog_entry"}.get(
        target._meta.model_name, target._meta.model_name
    )
    comments = (
        Comment.objects.filter(**{field: target}, state=CommentState.VISIBLE)
        .select_related("author", "author_user")
        .order_by("created_at", "id")
    )
    return [(comment, stored_html(comment.body_html, comment.body)) for comment in comments]


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


def customer_ideas(*, organization: Organization, customer: Customer) -> QuerySet[Idea]:
    return Idea.objects.filter(organization=organization, author=customer).order_by("-created_at")


def follows_of(*, customer: Customer) -> list[tuple[Follow, str, str]]:
    """The customer's follows with a readable name and a link path for each."""
    from django.urls import reverse

    rows = list(Follow.objects.filter(customer=customer).order_by("subject"))
    idea_ids = [int(f.subject.split(":")[1]) for f in rows if f.subject.startswith("idea:")]
    ideas = {i.pk: i for i in Idea.objects.filter(pk__in=idea_ids).select_related("organization")}
    category_ids = [int(f.subject.split(":")[1]) for f in rows if f.subject.startswith("category:")]
    cats = {c.pk: c for c in Category.objects.filter(pk__in=category_ids)}
    slug = customer.organization.slug
    board = reverse("idea-board", kwargs={"org": slug})
    named: list[tuple[Follow, str, str]] = []
    for follow in rows:
        kind, _, raw = follow.subject.partition(":")
        if kind == "idea" and raw.isdigit() and int(raw) in ideas:
            idea = ideas[int(raw)]
            path = reverse("idea-detail", kwargs={"org": slug, "number": idea.number})
            named.append((follow, f"Idea #{idea.number}: {idea.title}", path))
        elif kind == "category" and raw.isdigit() and int(raw) in cats:
            named.append(
                (
                    follow,
                    f"New ideas in {cats[int(raw)].name}",
                    f"{board}?category={cats[int(raw)].slug}",
                )
            )
        elif follow.subject == "ideas":
            named.append((follow, "Every new idea", board))
        elif follow.subject == "changelog":
            named.append((follow, "The changelog", reverse("changelog", kwargs={"org": slug})))
        elif follow.subject == "roadmap":
            named.append((follow, "The roadmap", reverse("roadmap", kwargs={"org": slug})))
        elif kind == "roadmap-item" and raw.isdigit():
            path = reverse("roadmap-item", kwargs={"org": slug, "pk": int(raw)})
            named.append((follow, "A roadmap item", path))
        elif kind == "changelog-entry" and raw.isdigit():
            path = reverse("changelog-entry", kwargs={"org": slug, "pk": int(raw)})
            named.append((follow, "Comments on a changelog entry", path))
        elif kind == "question" and raw.isdigit():
            from sayso.community.models import Question

            found = Question.objects.filter(pk=int(raw)).first()
            if found is not None:
                path = reverse("question-detail", kwargs={"org": slug, "number": found.number})
                named.append((follow, f"Question: {found.title}", path))
        elif follow.subject == "questions":
            named.append((follow, "Every new question", reverse("questions", kwargs={"org": slug})))
        elif kind == "person" and raw.isdigit():
            person = Customer.objects.filter(pk=int(raw)).first()
            if person is not None:
                path = reverse("community-profile", kwargs={"org": slug, "pk": person.pk})
                named.append((follow, f"{person.public_name}'s questions and answers", path))
        elif kind == "review" and raw.isdigit():
            path = reverse("reviews", kwargs={"org": slug}) + f"#review-{raw}"
            named.append((follow, "A review's thread", path))
    return named


def comments_on_reviews(*, reviews: list[Any]) -> dict[int, list[tuple[Comment, Any]]]:
    """The public comments of several reviews in one query, each review's oldest first."""
    from sayso.core.markup import stored_html

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
