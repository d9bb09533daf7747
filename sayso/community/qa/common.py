"""What the Q&A services share: follow subjects, a question's path, its locks and checks, and
its counts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.urls import reverse

from sayso.community.models import (
    Answer,
    CommentState,
    MeToo,
    Question,
)
from sayso.customers.models import Customer

REPEAT_WINDOW = timedelta(minutes=10)  # a re-submitted question form returns the first one


NEW_QUESTIONS = "questions"


def question_subject(question: Question | int) -> str:
    return f"question:{question if isinstance(question, int) else question.pk}"


def person_subject(customer: Customer | int) -> str:
    return f"person:{customer if isinstance(customer, int) else customer.pk}"


def question_path(question: Question) -> str:
    return reverse(
        "question-detail", kwargs={"org": question.organization.slug, "number": question.number}
    )


def question_index_later(question: Question) -> None:
    from sayso.intelligence import index_item_later

    index_item_later(organization=question.organization, kind="question", object_id=question.pk)


def question_locked(question: Question) -> Question:
    return Question.objects.select_for_update().get(pk=question.pk)


def question_public_check(question: Question, action: str) -> None:
    if question.deleted_at is not None:
        raise ValidationError(f"This question was deleted; you cannot {action}.")
    if question.hidden_at is not None:
        raise ValidationError(f"This question was hidden by the moderators; you cannot {action}.")


def author_filter(author: Customer | None, author_user: Any) -> dict[str, Any]:
    return {"author": author} if author is not None else {"author_user": author_user}


def one_author(author: Customer | None, author_user: Any, what: str) -> None:
    if (author is None) == (author_user is None):
        raise ValueError(f"{what} has either a customer or a staff member as its author.")


def question_recount(question: Question) -> None:
    answers = Answer.objects.filter(
        question=question, state=CommentState.VISIBLE, deleted_at__isnull=True
    )
    counts = answers.aggregate(
        total=Count("id"), accepted=Count("id", filter=Q(accepted_at__isnull=False))
    )
    first_accepted = answers.filter(accepted_at__isnull=False).order_by("accepted_at").first()
    question.answer_count = counts["total"]
    question.accepted_count = counts["accepted"]
    question.solved_at = first_accepted.accepted_at if first_accepted is not None else None
    question.me_too_count = MeToo.objects.filter(
        question=question, customer__merged_into__isnull=True
    ).count()
    question.save(
        update_fields=["answer_count", "accepted_count", "solved_at", "me_too_count", "updated_at"]
    )
