"""Every write of an answer: posting, deleting, votes, acceptance, hiding and restoring."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from sayso.community.common import (
    customer_active_check,
    digest,
    same_organization,
)
from sayso.community.following import Event, announce
from sayso.community.models import (
    REASON_MAX,
    Answer,
    AnswerVote,
    CommentState,
    Flag,
    MeToo,
    ModerationAction,
    Question,
    QuestionState,
)
from sayso.community.moderation import (
    HideReason,
    hide_reason,
    moderation_record,
    staff_role,
)
from sayso.community.posting import Published, post_publish, post_screen
from sayso.community.qa.common import (
    author_filter,
    one_author,
    person_subject,
    question_index_later,
    question_locked,
    question_path,
    question_public_check,
    question_recount,
    question_subject,
)
from sayso.community.qa.people import reputation_recount
from sayso.core.markup import plain_text, render_markdown
from sayso.core.text_input import clean_text
from sayso.customers.models import Customer

ANSWER_MAX = 20_000


# --- answers ---------------------------------------------------------------------------------


@transaction.atomic
def answer_post(
    *,
    question: Question,
    body: str,
    author: Customer | None = None,
    author_user: Any = None,
) -> tuple[Answer, bool]:
    """Answer a question; public at once unless the spam filter holds it. A staff member's
    answer is official. Returns (answer, created): the same person posting the same answer
    again gets the first back."""
    one_author(author, author_user, "An answer")
    same_organization(question.organization_id, author)
    customer_active_check(author)
    body = clean_text(body, field="answer", maximum=ANSWER_MAX)
    question = question_locked(question)
    question_public_check(question, "answer it")
    if question.state == QuestionState.CLOSED:
        raise ValidationError("This question is closed to new answers.")
    body_digest = digest(body)
    existing = Answer.objects.filter(
        question=question,
        body_digest=body_digest,
        deleted_at__isnull=True,
        **author_filter(author, author_user),
    ).first()
    if existing is not None:
        return existing, False
    reasons = post_screen(
        organization_id=question.organization_id,
        kind="answer",
        text=body,
        author=author,
        copies=Answer.objects.filter(
            organization_id=question.organization_id, body_digest=body_digest
        ),
    )
    now = timezone.now()
    answer = Answer.objects.create(
        organization_id=question.organization_id,
        question=question,
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
            organization=question.organization,
            author=author,
            reasons=reasons,
            published=None,
            answer=answer,
            question=question,
        )
        return answer, True
    question.last_activity_at = now
    question.save(update_fields=["last_activity_at"])
    question_recount(question)
    who = author.public_name if author is not None else "The team"
    subjects = [question_subject(question)]
    if author is not None:
        subjects.append(person_subject(author))
    event = Event(
        key=f"answer:{answer.pk}",
        title=f"{who} answered “{question.title}”",
        text=plain_text(body, limit=1000),
        url=f"{question_path(question)}#answer-{answer.pk}",
    )
    post_publish(
        organization=question.organization,
        author=author,
        reasons=[],
        published=Published(subjects=subjects, event=event, follow=question_subject(question)),
    )
    return answer, True


@transaction.atomic
def answer_delete(*, answer: Answer, customer: Customer) -> Answer:
    """The author takes back an answer (an accepted one stays: others rely on it)."""
    answer = Answer.objects.select_for_update().get(pk=answer.pk)
    if answer.author_id != customer.pk:
        raise PermissionError("Only the author can delete this answer.")
    if answer.accepted_at is not None:
        raise ValidationError("This answer was accepted as a solution, so it stays.")
    if answer.deleted_at is None:
        answer.deleted_at = timezone.now()
        answer.save(update_fields=["deleted_at", "updated_at"])
        question_recount(question_locked(answer.question))
        reputation_recount(customer)
    return answer


def _votable(answer: Answer) -> Answer:
    answer = Answer.objects.select_for_update().select_related("question").get(pk=answer.pk)
    if not answer.is_public:
        raise ValidationError("This answer is not public.")
    question_public_check(answer.question, "vote on its answers")
    return answer


def _recount_votes(answer: Answer) -> None:
    counts = AnswerVote.objects.filter(answer=answer, customer__merged_into__isnull=True).aggregate(
        up=Count("id", filter=Q(value=1)), down=Count("id", filter=Q(value=-1))
    )
    answer.up_votes, answer.down_votes = counts["up"], counts["down"]
    answer.score = counts["up"] - counts["down"]
    answer.save(update_fields=["up_votes", "down_votes", "score", "updated_at"])


@transaction.atomic
def answer_vote(*, answer: Answer, customer: Customer, value: int) -> Answer:
    """Vote an answer up (1) or down (-1), or withdraw the vote (0). Voting the same way
    twice changes nothing; nobody votes on their own answer."""
    if value not in (-1, 0, 1):
        raise ValidationError({"value": "Vote 1 (up), -1 (down) or 0 (withdraw)."})
    same_organization(answer.organization_id, customer)
    customer_active_check(customer)
    answer = _votable(answer)
    if answer.author_id == customer.pk:
        raise ValidationError("You cannot vote on your own answer.")
    if value == 0:
        AnswerVote.objects.filter(answer=answer, customer=customer).delete()
    else:
        AnswerVote.objects.update_or_create(
            answer=answer,
            customer=customer,
            defaults={"value": value, "organization_id": answer.organization_id},
        )
    _recount_votes(answer)
    if answer.author_id is not None:
        reputation_recount(answer.author)
    return answer


def _may_accept(question: Question, customer: Customer | None, actor: Any) -> None:
    if actor is not None:
        return
    if customer is None or question.author_id != customer.pk:
        raise PermissionError("Only the person who asked or staff can accept an answer.")


@transaction.atomic
def answer_accept(
    *, answer: Answer, customer: Customer | None = None, actor: Any = None
) -> tuple[Answer, bool]:
    """The asker (``customer``) or staff (``actor``) accept an answer as a solution; several
    answers may be accepted. Everyone with the problem ("me too") and every follower of the
    question is told. Returns (answer, changed)."""
    answer = Answer.objects.select_for_update().select_related("question").get(pk=answer.pk)
    question = question_locked(answer.question)
    _may_accept(question, customer, actor)
    if not answer.is_public:
        raise ValidationError("This answer is not public.")
    question_public_check(question, "accept an answer")
    if answer.accepted_at is not None:
        return answer, False
    answer.accepted_at = timezone.now()
    answer.accepted_by = actor if getattr(actor, "is_authenticated", False) else None
    answer.accepted_by_asker = actor is None
    answer.save(update_fields=["accepted_at", "accepted_by", "accepted_by_asker", "updated_at"])
    question_recount(question)
    if answer.author_id is not None:
        reputation_recount(answer.author)
    who = answer.author.public_name if answer.author is not None else "the team"
    affected = MeToo.objects.filter(question=question).values_list("customer_id", flat=True)
    announce(
        organization=question.organization,
        subjects=[question_subject(question)],
        also=list(affected),
        event=Event(
            key=f"accepted:{answer.pk}",
            title=f"Solved: {question.title}",
            text=f"An answer by {who} was accepted as a solution:\n\n"
            + plain_text(answer.body, limit=1500),
            url=f"{question_path(question)}#answer-{answer.pk}",
        ),
        exclude=[customer.pk] if customer is not None else [],
    )
    question_index_later(question)
    return answer, True


@transaction.atomic
def answer_unaccept(
    *, answer: Answer, customer: Customer | None = None, actor: Any = None
) -> tuple[Answer, bool]:
    answer = Answer.objects.select_for_update().select_related("question").get(pk=answer.pk)
    question = question_locked(answer.question)
    _may_accept(question, customer, actor)
    if answer.accepted_at is None:
        return answer, False
    answer.accepted_at = None
    answer.accepted_by = None
    answer.accepted_by_asker = False
    answer.save(update_fields=["accepted_at", "accepted_by", "accepted_by_asker", "updated_at"])
    question_recount(question)
    if answer.author_id is not None:
        reputation_recount(answer.author)
    question_index_later(question)
    return answer, True


def answer_votes_recount(source: Customer, target: Customer) -> None:
    """After a customer merge or unmerge: recount the answers either one voted on."""
    ids = AnswerVote.objects.filter(customer__in=[source, target]).values_list(
        "answer_id", flat=True
    )
    authors: set[int] = set()
    for answer in Answer.objects.select_for_update().filter(pk__in=sorted(set(ids))):
        _recount_votes(answer)
        if answer.author_id is not None:
            authors.add(answer.author_id)
    for customer in Customer.objects.filter(pk__in=authors | {source.pk, target.pk}):
        reputation_recount(customer)


@transaction.atomic
def answer_hide(*, answer: Answer, category: str, explanation: str = "", actor: Any) -> Answer:
    reason = hide_reason(category, explanation)
    answer = Answer.objects.select_for_update().get(pk=answer.pk)
    if answer.state != CommentState.VISIBLE:
        raise ValidationError("This answer is not public.")
    answer.state = CommentState.SPAM if category == HideReason.SPAM else CommentState.HIDDEN
    answer.state_reason = reason
    answer.save(update_fields=["state", "state_reason", "updated_at"])
    moderation_record(
        organization=answer.question.organization,
        action=ModerationAction.SPAM if category == HideReason.SPAM else ModerationAction.HIDE,
        reason=reason,
        actor=actor,
        actor_role=staff_role(answer.question.organization, actor),
        answer=answer,
        question=answer.question,
    )
    Flag.objects.filter(answer=answer, resolved_at__isnull=True).update(resolved_at=timezone.now())
    question_recount(question_locked(answer.question))
    if answer.author_id is not None:
        reputation_recount(answer.author)
    return answer


@transaction.atomic
def answer_restore(*, answer: Answer, actor: Any, reason: str = "") -> Answer:
    answer = Answer.objects.select_for_update().get(pk=answer.pk)
    if answer.state == CommentState.VISIBLE:
        raise ValidationError("This answer is already public.")
    action = (
        ModerationAction.NOT_SPAM if answer.state == CommentState.SPAM else ModerationAction.RESTORE
    )
    answer.state = CommentState.VISIBLE
    answer.state_reason = ""
    answer.save(update_fields=["state", "state_reason", "updated_at"])
    moderation_record(
        organization=answer.question.organization,
        action=action,
        reason=(reason or "").strip()[:REASON_MAX]
        or ("Not spam" if action == ModerationAction.NOT_SPAM else "Restored"),
        actor=actor,
        actor_role=staff_role(answer.question.organization, actor),
        answer=answer,
        question=answer.question,
    )
    question_recount(question_locked(answer.question))
    if answer.author_id is not None:
        reputation_recount(answer.author)
    return answer
