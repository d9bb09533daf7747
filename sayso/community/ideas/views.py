"""The public idea board and an idea's page (``/o/<org>/ideas/``). Customers act through the
portal's sign-in; staff signed in to Sayso act on the same pages (status, official response,
merge, hide), with their role checked on every POST."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from sayso.community import following, moderation, sections
from sayso.community.forms import (
    CommentForm,
    FlagForm,
    HideForm,
    IdeaForm,
    MergeForm,
    ResponseForm,
    RestoreForm,
    StatusForm,
)
from sayso.community.ideas import comments, selectors, services
from sayso.community.models import (
    Idea,
    IdeaStatus,
)
from sayso.core.markup import render_markdown, stored_html
from sayso.core.ratelimit import client_key, rate_limit_hit
from sayso.core.web import (
    errors_text,
    follow_toggle,
    form_errors_text,
    get_or_404,
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

BOARD_PAGE_SIZE = 20


IDEA_COMMENTS_PAGE = 100  # oldest first; a busy idea's later comments on the next pages


@dataclass(frozen=True)
class BoardPage:
    """One page of the board without counting the whole board: the page's rows and whether
    another follows (a board of 100,000 ideas is never counted on every view)."""

    object_list: list[Idea]
    number: int
    has_next: bool

    @classmethod
    def of(cls, ideas: Any, raw: str, size: int) -> BoardPage:
        number = int(raw) if raw.isdigit() and 0 < len(raw) < 6 else 1
        number = max(1, number)
        rows = list(ideas[(number - 1) * size : number * size + 1])
        return cls(rows[:size], number, len(rows) > size)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def _idea_or_404(request: PortalRequest, number: int) -> Idea:
    found = selectors.idea_get
    return get_or_404(found, number, key="number", organization=request.organization)


def _questions_of(idea: Idea) -> list[Any]:
    return selectors.questions_of_idea(idea=idea)


def _idea_url(idea: Idea) -> str:
    return reverse("idea-detail", kwargs={"org": idea.organization.slug, "number": idea.number})


# --- the board -------------------------------------------------------------------------------


@require_GET
@portal_view(sign_in_required=False)
def board(request: PortalRequest) -> HttpResponse:
    params = request.GET
    filters = selectors.BoardFilters(
        sort=params.get("sort", "trending")
        if params.get("sort") in selectors.SORTS
        else "trending",
        status=params.get("status", "") if params.get("status") in IdeaStatus.values else "",
        category=params.get("category", "")[:80],
        query=params.get("q", "")[:200],
    )
    ideas = selectors.idea_board(organization=request.organization, filters=filters)
    page = BoardPage.of(ideas, params.get("page", ""), BOARD_PAGE_SIZE)
    voted = selectors.voted_idea_ids(
        customer=request.customer, ideas=[idea.pk for idea in page.object_list]
    )
    category = selectors.category_by_slug(organization=request.organization, slug=filters.category)
    board_subject = (
        following.category_subject(category.pk) if category is not None else following.NEW_IDEAS
    )
    context = {
        "organization": request.organization,
        "filters": filters,
        "page": page,
        "voted": voted,
        "statuses": IdeaStatus.choices,
        "categories": selectors.categories(organization=request.organization),
        "sorts": [("trending", "Trending"), ("top", "Top"), ("new", "New")],
        "category": category,
        "follows_board": bool(
            following.following(customer=request.customer, subjects=[board_subject])
        ),
    }
    template = (
        "community/_board_results.html"
        if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "board"
        else "community/board.html"
    )
    return render(request, template, context)


@require_GET
@portal_view(sign_in_required=False)
def similar(request: PortalRequest) -> HttpResponse:
    """The ideas most like a title being typed (htmx, as you type)."""
    limit = settings.SAYSO_SIMILAR_RATE_LIMIT_PER_MINUTE
    if rate_limit_hit(action="idea-similar", key=client_key(request), limit=limit):
        return HttpResponse("", status=429)
    title = request.GET.get("title", "")[:300]
    found = selectors.similar_ideas(organization=request.organization, text=title, k=3, brief=True)
    return render(
        request,
        "community/_similar.html",
        {"organization": request.organization, "similar": found},
    )


@portal_view(sign_in_required=False)
def idea_new(request: PortalRequest) -> HttpResponse:
    if request.customer is None:
        return signin_redirect(request, request.organization, request.get_full_path())
    form = IdeaForm(organization=request.organization)
    if request.method == "POST":
        if (limited := rate_limited(request, request.organization, "idea-post")) is not None:
            return limited
        form = IdeaForm(request.POST, organization=request.organization)
        if form.is_valid():
            try:
                idea, _ = services.idea_post(
                    organization=request.organization,
                    author=request.customer,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    category=form.cleaned_data["category"],
                )
            except ValidationError as exc:
                form.add_error(None, errors_text(exc))
            else:
                if idea.hidden_at is not None:
                    messages.error(
                        request,
                        "Your idea was held by the spam filter; the team will review it.",
                    )
                    return redirect("idea-board", org=request.organization.slug)
                messages.success(request, "Your idea is posted, with your vote.")
                return redirect(_idea_url(idea))
    return render(
        request,
        "community/idea_form.html",
        {"organization": request.organization, "form": form, "editing": None},
        status=400 if form.errors else 200,
    )


# --- an idea ---------------------------------------------------------------------------------


@require_GET
@portal_view(sign_in_required=False)
def idea_detail(request: PortalRequest, number: int) -> HttpResponse:
    idea = _idea_or_404(request, number)
    if idea.merged_into_id is not None:
        survivor = idea.merged_into
        assert survivor is not None
        while survivor.merged_into_id is not None:  # merged twice: follow to the end
            assert survivor.merged_into is not None
            survivor = survivor.merged_into
        return redirect(_idea_url(survivor), permanent=True)
    staff = portal_staff(request)
    if idea.hidden_at is not None and staff is None:
        raise Http404("This idea was hidden by the moderators (see the moderation log).")
    customer = request.customer
    comment_page = Paginator(selectors.idea_comments(idea=idea), IDEA_COMMENTS_PAGE).get_page(
        request.GET.get("comments")
    )
    comments = list(comment_page.object_list)
    context = {
        "organization": request.organization,
        "idea": idea,
        "body_html": render_markdown(idea.body),
        "response_html": render_markdown(idea.official_response),
        "comments": [(c, stored_html(c.body_html, c.body)) for c in comments],
        "comment_page": comment_page,
        "history": selectors.idea_status_history(idea=idea),
        "voted": bool(selectors.voted_idea_ids(customer=customer, ideas=[idea.pk])),
        "follows": bool(
            following.following(customer=customer, subjects=[following.idea_subject(idea)])
        ),
        "is_author": customer is not None and idea.author_id == customer.pk,
        "staff": staff,
        "comment_form": CommentForm(),
        "flag_form": FlagForm(),
        "similar": selectors.similar_to_idea(idea=idea, k=3, brief=True),
        "questions": _questions_of(idea),
        # The roadmap items and changelog entries of the idea (roadmap registers them).
        **sections.IDEA_PAGE.context(idea=idea),
    }
    if staff is not None:
        context.update(
            status_form=StatusForm(initial={"status": idea.status}),
            response_form=ResponseForm(initial={"body": idea.official_response}),
            merge_form=MergeForm(),
            hide_form=HideForm(),
        )
    return render(request, "community/idea_detail.html", context)


@require_POST
@portal_view(sign_in_required=False)
def idea_vote(request: PortalRequest, number: int) -> HttpResponse:
    idea = _idea_or_404(request, number)
    if request.customer is None:
        return signin_redirect(request, request.organization, _idea_url(idea))
    if (limited := rate_limited(request, request.organization, "idea-vote", limit=60)) is not None:
        return limited
    try:
        if request.POST.get("action") == "unvote":
            services.idea_unvote(idea=idea, customer=request.customer)
        else:
            services.idea_vote(idea=idea, customer=request.customer)
    except ValidationError as exc:
        if request.headers.get("HX-Request"):
            return HttpResponse(errors_text(exc), status=400)
        messages.error(request, errors_text(exc))
        return redirect(_idea_url(idea))
    idea.refresh_from_db()
    if request.headers.get("HX-Request"):
        voted = bool(selectors.voted_idea_ids(customer=request.customer, ideas=[idea.pk]))
        return render(
            request,
            "community/_vote.html",
            {"organization": request.organization, "idea": idea, "voted": voted},
        )
    return redirect(safe_next(request, _idea_url(idea)))


@require_POST
@portal_view(sign_in_required=False)
def comment_post(request: PortalRequest, number: int) -> HttpResponse:
    idea = _idea_or_404(request, number)
    staff = portal_staff(request)
    if request.customer is None and staff is None:
        return signin_redirect(request, request.organization, _idea_url(idea))
    if (limited := rate_limited(request, request.organization, "comment-post")) is not None:
        return limited
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return redirect(_idea_url(idea))
    try:
        if request.customer is not None:
            comment, created = comments.comment_post(
                idea=idea, author=request.customer, body=form.cleaned_data["body"]
            )
        else:
            comment, created = comments.comment_post(
                idea=idea, author_user=request.user, body=form.cleaned_data["body"]
            )
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
        return redirect(_idea_url(idea))
    if comment.state != "visible":
        messages.error(request, "Your comment was held by the spam filter; the team will look.")
    elif not created:
        messages.info(request, "You had already posted that comment.")
    return redirect(f"{_idea_url(idea)}#comment-{comment.pk}")


@portal_view(sign_in_required=True)
def idea_edit(request: PortalRequest, number: int) -> HttpResponse:
    idea = _idea_or_404(request, number)
    if request.customer is None or idea.author_id != request.customer.pk:
        raise PermissionDenied("Only the author can edit this idea.")
    initial = {"title": idea.title, "body": idea.body, "category": idea.category}
    form = IdeaForm(initial=initial, organization=request.organization)
    if request.method == "POST":
        form = IdeaForm(request.POST, organization=request.organization)
        if form.is_valid():
            try:
                services.idea_update(
                    idea=idea,
                    customer=request.customer,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    category=form.cleaned_data["category"],
                )
            except ValidationError as exc:
                form.add_error(None, errors_text(exc))
            else:
                messages.success(request, "Your idea is updated.")
                return redirect(_idea_url(idea))
    return render(
        request,
        "community/idea_form.html",
        {"organization": request.organization, "form": form, "editing": idea},
        status=400 if form.errors else 200,
    )


@require_POST
@portal_view(sign_in_required=True)
def idea_delete(request: PortalRequest, number: int) -> HttpResponse:
    idea = _idea_or_404(request, number)
    assert request.customer is not None
    try:
        services.idea_delete(idea=idea, customer=request.customer)
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
        return redirect(_idea_url(idea))
    messages.success(request, "Your idea is deleted.")
    return redirect("idea-board", org=request.organization.slug)


@require_POST
@portal_view(sign_in_required=True)
def flag(request: PortalRequest, number: int) -> HttpResponse:
    idea = _idea_or_404(request, number)
    assert request.customer is not None
    if (limited := rate_limited(request, request.organization, "flag")) is not None:
        return limited
    form = FlagForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why this breaks the rules.")
        return redirect(_idea_url(idea))
    comment = None
    if form.cleaned_data.get("comment"):
        comment = comments.comment_get(
            organization=request.organization, pk=form.cleaned_data["comment"]
        )
        if comment is None or comment.idea_id != idea.pk:
            raise Http404("No such comment.")
    try:
        moderation.flag_create(
            customer=request.customer,
            idea=None if comment is not None else idea,
            comment=comment,
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(request, "Thank you: the moderators will look at it.")
    return redirect(_idea_url(idea))


# --- staff actions on the public pages -------------------------------------------------------


@require_POST
@portal_view(sign_in_required=False)
def idea_status(request: PortalRequest, number: int) -> HttpResponse:
    actor = portal_staff_required(request, "idea.moderate")
    idea = _idea_or_404(request, number)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_text(form) or "Give a status and a public reason.")
        return redirect(_idea_url(idea))
    try:
        services.idea_status_change(
            idea=idea,
            status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
            actor=actor,
        )
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(request, "Status changed.")
    return redirect(_idea_url(idea))


@require_POST
@portal_view(sign_in_required=False)
def idea_respond(request: PortalRequest, number: int) -> HttpResponse:
    actor = portal_staff_required(request, "idea.moderate")
    idea = _idea_or_404(request, number)
    form = ResponseForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return redirect(_idea_url(idea))
    try:
        services.idea_respond(idea=idea, body=form.cleaned_data["body"], actor=actor)
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(request, "Official response saved.")
    return redirect(_idea_url(idea))


@require_POST
@portal_view(sign_in_required=False)
def idea_merge(request: PortalRequest, number: int) -> HttpResponse:
    actor = portal_staff_required(request, "idea.moderate")
    idea = _idea_or_404(request, number)
    form = MergeForm(request.POST)
    target = None
    if form.is_valid():
        target = selectors.idea_get(
            organization=request.organization, number=form.cleaned_data["into"]
        )
    if target is None:
        messages.error(request, "Give the number of an existing idea to merge into.")
        return redirect(_idea_url(idea))
    try:
        survivor = services.idea_merge(source=idea, target=target, actor=actor)
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
        return redirect(_idea_url(idea))
    messages.success(request, f"Idea #{idea.number} merged into #{survivor.number}.")
    return redirect(_idea_url(survivor))


@require_POST
@portal_view(sign_in_required=False)
def idea_hide(request: PortalRequest, number: int) -> HttpResponse:
    actor = portal_staff_required(request, "idea.moderate")
    idea = _idea_or_404(request, number)
    form = HideForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return redirect(_idea_url(idea))
    try:
        services.idea_hide(
            idea=idea,
            category=form.cleaned_data["category"],
            explanation=form.cleaned_data["explanation"],
            actor=actor,
        )
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
        return redirect(_idea_url(idea))
    messages.success(request, f"Idea #{idea.number} hidden; the moderation log says why.")
    return redirect("idea-board", org=request.organization.slug)


@require_POST
@portal_view(sign_in_required=False)
def idea_restore(request: PortalRequest, number: int) -> HttpResponse:
    actor = portal_staff_required(request, "idea.moderate")
    idea = _idea_or_404(request, number)
    form = RestoreForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.idea_restore(idea=idea, actor=actor, reason=reason)
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    return redirect(_idea_url(idea))


@require_POST
@portal_view(sign_in_required=False)
def comment_hide(request: PortalRequest, pk: int) -> HttpResponse:
    actor = portal_staff_required(request, "comment.moderate")
    comment = get_or_404(
        comments.comment_get, pk, organization=request.organization, message="No such comment."
    )
    form = HideForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
    else:
        try:
            comments.comment_hide(
                comment=comment,
                category=form.cleaned_data["category"],
                explanation=form.cleaned_data["explanation"],
                actor=actor,
            )
        except ValidationError as exc:
            messages.error(request, errors_text(exc))
        else:
            messages.success(request, "Comment hidden; the moderation log says why.")
    return redirect(safe_next(request, comments.comment_url(comment)))


@require_POST
@portal_view(sign_in_required=False)
def comment_restore(request: PortalRequest, pk: int) -> HttpResponse:
    actor = portal_staff_required(request, "comment.moderate")
    comment = get_or_404(
        comments.comment_get, pk, organization=request.organization, message="No such comment."
    )
    form = RestoreForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        comments.comment_restore(comment=comment, actor=actor, reason=reason)
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(request, "Comment restored.")
    return redirect(safe_next(request, comments.comment_url(comment)))


# --- following -------------------------------------------------------------------------------


@require_POST
@portal_view(sign_in_required=False)
def idea_follow(request: PortalRequest, number: int) -> HttpResponse:
    idea = _idea_or_404(request, number)
    return follow_toggle(
        request,
        following,
        subject=following.idea_subject(idea),
        back=_idea_url(idea),
        followed="You follow this idea: updates come by email.",
        unfollowed="You no longer follow this idea.",
        delivery=request.POST.get("delivery"),
    )


@require_POST
@portal_view(sign_in_required=False)
def board_follow(request: PortalRequest) -> HttpResponse:
    """Follow every new idea, or a category's new ideas, by email."""
    slug = request.POST.get("category", "")[:80]
    category = selectors.category_by_slug(organization=request.organization, slug=slug)
    if slug and category is None:
        raise Http404("No such category.")
    board = reverse("idea-board", kwargs={"org": request.organization.slug})
    back = f"{board}?category={category.slug}" if category is not None else board
    subject = (
        following.category_subject(category.pk) if category is not None else following.NEW_IDEAS
    )
    return follow_toggle(
        request,
        following,
        subject=subject,
        back=back,
        followed="You will hear of new ideas by email.",
        unfollowed="Unfollowed.",
    )
