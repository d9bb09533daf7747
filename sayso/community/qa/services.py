"""Every write of a question: tags, asking, editing, closing, staff links to cases, ideas and
incidents, turning a question into an idea, and hiding. One transaction each."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from sayso.community import following
from sayso.community.common import (
    TITLE_MIN,
    WHITESPACE,
    customer_active_check,
    same_organization,
)
from sayso.community.following import Event, announce
from sayso.community.ideas.services import idea_path, idea_post
from sayso.community.models import (
    BODY_MAX,
    REASON_MAX,
    TITLE_MAX,
    Answer,
    Idea,
    ModerationAction,
    Product,
    Question,
    QuestionLink,
    QuestionState,
    Tag,
)
from sayso.community.moderation import (
    hidden_set,
    hide_action,
    hide_reason,
    restore_reason,
)
from sayso.community.posting import Published, post_publish, post_screen
from sayso.community.qa.common import (
    NEW_QUESTIONS,
    REPEAT_WINDOW,
    author_filter,
    one_author,
    person_subject,
    question_index_later,
    question_locked,
    question_path,
    question_public_check,
    question_subject,
)
from sayso.core.markup import plain_text, render_markdown
from sayso.core.models import Organization
from sayso.core.text_input import clean_text
from sayso.customers.models import Customer

TAGS_MAX = 5


TAG_MAX = 40


# --- tags ------------------------------------------------------------------------------------


def tags_resolve(*, organization: Organization, names: list[str] | str) -> list[Tag]:
    """The tags named (a list, or one comma-separated string), created when new; at most
    five, each 2 to 40 characters."""
    if isinstance(names, str):
        names = names.split(",")
    cleaned: dict[str, str] = {}
    for raw in names:
        name = WHITESPACE.sub(" ", (raw or "").replace("\x00", "")).strip().lstrip("#")
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
    return WHITESPACE.sub(
        " ", clean_text(title, field="title", maximum=TITLE_MAX, minimum=TITLE_MIN)
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
    one_author(author, author_user, "A question")
    same_organization(organization.pk, author, product)
    customer_active_check(author)
    title = _title(title)
    body = clean_text(body, field="body", maximum=BODY_MAX, minimum=0) if body else ""
    tag_rows = tags_resolve(organization=organization, names=tags or [])
    now = timezone.now()
    recent = Question.objects.filter(
        organization=organization,
        title=title,
        body=body,
        created_at__gte=now - REPEAT_WINDOW,
        **author_filter(author, author_user),
    ).first()
    if recent is not None:
        return recent, False
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    number = (
        Question.objects.filter(organization=organization).aggregate(n=Max("number"))["n"] or 0
    ) + 1
    reasons = post_screen(
        organization_id=organization.pk, kind="question", text=title + "\n\n" + body, author=author
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
        post_publish(
            organization=organization,
            author=author,
            reasons=reasons,
            published=None,
            question=question,
        )
        return question, True
    subjects = [NEW_QUESTIONS]
    if author is not None:
        following.follow_add(customer=author, subject=question_subject(question))
        subjects.append(person_subject(author))
    event = Event(
        key=f"question:{question.pk}",
        title=f"New question: {question.title}",
        text=plain_text(body, limit=1000) if body else "",
        url=question_path(question),
    )
    post_publish(
        organization=organization,
        author=author,
        reasons=[],
        published=Published(subjects=subjects, event=event),
    )
    question_index_later(question)
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
    question = question_locked(question)
    same_organization(question.organization_id, product, customer)
    if actor is None and (customer is None or question.author_id != customer.pk):
        raise PermissionError("Only the asker or staff can edit this question.")
    question_public_check(question, "edit it")
    question.title = _title(title)
    question.body = clean_text(body, field="body", maximum=BODY_MAX, minimum=0) if body else ""
    question.body_html = str(render_markdown(question.body))
    question.product = product
    question.save(update_fields=["title", "body", "body_html", "product", "updated_at"])
    question.tags.set(tags_resolve(organization=question.organization, names=tags or []))
    question_index_later(question)
    return question


@transaction.atomic
def question_delete(*, question: Question, customer: Customer) -> Question:
    """The asker takes back a question nobody else has answered yet."""
    question = question_locked(question)
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
    question_index_later(question)
    return question


@transaction.atomic
def question_close(*, question: Question, reason: str, actor: Any) -> Question:
    """Staff close a question to new answers, with a public reason."""
    reason = clean_text(reason, field="reason", maximum=REASON_MAX)
    question = question_locked(question)
    question_public_check(question, "close it")
    if question.state == QuestionState.CLOSED:
        raise ValidationError("This question is already closed.")
    question.state = QuestionState.CLOSED
    question.closed_reason = reason
    question.closed_at = timezone.now()
    question.save(update_fields=["state", "closed_reason", "closed_at", "updated_at"])
    return question


@transaction.atomic
def question_reopen(*, question: Question, actor: Any) -> Question:
    question = question_locked(question)
    if question.state == QuestionState.OPEN:
        raise ValidationError("This question is open.")
    question.state = QuestionState.OPEN
    question.closed_reason = ""
    question.closed_at = None
    question.save(update_fields=["state", "closed_reason", "closed_at", "updated_at"])
    return question


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
    same_organization(question.organization_id, target)
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
    question = question_locked(question)
    question_public_check(question, "turn it into an idea")
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
    announce(
        organization=question.organization,
        subjects=[question_subject(question)],
        event=Event(
            key=f"to-idea:{question.pk}",
            title=f"“{question.title}” is now idea #{idea.number}",
            text="The team turned this question into an idea on the board: vote for it there "
            "to help shape what comes next.",
            url=idea_path(idea),
        ),
    )
    return idea


# --- moderation ------------------------------------------------------------------------------


@transaction.atomic
def question_hide(
    *, question: Question, category: str, explanation: str = "", actor: Any
) -> Question:
    """Staff hide a question for spam, abuse or personal data; the public log says so."""
    reason = hide_reason(category, explanation)
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
