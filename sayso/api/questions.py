"""Community Q&A through the API: questions, answers, answer votes, acceptance and "me too".

A staff member's token acts; customer actions name the customer with ``customer_id`` (a vote
given in a meeting, a question asked by phone). Without ``customer_id`` the staff member asks
or answers themselves: their answer is the team's official one.
"""

from collections.abc import Callable
from typing import Any, Literal, TypeVar

from django.http import Http404, HttpRequest
from ninja import Router, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from sayso.api.auth import actor_of, organization_of, scoped
from sayso.api.idea_schemas import HideIn, RestoreIn
from sayso.api.lookups import customer_or_404, one_or_404
from sayso.api.pagination import Page
from sayso.api.question_schemas import (
    AcceptIn,
    AnswerIn,
    AnswerOut,
    AnswerVoteIn,
    MeTooIn,
    MeTooOut,
    QuestionCloseIn,
    QuestionCreateIn,
    QuestionOut,
    QuestionPatchIn,
    SearchHitOut,
    SimilarProblemsOut,
    SimilarQuestionOut,
)
from sayso.api.schemas import SearchText, SimilarCount, SimilarText, Slug, errors
from sayso.community import qa
from sayso.community.models import Answer, Product, Question
from sayso.core.models import Scope

router = Router()
answers_router = Router()
TAGS = ["questions"]
READ = Scope.QUESTIONS_READ
WRITE = Scope.QUESTIONS_WRITE
MODERATE = Scope.MODERATION
SIMILAR_MAX = 20
IDEAS_WHILE_TYPING = 3

T = TypeVar("T")


def _question_or_404(request: HttpRequest, number: int) -> Question:
    """Any question of the token's organization by number, hidden and deleted ones too (the
    services refuse what cannot be done with those)."""
    return one_or_404(request, qa.question_get, number, key="number")


def _answer_or_404(request: HttpRequest, pk: int) -> Answer:
    """An answer of the token's organization; one taken back by its author is gone."""
    answer = one_or_404(request, qa.answer_get, pk)
    if answer.deleted_at is not None:
        raise Http404()
    return answer


def _product(request: HttpRequest, slug: str) -> Product | None:
    if not slug:
        return None
    product = (
        qa.products(organization=organization_of(request)).filter(slug=_text(slug, 120)).first()
    )
    if product is None:
        raise HttpError(400, f"No product “{slug[:120]}”.")
    return product


def _allowed(action: Callable[[], T]) -> T:
    """The service's refusal of someone who may not do this (a customer accepting an answer
    to another person's question) is a 403 that says why."""
    try:
        return action()
    except PermissionError as exc:
        raise HttpError(403, str(exc)) from exc


def _text(value: str, limit: int) -> str:
    """A query parameter as the selectors take it (PostgreSQL refuses NUL characters)."""
    return value.replace("\x00", "")[:limit]


def _filters(
    sort: str = "new", tag: str = "", product: str = "", solved: str = "", q: str = ""
) -> qa.QuestionFilters:
    return qa.QuestionFilters(
        sort=sort,
        tag=_text(tag, 40),
        product=_text(product, 120),
        solved=solved,
        query=_text(q, 200),
    )


def _k(k: int) -> int:
    return max(1, min(k, SIMILAR_MAX))


# --- lists, search, similar --------------------------------------------------------------------


@router.get(
    "",
    response={200: list[QuestionOut], **errors(401, 403, 422)},
    operation_id="questions_list",
    summary="List questions",
    tags=TAGS,
    **scoped(READ, "question.read"),
)
@paginate(Page, max_limit=200)
def questions_list(
    request: HttpRequest,
    sort: Literal["new", "active", "affected", "unanswered"] = "new",
    tag: Slug = "",
    product: Slug = "",
    solved: Literal["yes", "no", ""] = "",
    q: SearchText = "",
) -> Any:
    """The public questions: `new`, `active` (latest answer first), `affected` (most people
    with the problem) or `unanswered`; `tag` and `product` are slugs, `solved` is `yes` or
    `no`, and `q` keeps those whose title, body or a public answer has every word."""
    return qa.question_list(
        organization=organization_of(request),
        filters=_filters(sort, tag, product, solved, q),
    ).select_related("organization", "author", "author_user")


@router.get(
    "/search",
    response={200: list[SearchHitOut], **errors(401, 403, 422)},
    operation_id="questions_search",
    summary="Search questions, answers and ideas",
    tags=TAGS,
    **scoped(READ, "question.read"),
)
def questions_search(
    request: HttpRequest,
    q: SearchText,
    tag: Slug = "",
    product: Slug = "",
    solved: Literal["yes", "no", ""] = "",
) -> list[dict[str, Any]]:
    """Questions (their answers included) and ideas, by words and by meaning: those found
    both ways first. Ideas are left out when `tag`, `product` or `solved` is set."""
    hits = qa.search(
        organization=organization_of(request),
        filters=_filters(tag=tag, product=product, solved=solved, q=q),
    )
    return [
        {
            "kind": hit.kind,
            "number": hit.item.number,
            "title": hit.item.title,
            "score": round(hit.score, 4),
            "by_words": hit.by_words,
            "solved": hit.item.is_solved if hit.kind == "question" else None,
        }
        for hit in hits
    ]


@router.get(
    "/similar",
    response={200: SimilarProblemsOut, **errors(401, 403, 422)},
    operation_id="questions_similar",
    summary="Questions, ideas and status incidents similar in meaning to a text",
    tags=TAGS,
    **scoped(READ, "question.read"),
)
def questions_similar(
    request: HttpRequest, text: SimilarText, k: SimilarCount = 5
) -> dict[str, Any]:
    """What the question form shows while someone types a title: up to `k` public questions
    (solved ones first), up to three ideas, and up to two status incidents in progress or
    recently resolved."""
    organization = organization_of(request)
    text = _text(text, 2000)
    found = qa.similar_as_you_type(
        organization=organization,
        text=text,
        questions_k=_k(k),
        ideas_k=min(_k(k), IDEAS_WHILE_TYPING),
    )
    return {
        "questions": [{"question": q, "score": round(score, 4)} for q, score in found.questions],
        "ideas": [{"idea": idea, "score": round(score, 4)} for idea, score in found.ideas],
        "incidents": [
            {"incident": incident, "score": round(score, 4)} for incident, score in found.incidents
        ],
    }


# --- a question --------------------------------------------------------------------------------


@router.get(
    "/{int:number}",
    response={200: QuestionOut, **errors(401, 403, 404, 422)},
    operation_id="questions_get",
    summary="Get a question",
    tags=TAGS,
    **scoped(READ, "question.read"),
)
def questions_get(request: HttpRequest, number: int) -> Question:
    return _question_or_404(request, number)


@router.get(
    "/{int:number}/similar",
    response={200: list[SimilarQuestionOut], **errors(401, 403, 404, 422)},
    operation_id="questions_similar_to",
    summary="Questions similar to a question",
    tags=TAGS,
    **scoped(READ, "question.read"),
)
def questions_similar_to(
    request: HttpRequest, number: int, k: SimilarCount = 5
) -> list[dict[str, Any]]:
    """The "similar problems" of the question's page: solved ones first."""
    question = _question_or_404(request, number)
    found = qa.similar_to_question(question=question, k=_k(k))
    return [{"question": q, "score": round(score, 4)} for q, score in found]


@router.post(
    "",
    response={201: QuestionOut, 200: QuestionOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="questions_create",
    summary="Ask a question",
    tags=TAGS,
    **scoped(WRITE, "question.write"),
)
def questions_create(request: HttpRequest, payload: QuestionCreateIn) -> Status[Question]:
    """Sending the same question again within minutes returns the first one (200). A question
    the spam filter holds is created hidden (`hidden`)."""
    organization = organization_of(request)
    product = _product(request, payload.product)
    if payload.customer_id is not None:
        customer = customer_or_404(request, payload.customer_id, field="customer_id")
        question, created = qa.question_ask(
            organization=organization,
            author=customer,
            title=payload.title,
            body=payload.body,
            product=product,
            tags=payload.tags,
        )
    else:
        question, created = qa.question_ask(
            organization=organization,
            author_user=actor_of(request),
            title=payload.title,
            body=payload.body,
            product=product,
            tags=payload.tags,
        )
    return Status(201 if created else 200, question)


@router.patch(
    "/{int:number}",
    response={200: QuestionOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="questions_update",
    summary="Edit a question",
    tags=TAGS,
    **scoped(WRITE, "question.write"),
)
def questions_update(request: HttpRequest, number: int, payload: QuestionPatchIn) -> Question:
    """Fields left out stay as they are."""
    question = _question_or_404(request, number)
    product = (
        _product(request, payload.product) if payload.product is not None else question.product
    )
    tags = payload.tags if payload.tags is not None else [t.name for t in question.tags.all()]
    return _allowed(
        lambda: qa.question_update(
            question=question,
            title=payload.title if payload.title is not None else question.title,
            body=payload.body if payload.body is not None else question.body,
            product=product,
            tags=tags,
            actor=actor_of(request),
        )
    )


@router.post(
    "/{int:number}/close",
    response={200: QuestionOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="questions_close",
    summary="Close a question to new answers, with a public reason",
    tags=TAGS,
    **scoped(WRITE, "question.moderate"),
)
def questions_close(request: HttpRequest, number: int, payload: QuestionCloseIn) -> Question:
    return qa.question_close(
        question=_question_or_404(request, number), reason=payload.reason, actor=actor_of(request)
    )


@router.post(
    "/{int:number}/reopen",
    response={200: QuestionOut, **errors(400, 401, 403, 404, 422)},
    operation_id="questions_reopen",
    summary="Reopen a closed question",
    tags=TAGS,
    **scoped(WRITE, "question.moderate"),
)
def questions_reopen(request: HttpRequest, number: int) -> Question:
    return qa.question_reopen(question=_question_or_404(request, number), actor=actor_of(request))


# --- answers -----------------------------------------------------------------------------------


@router.get(
    "/{int:number}/answers",
    response={200: list[AnswerOut], **errors(401, 403, 404, 422)},
    operation_id="questions_answers_list",
    summary="List a question's answers",
    tags=TAGS,
    **scoped(READ, "question.read"),
)
@paginate(Page, max_limit=500)
def questions_answers_list(request: HttpRequest, number: int, include_held: bool = False) -> Any:
    """Accepted answers first, then by score, then oldest first; `include_held` adds those
    held as spam or hidden."""
    question = _question_or_404(request, number)
    answers = qa.answers_of(question=question, include_held=include_held)
    return answers.select_related("question")


@router.post(
    "/{int:number}/answers",
    response={201: AnswerOut, 200: AnswerOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="questions_answers_create",
    summary="Answer a question",
    tags=TAGS,
    **scoped(WRITE, "question.write"),
)
def questions_answers_create(
    request: HttpRequest, number: int, payload: AnswerIn
) -> Status[Answer]:
    """Public at once unless the spam filter holds it (`state` says which). The same answer
    from the same author again returns the first (200). A closed, hidden or deleted question
    takes no answers (400)."""
    question = _question_or_404(request, number)
    if payload.customer_id is not None:
        customer = customer_or_404(request, payload.customer_id, field="customer_id")
        answer, created = qa.answer_post(question=question, author=customer, body=payload.body)
    else:
        answer, created = qa.answer_post(
            question=question, author_user=actor_of(request), body=payload.body
        )
    return Status(201 if created else 200, answer)


@answers_router.post(
    "/{int:answer_id}/votes",
    response={200: AnswerOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="answers_vote",
    summary="Record a customer's vote on an answer",
    tags=TAGS,
    **scoped(WRITE, "question.write"),
)
def answers_vote(request: HttpRequest, answer_id: int, payload: AnswerVoteIn) -> Answer:
    """Up (1), down (-1) or withdrawn (0); voting the same way again changes nothing. Nobody
    votes on their own answer (400)."""
    answer = _answer_or_404(request, answer_id)
    customer = customer_or_404(request, payload.customer_id, field="customer_id")
    return qa.answer_vote(answer=answer, customer=customer, value=payload.value)


def _accepting(request: HttpRequest, payload: AcceptIn | None) -> dict[str, Any]:
    if payload is not None and payload.customer_id is not None:
        return {"customer": customer_or_404(request, payload.customer_id, field="customer_id")}
    return {"actor": actor_of(request)}


@answers_router.post(
    "/{int:answer_id}/accept",
    response={200: AnswerOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="answers_accept",
    summary="Accept an answer as a solution",
    tags=TAGS,
    **scoped(WRITE, "answer.accept"),
)
def answers_accept(request: HttpRequest, answer_id: int, payload: AcceptIn | None = None) -> Answer:
    """With `customer_id`, that customer accepts and must be the one who asked (403
    otherwise); without it you accept for the team. Several answers may be accepted; accepting
    again changes nothing. Everyone with the problem and every follower is told."""
    answer = _answer_or_404(request, answer_id)
    who = _accepting(request, payload)
    accepted, _ = _allowed(lambda: qa.answer_accept(answer=answer, **who))
    return accepted


@answers_router.post(
    "/{int:answer_id}/unaccept",
    response={200: AnswerOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="answers_unaccept",
    summary="Take back an answer's acceptance",
    tags=TAGS,
    **scoped(WRITE, "answer.accept"),
)
def answers_unaccept(
    request: HttpRequest, answer_id: int, payload: AcceptIn | None = None
) -> Answer:
    """Who may: as for accepting."""
    answer = _answer_or_404(request, answer_id)
    who = _accepting(request, payload)
    unaccepted, _ = _allowed(lambda: qa.answer_unaccept(answer=answer, **who))
    return unaccepted


# --- "me too" ----------------------------------------------------------------------------------


@router.get(
    "/{int:number}/me-too",
    response={200: MeTooOut, **errors(401, 403, 404, 422)},
    operation_id="questions_me_too_get",
    summary="Who has the same problem",
    tags=TAGS,
    **scoped(READ, "question.read"),
)
def questions_me_too_get(request: HttpRequest, number: int) -> dict[str, Any]:
    """How many people said they have the problem, and those of them (and the asker) who chose
    to be visible in the community."""
    question = _question_or_404(request, number)
    return {
        "count": question.me_too_count,
        "people": qa.people_with_problem(question=question),
    }


@router.post(
    "/{int:number}/me-too",
    response={201: QuestionOut, 200: QuestionOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="questions_me_too",
    summary="Record that a customer has the same problem",
    tags=TAGS,
    **scoped(WRITE, "question.write"),
)
def questions_me_too(request: HttpRequest, number: int, payload: MeTooIn) -> Status[Question]:
    """Marking follows the question (201); marking again changes nothing (200).
    `has_problem: false` takes the mark back (200)."""
    question = _question_or_404(request, number)
    customer = customer_or_404(request, payload.customer_id, field="customer_id")
    changed = qa.me_too(question=question, customer=customer, has_problem=payload.has_problem)
    question.refresh_from_db()
    return Status(201 if changed and payload.has_problem else 200, question)


# --- moderation ------------------------------------------------------------------------------


@router.post(
    "/{int:number}/hide",
    response={200: QuestionOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="questions_hide",
    summary="Hide a question (spam, abuse or personal data)",
    tags=["moderation"],
    **scoped(MODERATE, "question.moderate"),
)
def questions_hide(request: HttpRequest, number: int, payload: HideIn) -> Question:
    """Nothing is hidden for being critical; the public moderation log shows the reason."""
    return qa.question_hide(
        question=_question_or_404(request, number),
        category=payload.category,
        explanation=payload.explanation,
        actor=actor_of(request),
    )


@router.post(
    "/{int:number}/restore",
    response={200: QuestionOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="questions_restore",
    summary="Publish a hidden question again",
    tags=["moderation"],
    **scoped(MODERATE, "question.moderate"),
)
def questions_restore(request: HttpRequest, number: int, payload: RestoreIn) -> Question:
    return qa.question_restore(
        question=_question_or_404(request, number),
        reason=payload.reason,
        actor=actor_of(request),
    )


@answers_router.post(
    "/{int:answer_id}/hide",
    response={200: AnswerOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="answers_hide",
    summary="Hide an answer (spam, abuse or personal data)",
    tags=["moderation"],
    **scoped(MODERATE, "question.moderate"),
)
def answers_hide(request: HttpRequest, answer_id: int, payload: HideIn) -> Answer:
    return qa.answer_hide(
        answer=_answer_or_404(request, answer_id),
        category=payload.category,
        explanation=payload.explanation,
        actor=actor_of(request),
    )


@answers_router.post(
    "/{int:answer_id}/restore",
    response={200: AnswerOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="answers_restore",
    summary="Publish a held or hidden answer (a spam-filter false positive)",
    tags=["moderation"],
    **scoped(MODERATE, "question.moderate"),
)
def answers_restore(request: HttpRequest, answer_id: int, payload: RestoreIn) -> Answer:
    return qa.answer_restore(
        answer=_answer_or_404(request, answer_id),
        reason=payload.reason,
        actor=actor_of(request),
    )
