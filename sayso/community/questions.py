"""Every write of community Q&A: questions, answers, answer votes, acceptance, "me too",
visibility and reputation, staff links to cases and ideas, and moderation. One transaction
each; text is validated here and rendered by ``sayso.core.markup`` when shown.

Questions share the public voice's machinery (``sayso.community.services``): the same text
checks, spam filter, moderation log, follows and notices.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from sayso.community import following
from sayso.community.following import Event, announce
from sayso.community.models import (
    BODY_MAX,
    REASON_MAX,
    TITLE_MAX,
    Answer,
    AnswerVote,
    CommentState,
    CommunityProfile,
    Flag,
    Follow,
    Idea,
    MeToo,
    ModerationAction,
    Product,
    Question,
    QuestionLink,
    QuestionState,
    Tag,
)
from sayso.community.services import (
    TITLE_MIN,
    HideReason,
    _clean_text,
    _hide_reason,
    _log,
    _same_org,
    _screened,
    _staff_role,
    digest,
    hidden_set,
    hide_action,
    restore_reason,
)
from sayso.core.markup import plain_text, render_markdown
from sayso.core.models import Organization
from sayso.customers.models import Customer

ANSWER_MAX = 20_000
TAGS_MAX = 5
TAG_MAX = 40
REPEAT_WINDOW = timedelta(minutes=10)  # a re-submitted question form returns the first one
POINTS_ACCEPTED = 15
POINTS_UP = 10
POINTS_DOWN = -2
NEW_QUESTIONS = "questions"
_SPACE_RE = re.compile(r"\s+")


def question_subject(question: Question | int) -> str:
    return f"question:{question if isinstance(question, int) else question.pk}"


def person_subject(customer: Customer | int) -> str:
    return f"person:{customer if isinstance(customer, int) else customer.pk}"


def question_path(question: Question) -> str:
    return reverse(
        "question-detail", kwargs={"org": question.organization.slug, "number": question.number}
    )


def _index_later(question: Question) -> None:
    from sayso.intelligence.services import index_item_later

    index_item_later(organization=question.organization, kind="question", object_id=question.pk)


def _locked(question: Question) -> Question:
    return Question.objects.select_for_update().get(pk=question.pk)


def _active(customer: Customer | None) -> None:
    if customer is not None and customer.merged_into_id is not None:
        raise ValidationError("This customer record was merged into another.")


def _public(question: Question, action: str) -> None:
    if question.deleted_at is not None:
        raise ValidationError(f"This question was deleted; you cannot {action}.")
    if question.hidden_at is not None:
        raise ValidationError(f"This question was hidden by the moderators; you cannot {action}.")


def _author_filter(author: Customer | None, author_user: Any) -> dict[str, Any]:
    return {"author": author} if author is not None else {"author_user": author_user}


def _one_author(author: Customer | None, author_user: Any, what: str) -> None:
    if (author is None) == (author_user is None):
        raise ValueError(f"{what} has either a customer or a staff member as its author.")


# --- tags ------------------------------------------------------------------------------------


def tags_resolve(*, organization: Organization, names: list[str] | str) -> list[Tag]:
    """The tags named (a list, or one comma-separated string), created when new; at most
    five, each 2 to 40 characters."""
    if isinstance(names, str):
        names = names.split(",")
    cleaned: dict[str, str] = {}
    for raw in names:
        name = _SPACE_RE.sub(" ", (raw or "").replace("\x00", "")).strip().lstrip("#")
        if not name:
            continue
        if len(name) > TAG_MAX:
            raise ValidationError({"tags": f"A tag has at most {TAG_MAX} characters."})
        slug = slugify(name)[:TAG_MAX]
        if len(slug) < 2:
            raise ValidationError({"tags": f"“{name}” is not a usable tag (letters or digits)."})
        cleaned.setdefault(slug, name)
    if len(cleaned) > TAGS_MAX:
        raise ValidationError({"tags": f"Use at most {TAGS_MAX} tags."})
    tags = []
    for slug, name in cleaned.items():
        try:
            with transaction.atomic():
                tag, _ = Tag.objects.get_or_create(
                    organization=organization, slug=slug, defaults={"name": name.lower()}
                )
        except IntegrityError:
            tag = Tag.objects.get(organization=organization, slug=slug)
        tags.append(tag)
    return tags


# --- questions -------------------------------------------------------------------------------


def _title(title: str) -> str:
    return _SPACE_RE.sub(
        " ", _clean_text(title, field="title", maximum=TITLE_MAX, minimum=TITLE_MIN)
    )


@transaction.atomic
def question_ask(
    *,
    organization: Organization,
    title: str,
    body: str = "",
    product: Product | None = None,
    tags: list[str] | str | None = None,
    author: Customer | None = None,
    author_user: Any = None,
) -> tuple[Question, bool]:
    """Ask a question; returns (question, created). The asker follows it. The same asker
    sending the same question again within minutes (a double submit) gets the first back; a
    question the spam filter holds is hidden and logged."""
    _one_author(author, author_user, "A question")
    _same_org(organization.pk, author, product)
    _active(author)
    title = _title(title)
    body = _clean_text(body, field="body", maximum=BODY_MAX, minimum=0) if body else ""
    tag_rows = tags_resolve(organization=organization, names=tags or [])
    now = timezone.now()
    recent = Question.objects.filter(
        organization=organization,
        title=title,
        body=body,
        created_at__gte=now - REPEAT_WINDOW,
        **_author_filter(author, author_user),
    ).first()
    if recent is not None:
        return recent, False
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    number = (
        Question.objects.filter(organization=organization).aggregate(n=Max("number"))["n"] or 0
    ) + 1
    reasons = (
        _screened(organization.pk, title + "\n\n" + body, author, "question")
        if author is not None
        else []
    )
    question = Question.objects.create(
        organization=organization,
        number=number,
        title=title,
        body=body,
        body_html=str(render_markdown(body)),
        product=product,
        author=author,
        author_user=author_user,
        created_at=now,
        last_activity_at=now,
        hidden_at=now if reasons else None,
    )
    question.tags.set(tag_rows)
    if reasons:
        _log(
            organization=organization,
            action=ModerationAction.SPAM,
            reason="Held by the spam filter: " + "; ".join(reasons),
            actor_role="spam filter",
            question=question,
        )
        return question, True
    subjects = [NEW_QUESTIONS]
    if author is not None:
        following.follow_add(customer=author, subject=question_subject(question))
        subjects.append(person_subject(author))
    announce(
        organization=organization,
        subjects=subjects,
        event=Event(
            key=f"question:{question.pk}",
            title=f"New question: {question.title}",
            text=plain_text(body, limit=1000) if body else "",
            url=question_path(question),
        ),
        exclude=[author.pk] if author is not None else [],
    )
    _index_later(question)
    return question, True


@transaction.atomic
def question_update(
    *,
    question: Question,
    title: str,
    body: str,
    product: Product | None = None,
    tags: list[str] | str | None = None,
    customer: Customer | None = None,
    actor: Any = None,
) -> Question:
    """Edit a question: its asker (``customer``) or staff (``actor``)."""
    question = _locked(question)
    _same_org(question.organization_id, product, customer)
    if actor is None and (customer is None or question.author_id != customer.pk):
        raise PermissionError("Only the asker or staff can edit this question.")
    _public(question, "edit it")
    question.title = _title(title)
    question.body = _clean_text(body, field="body", maximum=BODY_MAX, minimum=0) if body else ""
    question.body_html = str(render_markdown(question.body))
    question.product = product
    question.save(update_fields=["title", "body", "body_html", "product", "updated_at"])
    question.tags.set(tags_resolve(organization=question.organization, names=tags or []))
    _index_later(question)
    return question


@transaction.atomic
def question_delete(*, question: Question, customer: Customer) -> Question:
    """The asker takes back a question nobody else has answered yet."""
    question = _locked(question)
    if question.author_id != customer.pk:
        raise PermissionError("Only the asker can delete this question.")
    if question.deleted_at is not None:
        return question
    answered = (
        Answer.objects.filter(question=question, deleted_at__isnull=True)
        .exclude(author=customer)
        .exists()
    )
    if answered:
        raise ValidationError(
            "Others have answered this question, so it stays; their answers may help the next "
            "person with the same problem."
        )
    question.deleted_at = timezone.now()
    question.save(update_fields=["deleted_at", "updated_at"])
    _index_later(question)
    return question


@transaction.atomic
def question_close(*, question: Question, reason: str, actor: Any) -> Question:
    """Staff close a question to new answers, with a public reason."""
    reason = _clean_text(reason, field="reason", maximum=REASON_MAX)
    question = _locked(question)
    _public(question, "close it")
    if question.state == QuestionState.CLOSED:
        raise ValidationError("This question is already closed.")
    question.state = QuestionState.CLOSED
    question.closed_reason = reason
    question.closed_at = timezone.now()
    question.save(update_fields=["state", "closed_reason", "closed_at", "updated_at"])
    return question


@transaction.atomic
def question_reopen(*, question: Question, actor: Any) -> Question:
    question = _locked(question)
    if question.state == QuestionState.OPEN:
        raise ValidationError("This question is open.")
    question.state = QuestionState.OPEN
    question.closed_reason = ""
    question.closed_at = None
    question.save(update_fields=["state", "closed_reason", "closed_at", "updated_at"])
    return question


def _recount_question(question: Question) -> None:
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
    _one_author(author, author_user, "An answer")
    _same_org(question.organization_id, author)
    _active(author)
    body = _clean_text(body, field="answer", maximum=ANSWER_MAX)
    question = _locked(question)
    _public(question, "answer it")
    if question.state == QuestionState.CLOSED:
        raise ValidationError("This question is closed to new answers.")
    body_digest = digest(body)
    existing = Answer.objects.filter(
        question=question,
        body_digest=body_digest,
        deleted_at__isnull=True,
        **_author_filter(author, author_user),
    ).first()
    if existing is not None:
        return existing, False
    reasons: list[str] = []
    if author is not None:
        copied = (
            Answer.objects.filter(organization_id=question.organization_id, body_digest=body_digest)
            .exclude(author=author)
            .filter(author_user__isnull=True, created_at__gte=timezone.now() - timedelta(days=30))
            .first()
        )
        if copied is not None and len(body) >= 40:
            reasons = [f"copies answer #{copied.pk} by another person"]
        else:
            reasons = _screened(question.organization_id, body, author, "answer")
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
        _log(
            organization=question.organization,
            action=ModerationAction.SPAM,
            reason="Held by the spam filter: " + "; ".join(reasons),
            actor_role="spam filter",
            answer=answer,
            question=question,
        )
        return answer, True
    question.last_activity_at = now
    question.save(update_fields=["last_activity_at"])
    _recount_question(question)
    who = author.public_name if author is not None else "The team"
    subjects = [question_subject(question)]
    if author is not None:
        subjects.append(person_subject(author))
    announce(
        organization=question.organization,
        subjects=subjects,
        event=Event(
            key=f"answer:{answer.pk}",
            title=f"{who} answered “{question.title}”",
            text=plain_text(body, limit=1000),
            url=f"{question_path(question)}#answer-{answer.pk}",
        ),
        exclude=[author.pk] if author is not None else [],
    )
    if author is not None:
        following.follow_on_participation(author, question_subject(question))
    return answer, True


@transaction.atomic
def answer_update(
    *, answer: Answer, body: str, customer: Customer | None = None, actor: Any = None
) -> Answer:
    """Edit an answer: its author or staff."""
    answer = Answer.objects.select_for_update().get(pk=answer.pk)
    if actor is None and (customer is None or answer.author_id != customer.pk):
        raise PermissionError("Only the author or staff can edit this answer.")
    if not answer.is_public:
        raise ValidationError("This answer is not public.")
    answer.body = _clean_text(body, field="answer", maximum=ANSWER_MAX)
    answer.body_html = str(render_markdown(answer.body))
    answer.body_digest = digest(answer.body)
    answer.save(update_fields=["body", "body_html", "body_digest", "updated_at"])
    return answer


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
        _recount_question(_locked(answer.question))
        reputation_recount(customer)
    return answer


def _votable(answer: Answer) -> Answer:
    answer = Answer.objects.select_for_update().select_related("question").get(pk=answer.pk)
    if not answer.is_public:
        raise ValidationError("This answer is not public.")
    _public(answer.question, "vote on its answers")
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
    _same_org(answer.organization_id, customer)
    _active(customer)
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
    question = _locked(answer.question)
    _may_accept(question, customer, actor)
    if not answer.is_public:
        raise ValidationError("This answer is not public.")
    _public(question, "accept an answer")
    if answer.accepted_at is not None:
        return answer, False
    answer.accepted_at = timezone.now()
    answer.accepted_by = actor if getattr(actor, "is_authenticated", False) else None
    answer.accepted_by_asker = actor is None
    answer.save(update_fields=["accepted_at", "accepted_by", "accepted_by_asker", "updated_at"])
    _recount_question(question)
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
    _index_later(question)
    return answer, True


@transaction.atomic
def answer_unaccept(
    *, answer: Answer, customer: Customer | None = None, actor: Any = None
) -> tuple[Answer, bool]:
    answer = Answer.objects.select_for_update().select_related("question").get(pk=answer.pk)
    question = _locked(answer.question)
    _may_accept(question, customer, actor)
    if answer.accepted_at is None:
        return answer, False
    answer.accepted_at = None
    answer.accepted_by = None
    answer.accepted_by_asker = False
    answer.save(update_fields=["accepted_at", "accepted_by", "accepted_by_asker", "updated_at"])
    _recount_question(question)
    if answer.author_id is not None:
        reputation_recount(answer.author)
    _index_later(question)
    return answer, True


# --- "me too", visibility and reputation ---------------------------------------------------


@transaction.atomic
def me_too(*, question: Question, customer: Customer, has_problem: bool = True) -> bool:
    """Mark (or unmark) that ``customer`` has the same problem; marking follows the question.
    Returns whether anything changed."""
    _same_org(question.organization_id, customer)
    _active(customer)
    question = _locked(question)
    _public(question, "add yourself to it")
    if question.author_id == customer.pk:
        raise ValidationError("You asked this question: you are already counted and follow it.")
    if has_problem:
        try:
            with transaction.atomic():
                MeToo.objects.create(
                    organization_id=question.organization_id, question=question, customer=customer
                )
        except IntegrityError:
            return False
        following.follow_add(customer=customer, subject=question_subject(question))
    else:
        deleted, _ = MeToo.objects.filter(question=question, customer=customer).delete()
        if not deleted:
            return False
    _recount_question(question)
    return True


def me_too_recount(source: Customer, target: Customer) -> None:
    """After a customer merge or unmerge: recount the questions either one marked."""
    ids = MeToo.objects.filter(customer__in=[source, target]).values_list("question_id", flat=True)
    for question in Question.objects.select_for_update().filter(pk__in=sorted(set(ids))):
        _recount_question(question)


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


def reputations_recount(source: Customer, target: Customer) -> None:
    """After a customer merge or unmerge: both records' reputation from their answers."""
    reputation_recount(source)
    reputation_recount(target)


def profile_for(customer: Customer) -> CommunityProfile:
    found = CommunityProfile.objects.filter(customer=customer).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return CommunityProfile.objects.create(
                organization_id=customer.organization_id, customer=customer
            )
    except IntegrityError:
        return CommunityProfile.objects.get(customer=customer)


@transaction.atomic
def profile_update(*, customer: Customer, visible: bool) -> CommunityProfile:
    """Whether others see this customer among the people with a problem (and may follow
    them). Off by default; turning it off stops new follows and hides them at once."""
    _active(customer)
    profile = profile_for(customer)
    profile.visible = bool(visible)
    profile.save(update_fields=["visible", "updated_at"])
    if not visible:
        # Nobody keeps following someone who no longer wants to be seen.
        for follow in Follow.objects.filter(
            organization_id=customer.organization_id, subject=person_subject(customer)
        ).select_related("customer"):
            following.follow_remove(customer=follow.customer, subject=follow.subject)
    return profile


def reputation_points(customer: Customer) -> int:
    """15 per accepted answer, 10 per up vote and -2 per down vote on the customer's public
    answers to public questions; never below zero."""
    answers = Answer.objects.filter(
        author=customer,
        state=CommentState.VISIBLE,
        deleted_at__isnull=True,
        question__hidden_at__isnull=True,
        question__deleted_at__isnull=True,
    )
    totals = answers.aggregate(
        accepted=Count("id", filter=Q(accepted_at__isnull=False)),
        up=Sum("up_votes"),
        down=Sum("down_votes"),
    )
    points = (
        POINTS_ACCEPTED * totals["accepted"]
        + POINTS_UP * (totals["up"] or 0)
        + POINTS_DOWN * (totals["down"] or 0)
    )
    return max(0, points)


def reputation_recount(customer: Customer | None) -> int:
    if customer is None:
        return 0
    points = reputation_points(customer)
    profile = profile_for(customer)
    if profile.reputation != points:
        profile.reputation = points
        profile.save(update_fields=["reputation", "updated_at"])
    return points


# --- staff links -----------------------------------------------------------------------------


@transaction.atomic
def question_link(
    *,
    question: Question,
    actor: Any,
    case: Any = None,
    idea: Idea | None = None,
    incident: Any = None,
) -> tuple[QuestionLink, bool]:
    """Link a question to a case, an idea or a status incident of the same organization (both
    sides show it)."""
    targets = {"case": case, "idea": idea, "incident": incident}
    given = [(field, target) for field, target in targets.items() if target is not None]
    if len(given) != 1:
        raise ValueError("Link a question to one case, one idea or one incident.")
    field, target = given[0]
    _same_org(question.organization_id, target)
    existing = QuestionLink.objects.filter(question=question, **{field: target}).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            link = QuestionLink.objects.create(
                organization_id=question.organization_id,
                question=question,
                actor=actor if getattr(actor, "is_authenticated", False) else None,
                **{field: target},
            )
    except IntegrityError:
        return QuestionLink.objects.get(question=question, **{field: target}), False
    return link, True


@transaction.atomic
def question_unlink(*, link: QuestionLink) -> None:
    link.delete()


@transaction.atomic
def question_to_idea(*, question: Question, actor: Any) -> Idea:
    """Turn a question into an idea (a question that is really a request): the idea is
    posted with the question's words and asker, linked both ways; followers are told. Doing
    it twice returns the same idea."""
    from sayso.community.services import idea_post

    question = _locked(question)
    _public(question, "turn it into an idea")
    made = QuestionLink.objects.filter(question=question, converted=True).select_related("idea")
    if (link := made.first()) is not None and link.idea is not None:
        return link.idea
    idea, _ = idea_post(
        organization=question.organization,
        title=question.title,
        body=question.body,
        author=question.author,
        author_user=None if question.author is not None else actor,
    )
    QuestionLink.objects.create(
        organization_id=question.organization_id,
        question=question,
        idea=idea,
        converted=True,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    from sayso.community.services import _idea_path

    announce(
        organization=question.organization,
        subjects=[question_subject(question)],
        event=Event(
            key=f"to-idea:{question.pk}",
            title=f"“{question.title}” is now idea #{idea.number}",
            text="The team turned this question into an idea on the board: vote for it there "
            "to help shape what comes next.",
            url=_idea_path(idea),
        ),
    )
    return idea


# --- moderation ------------------------------------------------------------------------------


@transaction.atomic
def question_hide(
    *, question: Question, category: str, explanation: str = "", actor: Any
) -> Question:
    """Staff hide a question for spam, abuse or personal data; the public log says so."""
    reason = _hide_reason(category, explanation)
    return hidden_set(
        question,
        field="question",
        hidden=True,
        reason=reason,
        action=hide_action(category),
        actor=actor,
    )


@transaction.atomic
def question_restore(*, question: Question, actor: Any, reason: str = "") -> Question:
    return hidden_set(
        question,
        field="question",
        hidden=False,
        reason=restore_reason(reason),
        action=ModerationAction.RESTORE,
        actor=actor,
    )


@transaction.atomic
def answer_hide(*, answer: Answer, category: str, explanation: str = "", actor: Any) -> Answer:
    reason = _hide_reason(category, explanation)
    answer = Answer.objects.select_for_update().get(pk=answer.pk)
    if answer.state != CommentState.VISIBLE:
        raise ValidationError("This answer is not public.")
    answer.state = CommentState.SPAM if category == HideReason.SPAM else CommentState.HIDDEN
    answer.state_reason = reason
    answer.save(update_fields=["state", "state_reason", "updated_at"])
    _log(
        organization=answer.question.organization,
        action=ModerationAction.SPAM if category == HideReason.SPAM else ModerationAction.HIDE,
        reason=reason,
        actor=actor,
        actor_role=_staff_role(answer.question.organization, actor),
        answer=answer,
        question=answer.question,
    )
    Flag.objects.filter(answer=answer, resolved_at__isnull=True).update(resolved_at=timezone.now())
    _recount_question(_locked(answer.question))
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
    _log(
        organization=answer.question.organization,
        action=action,
        reason=(reason or "").strip()[:REASON_MAX]
        or ("Not spam" if action == ModerationAction.NOT_SPAM else "Restored"),
        actor=actor,
        actor_role=_staff_role(answer.question.organization, actor),
        answer=answer,
        question=answer.question,
    )
    _recount_question(_locked(answer.question))
    if answer.author_id is not None:
        reputation_recount(answer.author)
    return answer
