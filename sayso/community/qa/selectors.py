"""Every read of community Q&A: the question list and its filters, a question's answers,
similar problems by meaning (solved first), the people with a problem, profiles, staff queues,
links, and search across questions, answers and ideas."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from sayso.community.ideas.selectors import (
    SIMILAR_MIN_CHARS,
    SIMILAR_MIN_SCORE,
    public_ideas,
    similar_ideas,
)
from sayso.community.models import (
    Answer,
    AnswerVote,
    CommentState,
    CommunityProfile,
    Idea,
    MeToo,
    Product,
    Question,
    QuestionLink,
    QuestionState,
    Tag,
)
from sayso.community.sections import SIMILAR_PROBLEMS
from sayso.conversations.search import fts5_query, pg_tsquery
from sayso.core.models import Organization
from sayso.customers.models import Customer
from sayso.intelligence import SourceItem

SORTS = ("new", "active", "affected", "unanswered")
CANDIDATES = 24  # meaning-neighbours read before re-ranking solved ones first
# What a list of similar problems shows of a question (pages read only these; the API reads
# whole rows).
BRIEF_FIELDS = ("number", "title", "accepted_count", "answer_count", "me_too_count", "author")


@dataclass(frozen=True)
class QuestionFilters:
    sort: str = "new"
    tag: str = ""
    product: str = ""
    solved: str = ""  # "yes", "no" or "" (either)
    query: str = ""


def public_questions(*, organization: Organization) -> QuerySet[Question]:
    return Question.objects.filter(
        organization=organization, hidden_at__isnull=True, deleted_at__isnull=True
    )


def _filtered(
    questions: QuerySet[Question], organization: Organization, filters: QuestionFilters
) -> QuerySet[Question]:
    if filters.tag:
        questions = questions.filter(tags__organization=organization, tags__slug=filters.tag)
    if filters.product:
        questions = questions.filter(
            product__organization=organization, product__slug=filters.product
        )
    if filters.solved == "yes":
        questions = questions.filter(accepted_count__gt=0)
    elif filters.solved == "no":
        questions = questions.filter(accepted_count=0)
    return questions


def question_list(*, organization: Organization, filters: QuestionFilters) -> QuerySet[Question]:
    """The public questions, filtered and sorted: ``new``, ``active`` (latest answer),
    ``affected`` (most people with the problem) or ``unanswered``."""
    questions = _filtered(public_questions(organization=organization), organization, filters)
    if filters.query:
        questions = questions.filter(pk__in=_question_ids_matching(organization.pk, filters.query))
    if filters.sort == "affected":
        questions = questions.order_by("-me_too_count", "-id")
    elif filters.sort == "active":
        questions = questions.order_by("-last_activity_at", "-id")
    elif filters.sort == "unanswered":
        questions = questions.filter(answer_count=0).order_by("-created_at", "-id")
    else:
        questions = questions.order_by("-created_at", "-id")
    return questions.select_related("product").prefetch_related("tags")


def question_get(*, organization: Organization, number: int) -> Question | None:
    question = (
        Question.objects.filter(organization=organization, number=number)
        .select_related("product", "author", "author_user")
        .prefetch_related("tags")
        .first()
    )
    if question is not None:
        question.organization = organization  # the one asked for: no second read of it
    return question


def answers_of(*, question: Question, include_held: bool = False) -> QuerySet[Answer]:
    """A question's answers: accepted ones first, then by score, then oldest first. Staff
    (``include_held``) also see those held as spam or hidden."""
    answers = Answer.objects.filter(question=question, deleted_at__isnull=True)
    if not include_held:
        answers = answers.filter(state=CommentState.VISIBLE)
    return answers.select_related("author", "author_user").order_by(
        F("accepted_at").asc(nulls_last=True), "-score", "created_at", "id"
    )


def accepted_answers(*, question: Question) -> list[Answer]:
    """The public accepted answers of a question, first accepted first (few: pinned on top of
    its page)."""
    return list(
        Answer.objects.filter(
            question=question,
            state=CommentState.VISIBLE,
            deleted_at__isnull=True,
            accepted_at__isnull=False,
        )
        .select_related("author", "author_user")
        .order_by("accepted_at", "id")
    )


def other_answers(*, question: Question) -> QuerySet[Answer]:
    """The public answers not accepted, best first (score, then oldest): one page of a busy
    question reads its rows in the order of the ``answer_page_order`` index."""
    return (
        Answer.objects.filter(
            question=question,
            state=CommentState.VISIBLE,
            deleted_at__isnull=True,
            accepted_at__isnull=True,
        )
        .select_related("author", "author_user")
        .order_by("-score", "created_at", "id")
    )


def answer_get(*, organization: Organization, pk: int) -> Answer | None:
    return (
        Answer.objects.filter(organization=organization, pk=pk)
        .select_related("question__organization", "author")
        .first()
    )


def answer_votes_of(*, customer: Customer | None, answers: Collection[int]) -> dict[int, int]:
    if customer is None or not answers:
        return {}
    return dict(
        AnswerVote.objects.filter(customer=customer, answer_id__in=list(answers)).values_list(
            "answer_id", "value"
        )
    )


def has_problem(*, customer: Customer | None, question: Question) -> bool:
    if customer is None:
        return False
    return MeToo.objects.filter(question=question, customer=customer).exists()


def people_with_problem(*, question: Question, limit: int = 50) -> list[Customer]:
    """Those who have the same problem and chose to be visible (the asker first when they
    did)."""
    # A join from this question's rows (the (question, created_at) index), not an IN over
    # every visible profile: SQLite plans the IN from the profiles, reading all of them on
    # every view (bench/qa.py, docs/performance.md).
    ids = list(
        MeToo.objects.filter(question=question, customer__community_profile__visible=True)
        .order_by("created_at")
        .values_list("customer_id", flat=True)[:limit]
    )
    author = question.author_id
    if (
        author is not None
        and author not in ids
        and CommunityProfile.objects.filter(customer_id=author, visible=True).exists()
    ):
        ids.insert(0, author)
    people = Customer.objects.in_bulk(ids)
    return [people[pk] for pk in ids if pk in people and people[pk].merged_into_id is None]


def is_visible(customer: Customer) -> bool:
    return CommunityProfile.objects.filter(customer=customer, visible=True).exists()


def reputation_of(customer: Customer) -> int:
    profile = CommunityProfile.objects.filter(customer=customer).first()
    return profile.reputation if profile is not None else 0


def reputations(customer_ids: Collection[int]) -> dict[int, int]:
    return dict(
        CommunityProfile.objects.filter(customer_id__in=list(customer_ids)).values_list(
            "customer_id", "reputation"
        )
    )


# --- similar problems ------------------------------------------------------------------------


def _solved_first(
    organization: Organization,
    found: list[Any],
    k: int,
    exclude: Collection[int],
    *,
    brief: bool = False,
) -> list[tuple[Question, float]]:
    scores = {
        item.object_id: item.score
        for item in found
        if item.score >= SIMILAR_MIN_SCORE and item.object_id not in exclude
    }
    if not scores:
        return []
    questions = public_questions(organization=organization).filter(pk__in=list(scores))
    if brief:
        questions = questions.only(*BRIEF_FIELDS)
    ranked = sorted(questions, key=lambda q: (not q.is_solved, -scores[q.pk]))
    return [(q, scores[q.pk]) for q in ranked[:k]]


def similar_questions(
    *,
    organization: Organization,
    text: str,
    k: int = 5,
    exclude: Collection[int] = (),
    vector: Any = None,
    brief: bool = False,
) -> list[tuple[Question, float]]:
    """The public questions closest in meaning to ``text`` (a title being typed): solved ones
    first, then the rest, each group best first. ``vector`` is ``text`` already embedded;
    ``brief``: only the columns of ``BRIEF_FIELDS`` are read."""
    from sayso.intelligence import similar

    text = text.strip()
    if len(text) < SIMILAR_MIN_CHARS:
        return []
    query: dict[str, Any] = {"vector": vector} if vector is not None else {"text": text[:2000]}
    found = similar(
        organization=organization,
        kind="question",
        k=max(CANDIDATES, k) + len(exclude),
        **query,
    )
    return _solved_first(organization, found, k, exclude, brief=brief)


def similar_to_question(
    *, question: Question, k: int = 5, brief: bool = False
) -> list[tuple[Question, float]]:
    """The "similar problems" of a question's page, from its stored vector (no encoder on the
    page's path); by its title while it is not indexed yet. ``brief`` as for
    ``similar_questions``."""
    from sayso.intelligence import ItemNotIndexed, similar

    try:
        found = similar(
            organization=question.organization,
            kind="question",
            object_id=question.pk,
            k=max(CANDIDATES, k) + 1,
        )
    except ItemNotIndexed:
        return similar_questions(
            organization=question.organization,
            text=question.title,
            k=k,
            exclude=[question.pk],
            brief=brief,
        )
    return _solved_first(question.organization, found, k, [question.pk], brief=brief)


@dataclass(frozen=True)
class SimilarProblems:
    questions: list[tuple[Question, float]]
    ideas: list[tuple[Idea, float]]
    incidents: list[tuple[Any, float]] = field(default_factory=list)


def similar_as_you_type(
    *,
    organization: Organization,
    text: str,
    questions_k: int = 5,
    ideas_k: int = 3,
    incidents_k: int = 2,
    brief: bool = False,
) -> SimilarProblems:
    """What the question form shows while someone types: similar questions (solved first),
    similar ideas, and status incidents open or recently resolved that match, from one
    embedding of the text. ``brief``: the questions and ideas with only the columns a list
    shows (``BRIEF_FIELDS``, ``community.ideas.selectors.IDEA_BRIEF_FIELDS``)."""
    from sayso.intelligence import embed

    text = text.strip()[:2000]
    if len(text) < SIMILAR_MIN_CHARS:
        return SimilarProblems(questions=[], ideas=[])
    vector = embed([text])[0]
    return SimilarProblems(
        questions=similar_questions(
            organization=organization, text=text, k=questions_k, vector=vector, brief=brief
        ),
        ideas=similar_ideas(
            organization=organization, text=text, k=ideas_k, vector=vector, brief=brief
        ),
        # Open or recently resolved incidents that match (status registers them).
        incidents=SIMILAR_PROBLEMS.context(
            organization=organization, text=text, k=incidents_k, vector=vector
        ).get("incidents", []),
    )


# --- staff views -----------------------------------------------------------------------------


def unanswered_queue(*, organization: Organization, now: Any = None) -> QuerySet[Question]:
    """Open public questions with no public answer, older than
    ``SAYSO_QA_UNANSWERED_AFTER_HOURS``: most people affected first, then oldest."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.SAYSO_QA_UNANSWERED_AFTER_HOURS)
    return (
        public_questions(organization=organization)
        .filter(answer_count=0, state=QuestionState.OPEN, created_at__lte=cutoff)
        .select_related("author", "product")
        .order_by("-me_too_count", "created_at", "id")
    )


def most_affecting(*, organization: Organization) -> QuerySet[Question]:
    """Unsolved open questions ranked by how many people have the problem."""
    return (
        public_questions(organization=organization)
        .filter(accepted_count=0, state=QuestionState.OPEN)
        .select_related("author", "product")
        .order_by("-me_too_count", "-id")
    )


def held_questions(*, organization: Organization) -> QuerySet[Question]:
    """Questions hidden by staff or held by the spam filter, newest first: staff only."""
    return Question.objects.filter(organization=organization, hidden_at__isnull=False).order_by(
        "-hidden_at", "-id"
    )


def held_answers(*, organization: Organization) -> QuerySet[Answer]:
    """Answers held as spam or hidden, newest first: staff only."""
    return (
        Answer.objects.filter(organization=organization, deleted_at__isnull=True)
        .exclude(state=CommentState.VISIBLE)
        .select_related("question", "author")
        .order_by("-created_at", "-id")
    )


# --- links -----------------------------------------------------------------------------------


def links_of_question(*, question: Question, staff: bool) -> list[QuestionLink]:
    """A question's links: its ideas (public ones) and incidents, for everyone, and its cases
    (staff only)."""
    links = QuestionLink.objects.filter(question=question).select_related(
        "idea", "case", "incident"
    )
    if not staff:
        links = links.filter(case__isnull=True, idea__merged_into__isnull=True).filter(
            idea__hidden_at__isnull=True
        )
    return list(links.order_by("created_at", "id"))


def questions_of_incident(*, incident: Any) -> list[Question]:
    ids = QuestionLink.objects.filter(incident=incident).values("question_id")
    return list(
        public_questions(organization=incident.organization).filter(pk__in=ids).order_by("number")
    )


def questions_of_case(*, case: Any) -> list[Question]:
    ids = QuestionLink.objects.filter(case=case).values("question_id")
    return list(Question.objects.filter(organization_id=case.organization_id, pk__in=ids))


# --- profiles --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    customer: Customer
    reputation: int
    questions: list[Question]
    answers: list[Answer]
    ideas: list[Idea]
    accepted: int


def profile(*, organization: Organization, customer: Customer, limit: int = 50) -> Profile:
    """A person's public side: their public questions, answers to public questions and
    public ideas — never their cases or anything private."""
    questions = list(
        public_questions(organization=organization)
        .filter(author=customer)
        .order_by("-created_at")[:limit]
    )
    answers = list(
        Answer.objects.filter(
            organization=organization,
            author=customer,
            state=CommentState.VISIBLE,
            deleted_at__isnull=True,
            question__hidden_at__isnull=True,
            question__deleted_at__isnull=True,
        )
        .select_related("question")
        .order_by("-created_at")[:limit]
    )
    ideas = list(
        public_ideas(organization=organization)
        .filter(author=customer)
        .order_by("-created_at")[:limit]
    )
    accepted = Answer.objects.filter(
        author=customer,
        state=CommentState.VISIBLE,
        deleted_at__isnull=True,
        accepted_at__isnull=False,
    ).count()
    return Profile(customer, reputation_of(customer), questions, answers, ideas, accepted)


def profile_customer(*, organization: Organization, pk: int) -> Customer | None:
    """A customer whose profile is public: anyone who posted publicly or chose to be
    visible (merged-away records redirect to their survivor's profile in the view)."""
    return Customer.objects.filter(organization=organization, pk=pk).first()


# --- search ----------------------------------------------------------------------------------


_Q_SQLITE = "SELECT rowid FROM community_question_fts WHERE community_question_fts MATCH %s"
_A_SQLITE = (
    "SELECT a.question_id FROM community_answer_fts f JOIN community_answer a "
    "ON a.id = f.rowid WHERE community_answer_fts MATCH %s AND a.state = 'visible' "
    "AND a.deleted_at IS NULL"
)
_Q_PG = (
    "SELECT id FROM community_question WHERE organization_id = %s AND "
    "to_tsvector('simple', title || ' ' || body) @@ to_tsquery('simple', %s)"
)
_A_PG = (
    "SELECT question_id FROM community_answer WHERE organization_id = %s AND "
    "state = 'visible' AND deleted_at IS NULL AND "
    "to_tsvector('simple', body) @@ to_tsquery('simple', %s)"
)


def _question_ids_matching(organization_id: int, text: str) -> Any:
    """The ids of questions whose title, body or one of whose public answers has every word
    of ``text`` (the last as a prefix)."""
    text = text.strip()[:200]
    if connection.vendor == "sqlite" and (query := fts5_query(text)):
        own = Question.objects.filter(pk__in=RawSQL(_Q_SQLITE, (query,)))  # noqa: S611
        via = Question.objects.filter(pk__in=RawSQL(_A_SQLITE, (query,)))  # noqa: S611
    elif connection.vendor == "postgresql" and (tsquery := pg_tsquery(text)):
        own = Question.objects.filter(
            pk__in=RawSQL(_Q_PG, (organization_id, tsquery))  # noqa: S611
        )
        via = Question.objects.filter(
            pk__in=RawSQL(_A_PG, (organization_id, tsquery))  # noqa: S611
        )
    else:
        plain = Q(title__icontains=text) | Q(body__icontains=text)
        answered = Answer.objects.filter(
            body__icontains=text, state=CommentState.VISIBLE, deleted_at__isnull=True
        ).values("question_id")
        return Question.objects.filter(plain | Q(pk__in=answered)).values("pk")
    return (own | via).filter(organization_id=organization_id).values("pk")


@dataclass(frozen=True)
class SearchHit:
    kind: str  # "question" or "idea"
    item: Any
    score: float  # meaning similarity (0 when found by words only)
    by_words: bool


def search(
    *, organization: Organization, filters: QuestionFilters, limit: int = 30
) -> list[SearchHit]:
    """Questions (with their answers) and ideas matching ``filters.query`` by words or by
    meaning. Items found both ways come first, then by meaning. Tag, product and solved
    filters apply to questions; ideas are left out when one is set (ideas have none)."""
    from sayso.community.ideas.search import ideas_matching
    from sayso.intelligence import embed, similar

    text = filters.query.strip()[:200]
    if not text:
        return []
    questions = _filtered(public_questions(organization=organization), organization, filters)
    word_ids = set(
        questions.filter(pk__in=_question_ids_matching(organization.pk, text)).values_list(
            "pk", flat=True
        )[: limit * 4]
    )
    meaning: dict[int, float] = {}
    vector = embed([text])[0] if len(text) >= SIMILAR_MIN_CHARS else None
    if vector is not None:
        found = similar(organization=organization, kind="question", vector=vector, k=limit * 2)
        meaning = {i.object_id: i.score for i in found if i.score >= SIMILAR_MIN_SCORE}
    rows = questions.filter(pk__in=word_ids | set(meaning)).select_related("product")
    hits = [
        SearchHit("question", q, meaning.get(q.pk, 0.0), q.pk in word_ids)
        for q in rows.prefetch_related("tags")
    ]
    if not (filters.tag or filters.product or filters.solved):
        ideas = public_ideas(organization=organization)
        idea_words = set(
            ideas_matching(ideas=ideas, organization_id=organization.pk, text=text).values_list(
                "pk", flat=True
            )[: limit * 2]
        )
        idea_meaning: dict[int, float] = {}
        if vector is not None:
            found = similar(organization=organization, kind="idea", vector=vector, k=limit)
            idea_meaning = {i.object_id: i.score for i in found if i.score >= SIMILAR_MIN_SCORE}
        for idea in ideas.filter(pk__in=idea_words | set(idea_meaning)):
            hits.append(
                SearchHit("idea", idea, idea_meaning.get(idea.pk, 0.0), idea.pk in idea_words)
            )
    hits.sort(
        key=lambda h: (
            -(h.by_words and h.score > 0),
            -h.score,
            -getattr(h.item, "accepted_count", 0),
            -h.item.pk,
        )
    )
    return hits[:limit]


# --- lists for forms -------------------------------------------------------------------------


def tags(*, organization: Organization) -> QuerySet[Tag]:
    return Tag.objects.filter(organization=organization).order_by("name")


def tag_by_slug(*, organization: Organization, slug: str) -> Tag | None:
    return Tag.objects.filter(organization=organization, slug=slug).first() if slug else None


def products(*, organization: Organization) -> QuerySet[Product]:
    return Product.objects.filter(organization=organization).order_by("name")


# --- the similar-item index's source -----------------------------------------------------------


def question_texts_for_index(
    organization: Organization, object_ids: Collection[int] | None = None
) -> Iterator[SourceItem]:
    """Each public question as its title and body; metadata solved and product."""
    questions = public_questions(organization=organization)
    if object_ids is not None:
        questions = questions.filter(id__in=list(object_ids))
    rows = questions.order_by("id").values_list(
        "id", "title", "body", "accepted_count", "product_id"
    )
    for question_id, title, body, accepted, product_id in rows.iterator(chunk_size=2000):
        text = "\n\n".join(part for part in (title, body[:3000]) if part.strip())
        yield SourceItem(question_id, text, {"solved": accepted > 0, "product_id": product_id})


def question_count_for_index(organization: Organization) -> int:
    return public_questions(organization=organization).count()
