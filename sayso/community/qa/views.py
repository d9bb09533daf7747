"""Community Q&A pages under ``/o/<org>/questions/`` and ``/o/<org>/people/``, and the
staff queue under ``/staff/<org>/questions/``.

Customers act through the portal's sign-in; staff signed in to Sayso act on the same public
pages (official answers, accepting, closing, links, moderation), with their role checked on
every POST. Every write goes through ``sayso.community.qa``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from sayso.community import following, qa, sections
from sayso.community.common import TITLE_MIN
from sayso.community.forms import HideForm
from sayso.community.ideas.views import BoardPage
from sayso.community.models import Answer, Question
from sayso.community.moderation import HideReason
from sayso.community.qa import selectors
from sayso.core.markup import stored_html
from sayso.core.permissions import StaffRequest, staff_required
from sayso.core.ratelimit import client_key, rate_limit_hit
from sayso.core.web import (
    errors_text,
    follow_toggle,
    form_errors_text,
    get_or_404,
    is_object_id,
    rate_limited,
    safe_next,
    signin_redirect,
)
from sayso.customers.portal_session import (
    PortalRequest,
    portal_staff,
    portal_staff_required,
    portal_view,
)

PAGE_SIZE = 20
ANSWERS_PAGE = 50


class QuestionForm(forms.Form):
    title = forms.CharField(max_length=160, min_length=TITLE_MIN)
    body = forms.CharField(required=False, max_length=20_000, widget=forms.Textarea)
    tags = forms.CharField(required=False, max_length=250)
    product = forms.CharField(required=False, max_length=120)


class AnswerForm(forms.Form):
    body = forms.CharField(max_length=qa.ANSWER_MAX, widget=forms.Textarea)


def _question_url(question: Question) -> str:
    return qa.question_path(question)


def _question_or_404(request: PortalRequest, number: object) -> Question:
    found = selectors.question_get
    return get_or_404(found, number, key="number", organization=request.organization)


def _answer_or_404(request: PortalRequest, pk: object) -> Answer:
    answer = get_or_404(
        selectors.answer_get, pk, organization=request.organization, message="No such answer."
    )
    if answer.deleted_at is not None:
        raise Http404("No such answer.")
    return answer


def _product(request: PortalRequest, slug: str) -> Any:
    if not slug:
        return None
    found = selectors.products(organization=request.organization).filter(slug=slug).first()
    if found is None:
        raise ValidationError({"product": "Choose one of the products listed."})
    return found


def _filters(request: PortalRequest) -> selectors.QuestionFilters:
    params = request.GET
    return selectors.QuestionFilters(
        sort=params.get("sort", "new") if params.get("sort") in selectors.SORTS else "new",
        tag=params.get("tag", "")[:40],
        product=params.get("product", "")[:120],
        solved=params.get("solved", "") if params.get("solved") in {"yes", "no"} else "",
        query=params.get("q", "")[:200],
    )


# --- lists, search, asking -------------------------------------------------------------------


@require_GET
@portal_view(sign_in_required=False)
def question_list(request: PortalRequest) -> HttpResponse:
    """The questions, filtered; with ``q`` a search across questions, answers and ideas by
    words and by meaning."""
    filters = _filters(request)
    context: dict[str, Any] = {
        "organization": request.organization,
        "filters": filters,
        "tags": selectors.tags(organization=request.organization),
        "products": selectors.products(organization=request.organization),
        "sorts": [
            ("new", "New"),
            ("active", "Active"),
            ("affected", "Most affected"),
            ("unanswered", "Unanswered"),
        ],
        "follows_questions": bool(
            following.following(customer=request.customer, subjects=[qa.NEW_QUESTIONS])
        ),
    }
    if filters.query:
        limited = rate_limited(
            request,
            request.organization,
            "question-search",
            limit=settings.SAYSO_SIMILAR_RATE_LIMIT_PER_MINUTE,
        )
        if limited is not None:
            return limited
        context["hits"] = selectors.search(organization=request.organization, filters=filters)
    else:
        items = selectors.question_list(organization=request.organization, filters=filters)
        context["page"] = BoardPage.of(items, request.GET.get("page", ""), PAGE_SIZE)
    return render(request, "community/questions.html", context)


@require_GET
@portal_view(sign_in_required=False)
def question_similar(request: PortalRequest) -> HttpResponse:
    """Similar questions (solved first) and ideas for a title being typed (htmx)."""
    limit = settings.SAYSO_SIMILAR_RATE_LIMIT_PER_MINUTE
    if rate_limit_hit(action="question-similar", key=client_key(request), limit=limit):
        return HttpResponse("", status=429)
    text = request.GET.get("title", "")[:300]
    found = selectors.similar_as_you_type(organization=request.organization, text=text, brief=True)
    return render(
        request,
        "community/_similar_problems.html",
        {"organization": request.organization, "found": found},
    )


@portal_view(sign_in_required=False)
def question_new(request: PortalRequest) -> HttpResponse:
    if request.customer is None:
        return signin_redirect(request, request.organization, request.get_full_path())
    form = QuestionForm()
    status = 200
    if request.method == "POST":
        if (limited := rate_limited(request, request.organization, "question-post")) is not None:
            return limited
        form = QuestionForm(request.POST)
        if form.is_valid():
            try:
                question, _ = qa.question_ask(
                    organization=request.organization,
                    author=request.customer,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    tags=form.cleaned_data["tags"],
                    product=_product(request, form.cleaned_data["product"]),
                )
            except ValidationError as exc:
                form.add_error(None, errors_text(exc))
            else:
                if question.hidden_at is not None:
                    messages.error(
                        request,
                        "Your question was held by the spam filter; the team will review it.",
                    )
                    return redirect("questions", org=request.organization.slug)
                messages.success(request, "Your question is posted; you follow it.")
                return redirect(_question_url(question))
        status = 400
    return render(
        request,
        "community/question_form.html",
        {
            "organization": request.organization,
            "form": form,
            "editing": None,
            "products": selectors.products(organization=request.organization),
        },
        status=status,
    )


# --- a question ------------------------------------------------------------------------------


@require_GET
@portal_view(sign_in_required=False)
def question_detail(request: PortalRequest, number: int) -> HttpResponse:
    question = _question_or_404(request, number)
    staff = portal_staff(request)
    if question.deleted_at is not None:
        raise Http404("This question was deleted by the person who asked it.")
    if question.hidden_at is not None and staff is None:
        raise Http404("This question was hidden by the moderators (see the moderation log).")
    customer = request.customer
    answer_page, answers = _answers_page(request, question, staff=staff is not None)
    authors = {a.author_id for a in answers if a.author_id is not None}
    my_votes = selectors.answer_votes_of(customer=customer, answers=[a.pk for a in answers])
    points = selectors.reputations(authors)
    is_asker = customer is not None and question.author_id == customer.pk
    context = {
        "organization": request.organization,
        "question": question,
        "body_html": stored_html(question.body_html, question.body),
        "answers": [
            (
                a,
                stored_html(a.body_html, a.body),
                my_votes.get(a.pk, 0),
                points.get(a.author_id or 0, 0),
            )
            for a in answers
        ],
        "answer_page": answer_page,
        "has_problem": selectors.has_problem(customer=customer, question=question),
        "people": selectors.people_with_problem(question=question),
        "follows": bool(
            following.following(customer=customer, subjects=[qa.question_subject(question)])
        ),
        "is_asker": is_asker,
        "may_accept": is_asker or staff is not None,
        "staff": staff,
        "similar": selectors.similar_to_question(question=question, k=5, brief=True),
        "links": selectors.links_of_question(question=question, staff=staff is not None),
        "answer_form": AnswerForm(),
        "visible": selectors.is_visible(customer) if customer is not None else False,
    }
    if staff is not None:
        context["hide_form"] = HideForm()
    return render(request, "community/question_detail.html", context)


def _answers_page(
    request: PortalRequest, question: Question, *, staff: bool
) -> tuple[Any, list[Answer]]:
    """One page of a question's answers. The public see the accepted ones pinned on the first
    page, then the others best first, fifty a page, counted from the question's own counters;
    staff see every answer (held and hidden ones too) in one order."""
    if staff:
        page = Paginator(
            selectors.answers_of(question=question, include_held=True), ANSWERS_PAGE
        ).get_page(request.GET.get("answers"))
        return page, list(page.object_list)
    paginator = Paginator(selectors.other_answers(question=question), ANSWERS_PAGE)
    paginator.count = max(0, question.answer_count - question.accepted_count)
    page = paginator.get_page(request.GET.get("answers"))
    pinned = selectors.accepted_answers(question=question) if page.number == 1 else []
    return page, pinned + list(page.object_list)


def _shown_at(request: PortalRequest, question: Question) -> str:
    """The question's page, or the list when this visitor can no longer see the question."""
    if question.deleted_at is not None or (
        question.hidden_at is not None and portal_staff(request) is None
    ):
        return reverse("questions", kwargs={"org": request.organization.slug})
    return _question_url(question)


def _done(request: PortalRequest, question: Question, anchor: str = "") -> HttpResponse:
    return redirect(safe_next(request, _question_url(question) + anchor))


@require_POST
@portal_view(sign_in_required=False)
def answer_post(request: PortalRequest, number: int) -> HttpResponse:
    question = _question_or_404(request, number)
    staff = portal_staff(request)
    if request.customer is None and staff is None:
        return signin_redirect(request, request.organization, _question_url(question))
    if (limited := rate_limited(request, request.organization, "answer-post")) is not None:
        return limited
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return redirect(_question_url(question) + "#answer-form")
    try:
        if request.customer is not None:
            answer, created = qa.answer_post(
                question=question, author=request.customer, body=form.cleaned_data["body"]
            )
        else:
            answer, created = qa.answer_post(
                question=question, author_user=request.user, body=form.cleaned_data["body"]
            )
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
        return redirect(_shown_at(request, question))
    if not answer.is_public:
        messages.error(request, "Your answer was held by the spam filter; the team will look.")
    elif not created:
        messages.info(request, "You had already posted that answer.")
    else:
        messages.success(request, "Thank you for answering.")
    return redirect(f"{_question_url(question)}#answer-{answer.pk}")


@require_POST
@portal_view(sign_in_required=False)
def answer_vote(request: PortalRequest, pk: int) -> HttpResponse:
    answer = _answer_or_404(request, pk)
    if request.customer is None:
        return signin_redirect(request, request.organization, _question_url(answer.question))
    if (
        limited := rate_limited(request, request.organization, "answer-vote", limit=60)
    ) is not None:
        return limited
    raw = request.POST.get("value", "")
    value = int(raw) if raw in {"1", "-1", "0"} else None
    try:
        if value is None:
            raise ValidationError("Vote up (1), down (-1) or withdraw (0).")
        qa.answer_vote(answer=answer, customer=request.customer, value=value)
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    return _done(request, answer.question, f"#answer-{answer.pk}")


@require_POST
@portal_view(sign_in_required=False)
def answer_accept(request: PortalRequest, pk: int) -> HttpResponse:
    answer = _answer_or_404(request, pk)
    question = answer.question
    staff = portal_staff(request)
    if request.customer is None and staff is None:
        return signin_redirect(request, request.organization, _question_url(question))
    actor = portal_staff_required(request, "answer.accept") if staff is not None else None
    customer = request.customer if actor is None else None
    undo = request.POST.get("action") == "unaccept"
    try:
        if undo:
            qa.answer_unaccept(answer=answer, customer=customer, actor=actor)
        else:
            qa.answer_accept(answer=answer, customer=customer, actor=actor)
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(
            request,
            "No longer marked as a solution."
            if undo
            else "Marked as a solution; everyone with this problem is told.",
        )
    return _done(request, question, f"#answer-{answer.pk}")


@require_POST
@portal_view(sign_in_required=True)
def answer_delete(request: PortalRequest, pk: int) -> HttpResponse:
    answer = _answer_or_404(request, pk)
    assert request.customer is not None
    try:
        qa.answer_delete(answer=answer, customer=request.customer)
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(request, "Your answer is deleted.")
    return redirect(_question_url(answer.question))


@require_POST
@portal_view(sign_in_required=False)
def me_too(request: PortalRequest, number: int) -> HttpResponse:
    question = _question_or_404(request, number)
    if request.customer is None:
        return signin_redirect(request, request.organization, _question_url(question))
    if (limited := rate_limited(request, request.organization, "me-too", limit=60)) is not None:
        return limited
    has = request.POST.get("action") != "remove"
    try:
        qa.me_too(question=question, customer=request.customer, has_problem=has)
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        if has:
            messages.success(
                request, "Counted: you follow this question and hear when it is solved."
            )
    return _done(request, question, "#people")


@require_POST
@portal_view(sign_in_required=False)
def question_follow(request: PortalRequest, number: int) -> HttpResponse:
    question = _question_or_404(request, number)
    return follow_toggle(
        request,
        following,
        subject=qa.question_subject(question),
        back=safe_next(request, _question_url(question)),
        signin_back=_question_url(question),
        followed="You follow this question by email.",
        unfollowed="You no longer follow this question.",
    )


@require_POST
@portal_view(sign_in_required=False)
def questions_follow(request: PortalRequest) -> HttpResponse:
    """Follow every new question."""
    back = reverse("questions", kwargs={"org": request.organization.slug})
    return follow_toggle(
        request,
        following,
        subject=qa.NEW_QUESTIONS,
        back=safe_next(request, back),
        signin_back=back,
    )


@portal_view(sign_in_required=True)
def question_edit(request: PortalRequest, number: int) -> HttpResponse:
    question = _question_or_404(request, number)
    assert request.customer is not None
    if question.author_id != request.customer.pk:
        raise PermissionDenied("Only the person who asked can edit this question.")
    initial = {
        "title": question.title,
        "body": question.body,
        "tags": ", ".join(t.name for t in question.tags.all()),
        "product": question.product.slug if question.product else "",
    }
    form = QuestionForm(initial=initial)
    status = 200
    if request.method == "POST":
        form = QuestionForm(request.POST)
        if form.is_valid():
            try:
                qa.question_update(
                    question=question,
                    customer=request.customer,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    tags=form.cleaned_data["tags"],
                    product=_product(request, form.cleaned_data["product"]),
                )
            except ValidationError as exc:
                form.add_error(None, errors_text(exc))
            else:
                messages.success(request, "Your question is updated.")
                return redirect(_question_url(question))
        status = 400
    return render(
        request,
        "community/question_form.html",
        {
            "organization": request.organization,
            "form": form,
            "editing": question,
            "products": selectors.products(organization=request.organization),
        },
        status=status,
    )


@require_POST
@portal_view(sign_in_required=True)
def question_delete(request: PortalRequest, number: int) -> HttpResponse:
    question = _question_or_404(request, number)
    assert request.customer is not None
    try:
        qa.question_delete(question=question, customer=request.customer)
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
        return redirect(_question_url(question))
    messages.success(request, "Your question is deleted.")
    return redirect("questions", org=request.organization.slug)


@require_POST
@portal_view(sign_in_required=True)
def question_flag(request: PortalRequest, number: int) -> HttpResponse:
    from sayso.community.moderation import flag_create

    question = _question_or_404(request, number)
    assert request.customer is not None
    if (limited := rate_limited(request, request.organization, "flag")) is not None:
        return limited
    answer = None
    raw = request.POST.get("answer", "")
    if raw:
        answer = _answer_or_404(request, raw)
        if answer.question_id != question.pk:
            raise Http404("No such answer.")
    try:
        flag_create(
            customer=request.customer,
            question=None if answer is not None else question,
            answer=answer,
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(request, "Thank you: the moderators will look at it.")
    return redirect(_question_url(question))


# --- staff actions on the public page --------------------------------------------------------


def _staff_action(request: PortalRequest, number: int) -> tuple[Any, Question]:
    actor = portal_staff_required(request, "question.moderate")
    return actor, _question_or_404(request, number)


@require_POST
@portal_view(sign_in_required=False)
def question_close(request: PortalRequest, number: int) -> HttpResponse:
    actor, question = _staff_action(request, number)
    try:
        if request.POST.get("action") == "reopen":
            qa.question_reopen(question=question, actor=actor)
            messages.success(request, "The question is open for answers again.")
        else:
            qa.question_close(question=question, reason=request.POST.get("reason", ""), actor=actor)
            messages.success(request, "The question is closed to new answers.")
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    return redirect(_question_url(question))


@require_POST
@portal_view(sign_in_required=False)
def question_moderate(request: PortalRequest, number: int) -> HttpResponse:
    """Hide or restore the question, or one of its answers (``answer``)."""
    actor, question = _staff_action(request, number)
    raw = request.POST.get("answer", "")
    restore = request.POST.get("action") == "restore"
    category = request.POST.get("category", "")
    explanation = request.POST.get("explanation", "")
    try:
        if raw:
            answer = _answer_or_404(request, raw)
            if answer.question_id != question.pk:
                raise Http404("No such answer.")
            if restore:
                qa.answer_restore(answer=answer, actor=actor, reason=explanation)
            else:
                qa.answer_hide(
                    answer=answer, category=category, explanation=explanation, actor=actor
                )
        elif restore:
            qa.question_restore(question=question, actor=actor, reason=explanation)
        else:
            qa.question_hide(
                question=question, category=category, explanation=explanation, actor=actor
            )
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(request, "Done; the public moderation log says so.")
    return redirect(safe_next(request, _question_url(question)))


@require_POST
@portal_view(sign_in_required=False)
def question_link(request: PortalRequest, number: int) -> HttpResponse:
    """Link to a case (by number), an idea (by number) or a status incident (by its number on
    the status page), remove a link, or turn the question into an idea."""
    from sayso.community.ideas.selectors import idea_get
    from sayso.conversations.selectors import case_get

    actor, question = _staff_action(request, number)
    action = request.POST.get("action", "")
    raw = request.POST.get("number", "").strip().lstrip("#")
    try:
        if action == "to-idea":
            idea = qa.question_to_idea(question=question, actor=actor)
            messages.success(request, f"Idea #{idea.number} was made from this question.")
        elif action == "unlink":
            link = next(
                (
                    link
                    for link in selectors.links_of_question(question=question, staff=True)
                    if str(link.pk) == request.POST.get("link", "")
                ),
                None,
            )
            if link is None:
                raise Http404("No such link.")
            qa.question_unlink(link=link)
            messages.success(request, "Link removed.")
        elif action in {"case", "idea", "incident"}:
            if not (raw.isdigit() and 0 < len(raw) < 10):
                raise ValidationError({"number": f"Give the {action}'s number."})
            target: Any
            if action == "case":
                target = case_get(organization=request.organization, number=int(raw))
            elif action == "idea":
                target = idea_get(organization=request.organization, number=int(raw))
            else:
                # An incident (status registers it).
                target = sections.link_target_get(
                    action, organization=request.organization, pk=int(raw)
                )
            if target is None:
                raise ValidationError({"number": f"There is no {action} #{raw}."})
            qa.question_link(question=question, actor=actor, **{action: target})
            messages.success(request, f"Linked to {action} #{raw}.")
        else:
            raise ValidationError("Choose what to do.")
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    return redirect(_question_url(question) + "#links")


# --- people ----------------------------------------------------------------------------------


@require_GET
@portal_view(sign_in_required=False)
def profile(request: PortalRequest, pk: int) -> HttpResponse:
    """A person's public questions, answers and ideas, and reputation (never their cases)."""
    person = get_or_404(
        selectors.profile_customer, pk, organization=request.organization, message="No such person."
    )
    if person.merged_into_id is not None:
        return redirect(
            "community-profile", org=request.organization.slug, pk=person.merged_into_id
        )
    found = selectors.profile(organization=request.organization, customer=person)
    is_self = request.customer is not None and request.customer.pk == person.pk
    visible = selectors.is_visible(person)
    if not (found.questions or found.answers or found.ideas or visible or is_self):
        raise Http404("This person has nothing public here.")
    return render(
        request,
        "community/profile.html",
        {
            "organization": request.organization,
            "person": person,
            "profile": found,
            "is_self": is_self,
            "visible": visible,
            "follows": bool(
                following.following(customer=request.customer, subjects=[qa.person_subject(person)])
            ),
        },
    )


@require_POST
@portal_view(sign_in_required=True)
def profile_follow(request: PortalRequest, pk: int) -> HttpResponse:
    assert request.customer is not None
    back = reverse("community-profile", kwargs={"org": request.organization.slug, "pk": pk})

    def not_oneself() -> None:
        if request.customer is not None and pk == request.customer.pk:
            raise ValidationError("You cannot follow yourself.")

    return follow_toggle(
        request,
        following,
        subject=qa.person_subject(pk) if is_object_id(pk) else "",
        back=safe_next(request, back),
        followed="You follow their questions and answers by email.",
        check=not_oneself,
    )


@require_POST
@portal_view(sign_in_required=True)
def visibility(request: PortalRequest) -> HttpResponse:
    """Opt in (or out) of being listed among the people with a problem."""
    assert request.customer is not None
    visible = request.POST.get("visible") == "on"
    qa.profile_update(customer=request.customer, visible=visible)
    messages.success(
        request,
        "Others with the same problem can now see and follow you."
        if visible
        else "You are no longer listed among the people with a problem.",
    )
    back = reverse(
        "community-profile", kwargs={"org": request.organization.slug, "pk": request.customer.pk}
    )
    return redirect(safe_next(request, back))


# --- staff -----------------------------------------------------------------------------------


@require_GET
@staff_required("question.read")
def staff_queue(request: StaffRequest) -> HttpResponse:
    """Unanswered questions past the set time, and open questions ranked by how many people
    have the problem."""
    organization = request.organization
    unanswered = Paginator(
        selectors.unanswered_queue(organization=organization), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "community/question_queue.html",
        {
            "organization": organization,
            "unanswered": unanswered,
            "affecting": selectors.most_affecting(organization=organization)[:PAGE_SIZE],
            "hours": settings.SAYSO_QA_UNANSWERED_AFTER_HOURS,
            "hide_reasons": HideReason.choices,
        },
    )
