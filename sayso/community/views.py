"""The public idea board, an idea's page, and the open moderation log (``/o/<org>/``), plus
the staff moderation queue (``/staff/<org>/moderation/``).

Customers act through the portal's sign-in; staff signed in to Sayso act on the same public
pages (status, official response, merge, hide), with their role checked on every POST.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from sayso.community import following, reviews, selectors, services
from sayso.community.forms import (
    CommentForm,
    FlagForm,
    HideForm,
    IdeaForm,
    MergeForm,
    ResponseForm,
    RestoreForm,
    ReviewForm,
    StatusForm,
)
from sayso.community.models import Delivery, Idea, IdeaStatus
from sayso.community.question_selectors import held_answers, held_questions
from sayso.core.markup import render_markdown, stored_html
from sayso.core.models import Role
from sayso.core.permissions import StaffRequest, staff_required
from sayso.core.ratelimit import client_key, rate_limit_hit
from sayso.customers.portal_session import (
    PortalRequest,
    portal_staff,
    portal_staff_required,
    portal_view,
    signin_url,
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


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _form_errors(form: Any) -> str:
    return " ".join(str(m) for errors in form.errors.values() for m in errors)


def _idea_or_404(request: PortalRequest, number: int) -> Idea:
    idea = selectors.idea_get(organization=request.organization, number=number)
    if idea is None:
        raise Http404("No such idea.")
    return idea


def _roadmap_of(idea: Idea) -> dict[str, Any]:
    # The roadmap app builds on this one; imported here, not at module level.
    from sayso.roadmap import selectors as roadmap

    return {
        "roadmap_items": roadmap.roadmap_items_of_idea(idea=idea),
        "shipped_in": roadmap.changelog_entries_of_idea(idea=idea),
    }


def _questions_of(idea: Idea) -> list[Any]:
    from sayso.community.question_selectors import questions_of_idea

    return questions_of_idea(idea=idea)


def _comment_url(comment: Any) -> str:
    """Where a comment is shown: its thread's page, at the comment."""
    target = next(
        obj
        for obj in (comment.idea, comment.roadmap_item, comment.changelog_entry, comment.review)
        if obj is not None
    )
    return f"{services.comment_target(target).path}#comment-{comment.pk}"


def _idea_url(idea: Idea) -> str:
    return reverse("idea-detail", kwargs={"org": idea.organization.slug, "number": idea.number})


def _signin_redirect(request: PortalRequest, next_url: str) -> HttpResponse:
    target = signin_url(request.organization, next_url)
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


def _next_or(request: PortalRequest, fallback: str) -> str:
    """The form's ``next`` when it points into this site, else ``fallback`` (no open
    redirects)."""
    candidate = request.POST.get("next", "")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


def _limited(request: PortalRequest, action: str, limit: int | None = None) -> HttpResponse | None:
    if rate_limit_hit(action=action, key=client_key(request), limit=limit):
        return render(
            request,
            "portal/rate_limited.html",
            {"organization": request.organization},
            status=429,
        )
    return None


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
        return _signin_redirect(request, request.get_full_path())
    form = IdeaForm(organization=request.organization)
    if request.method == "POST":
        if (limited := _limited(request, "idea-post")) is not None:
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
                form.add_error(None, _errors(exc))
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
        **_roadmap_of(idea),
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
        return _signin_redirect(request, _idea_url(idea))
    if (limited := _limited(request, "idea-vote", limit=60)) is not None:
        return limited
    try:
        if request.POST.get("action") == "unvote":
            services.idea_unvote(idea=idea, customer=request.customer)
        else:
            services.idea_vote(idea=idea, customer=request.customer)
    except ValidationError as exc:
        if request.headers.get("HX-Request"):
            return HttpResponse(_errors(exc), status=400)
        messages.error(request, _errors(exc))
        return redirect(_idea_url(idea))
    idea.refresh_from_db()
    if request.headers.get("HX-Request"):
        voted = bool(selectors.voted_idea_ids(customer=request.customer, ideas=[idea.pk]))
        return render(
            request,
            "community/_vote.html",
            {"organization": request.organization, "idea": idea, "voted": voted},
        )
    return redirect(_next_or(request, _idea_url(idea)))


@require_POST
@portal_view(sign_in_required=False)
def comment_post(request: PortalRequest, number: int) -> HttpResponse:
    idea = _idea_or_404(request, number)
    staff = portal_staff(request)
    if request.customer is None and staff is None:
        return _signin_redirect(request, _idea_url(idea))
    if (limited := _limited(request, "comment-post")) is not None:
        return limited
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(_idea_url(idea))
    try:
        if request.customer is not None:
            comment, created = services.comment_post(
                idea=idea, author=request.customer, body=form.cleaned_data["body"]
            )
        else:
            comment, created = services.comment_post(
                idea=idea, author_user=request.user, body=form.cleaned_data["body"]
            )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
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
                form.add_error(None, _errors(exc))
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
        messages.error(request, _errors(exc))
        return redirect(_idea_url(idea))
    messages.success(request, "Your idea is deleted.")
    return redirect("idea-board", org=request.organization.slug)


@require_POST
@portal_view(sign_in_required=True)
def flag(request: PortalRequest, number: int) -> HttpResponse:
    idea = _idea_or_404(request, number)
    assert request.customer is not None
    if (limited := _limited(request, "flag")) is not None:
        return limited
    form = FlagForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why this breaks the rules.")
        return redirect(_idea_url(idea))
    comment = None
    if form.cleaned_data.get("comment"):
        comment = selectors.comment_get(
            organization=request.organization, pk=form.cleaned_data["comment"]
        )
        if comment is None or comment.idea_id != idea.pk:
            raise Http404("No such comment.")
    try:
        services.flag_create(
            customer=request.customer,
            idea=None if comment is not None else idea,
            comment=comment,
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, "Thank you: the moderators will look at it.")
    return redirect(_idea_url(idea))


# --- staff actions on the public pages -------------------------------------------------------


@require_POST
@portal_view(sign_in_required=False)
def idea_status(request: PortalRequest, number: int) -> HttpResponse:
    actor = portal_staff_required(request)
    idea = _idea_or_404(request, number)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form) or "Give a status and a public reason.")
        return redirect(_idea_url(idea))
    try:
        services.idea_status_change(
            idea=idea,
            status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
            actor=actor,
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, "Status changed.")
    return redirect(_idea_url(idea))


@require_POST
@portal_view(sign_in_required=False)
def idea_respond(request: PortalRequest, number: int) -> HttpResponse:
    actor = portal_staff_required(request)
    idea = _idea_or_404(request, number)
    form = ResponseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(_idea_url(idea))
    try:
        services.idea_respond(idea=idea, body=form.cleaned_data["body"], actor=actor)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, "Official response saved.")
    return redirect(_idea_url(idea))


@require_POST
@portal_view(sign_in_required=False)
def idea_merge(request: PortalRequest, number: int) -> HttpResponse:
    actor = portal_staff_required(request)
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
        messages.error(request, _errors(exc))
        return redirect(_idea_url(idea))
    messages.success(request, f"Idea #{idea.number} merged into #{survivor.number}.")
    return redirect(_idea_url(survivor))


@require_POST
@portal_view(sign_in_required=False)
def idea_hide(request: PortalRequest, number: int) -> HttpResponse:
    actor = portal_staff_required(request)
    idea = _idea_or_404(request, number)
    form = HideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(_idea_url(idea))
    try:
        services.idea_hide(
            idea=idea,
            category=form.cleaned_data["category"],
            explanation=form.cleaned_data["explanation"],
            actor=actor,
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect(_idea_url(idea))
    messages.success(request, f"Idea #{idea.number} hidden; the moderation log says why.")
    return redirect("idea-board", org=request.organization.slug)


@require_POST
@portal_view(sign_in_required=False)
def idea_restore(request: PortalRequest, number: int) -> HttpResponse:
    actor = portal_staff_required(request)
    idea = _idea_or_404(request, number)
    form = RestoreForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.idea_restore(idea=idea, actor=actor, reason=reason)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect(_idea_url(idea))


@require_POST
@portal_view(sign_in_required=False)
def comment_hide(request: PortalRequest, pk: int) -> HttpResponse:
    actor = portal_staff_required(request)
    comment = selectors.comment_get(organization=request.organization, pk=pk)
    if comment is None:
        raise Http404("No such comment.")
    form = HideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        try:
            services.comment_hide(
                comment=comment,
                category=form.cleaned_data["category"],
                explanation=form.cleaned_data["explanation"],
                actor=actor,
            )
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, "Comment hidden; the moderation log says why.")
    return redirect(_next_or(request, _comment_url(comment)))


@require_POST
@portal_view(sign_in_required=False)
def comment_restore(request: PortalRequest, pk: int) -> HttpResponse:
    actor = portal_staff_required(request)
    comment = selectors.comment_get(organization=request.organization, pk=pk)
    if comment is None:
        raise Http404("No such comment.")
    form = RestoreForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.comment_restore(comment=comment, actor=actor, reason=reason)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, "Comment restored.")
    return redirect(_next_or(request, _comment_url(comment)))


# --- moderation ------------------------------------------------------------------------------


@require_GET
@portal_view(sign_in_required=False)
def moderation_log(request: PortalRequest) -> HttpResponse:
    entries = selectors.moderation_log(organization=request.organization)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "community/moderation_log.html",
        {"organization": request.organization, "page": page},
    )


@require_GET
@staff_required(Role.AGENT)
def moderation_queue(request: StaffRequest) -> HttpResponse:
    organization = request.organization
    return render(
        request,
        "community/moderation_queue.html",
        {
            "spam": selectors.spam_queue(organization=organization)[:100],
            "held_ideas": selectors.held_ideas(organization=organization)[:100],
            "flags": selectors.open_flags(organization=organization)[:100],
            "held_reviews": reviews.held_reviews(organization=organization)[:100],
            "held_questions": held_questions(organization=organization)[:100],
            "held_answers": held_answers(organization=organization)[:100],
            "hide_form": HideForm(),
        },
    )


# --- following -------------------------------------------------------------------------------


@require_POST
@portal_view(sign_in_required=False)
def idea_follow(request: PortalRequest, number: int) -> HttpResponse:
    idea = _idea_or_404(request, number)
    if request.customer is None:
        return _signin_redirect(request, _idea_url(idea))
    subject = following.idea_subject(idea)
    try:
        if request.POST.get("action") == "unfollow":
            following.follow_remove(customer=request.customer, subject=subject)
            messages.success(request, "You no longer follow this idea.")
        else:
            following.follow_add(
                customer=request.customer, subject=subject, delivery=request.POST.get("delivery")
            )
            messages.success(request, "You follow this idea: updates come by email.")
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect(_idea_url(idea))


@portal_view(sign_in_required=True)
def following_settings(request: PortalRequest) -> HttpResponse:
    """What the customer follows, and how: turn following-by-participation off, choose a
    digest, unfollow."""
    customer = request.customer
    assert customer is not None
    if request.method == "POST":
        if request.POST.get("unfollow"):
            following.follow_remove(customer=customer, subject=request.POST["unfollow"][:64])
            messages.success(request, "Unfollowed.")
        else:
            try:
                following.follow_settings_update(
                    customer=customer,
                    follow_on_participation=request.POST.get("follow_on_participation") == "on",
                    delivery=request.POST.get("delivery", ""),
                )
            except ValidationError as exc:
                messages.error(request, _errors(exc))
            else:
                messages.success(request, "Saved.")
        return redirect("following", org=request.organization.slug)
    return render(
        request,
        "community/following.html",
        {
            "organization": request.organization,
            "settings": following.settings_for(customer),
            "follows": selectors.follows_of(customer=customer),
            "deliveries": Delivery.choices,
        },
    )


def _one_click(request: PortalRequest) -> bool:
    """The mail client's one-click unsubscribe (RFC 8058): a POST whose only field is
    ``List-Unsubscribe=One-Click``."""
    return (
        request.method == "POST"
        and list(request.POST.keys()) == ["List-Unsubscribe"]
        and request.POST.get("List-Unsubscribe") == "One-Click"
    )


def _unsubscribe_invalid(request: PortalRequest) -> HttpResponse:
    return render(
        request,
        "community/unsubscribed.html",
        {"organization": request.organization, "invalid": True},
        status=404,
    )


def _unsubscribe_now(request: PortalRequest, token: str, *, everything: bool) -> HttpResponse:
    result = following.unsubscribe(
        organization=request.organization, token=token, everything=everything
    )
    if result is None:
        return _unsubscribe_invalid(request)
    return render(
        request,
        "community/unsubscribed.html",
        {"organization": request.organization, "result": result},
    )


@csrf_exempt  # only for the RFC 8058 one-click POST (no session there; the token is the key)
@portal_view(sign_in_required=False)
def unsubscribe(request: PortalRequest, token: str) -> HttpResponse:
    """An email's unsubscribe link. Opening it changes nothing (mail scanners open links): it
    asks, and the page's POST unsubscribes, with a way to stop every email and to undo. The
    mail client's one-click POST unsubscribes at once, without a CSRF token; every other POST
    needs one."""
    if _one_click(request):
        return _unsubscribe_now(request, token, everything=False)
    return _unsubscribe_page(request, token)


@csrf_protect
def _unsubscribe_page(request: PortalRequest, token: str) -> HttpResponse:
    if request.method == "POST" and "undo" in request.POST:
        try:
            follow = following.unsubscribe_undo(
                organization=request.organization,
                token=token,
                undo=request.POST.get("undo", "")[:1000],
            )
        except ValidationError:
            follow, problem = None, "It can no longer be followed."
        else:
            problem = "This undo button does not work any more."
        if follow is None:
            if following.unsubscribe_pending(organization=request.organization, token=token):
                return render(
                    request,
                    "community/unsubscribed.html",
                    {"organization": request.organization, "undo_failed": problem},
                    status=400,
                )
            return _unsubscribe_invalid(request)
        messages.success(request, "You follow it again.")
        return redirect("idea-board", org=request.organization.slug)
    if request.method == "POST":
        return _unsubscribe_now(request, token, everything=request.POST.get("everything") == "1")
    if request.method not in {"GET", "HEAD"}:
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    pending = following.unsubscribe_pending(organization=request.organization, token=token)
    if pending is None:
        return _unsubscribe_invalid(request)
    label = None
    if pending.follow is not None:
        label = next(
            (
                name
                for follow, name, _ in selectors.follows_of(customer=pending.customer)
                if follow.pk == pending.follow.pk
            ),
            None,
        )
    return render(
        request,
        "community/unsubscribed.html",
        {"organization": request.organization, "pending": pending, "label": label},
    )


# --- reviews ---------------------------------------------------------------------------------


def _reviews_url(request: PortalRequest, product: Any) -> str:
    url = reverse("reviews", kwargs={"org": request.organization.slug})
    return f"{url}?product={product.slug}" if product is not None else url


@portal_view(sign_in_required=False)
def reviews_page(request: PortalRequest) -> HttpResponse:
    """Reviews of the company, or of one product: average, distribution, every published
    review with the team's reply; signed-in customers write or change theirs."""
    slug = (request.GET.get("product") or request.POST.get("product") or "")[:120]
    product = reviews.product_by_slug(organization=request.organization, slug=slug)
    if slug and product is None:
        raise Http404("No such product.")
    mine = reviews.review_of(customer=request.customer, product=product)
    form = ReviewForm(
        initial={"rating": mine.rating, "title": mine.title, "body": mine.body} if mine else None
    )
    if request.method == "POST":
        if request.customer is None:
            return _signin_redirect(request, _reviews_url(request, product))
        if (limited := _limited(request, "review-post")) is not None:
            return limited
        form = ReviewForm(request.POST)
        if form.is_valid():
            try:
                review, _ = reviews.review_post(
                    customer=request.customer,
                    product=product,
                    rating=form.cleaned_data["rating"],
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                )
            except ValidationError as exc:
                form.add_error(None, _errors(exc))
            else:
                if review.hidden_at is not None:
                    messages.error(
                        request, "Your review was held by the spam filter; the team will look."
                    )
                else:
                    messages.success(request, "Thank you: your review is published.")
                return redirect(f"{_reviews_url(request, product)}#review-{review.pk}")
    staff = portal_staff(request)
    page = Paginator(
        reviews.public_reviews(organization=request.organization, product=product), 20
    ).get_page(request.GET.get("page"))
    thread_comments = selectors.comments_on_reviews(reviews=list(page.object_list))
    return render(
        request,
        "community/reviews.html",
        {
            "organization": request.organization,
            "product": product,
            "products": reviews.products(organization=request.organization),
            "summary": reviews.review_summary(organization=request.organization, product=product),
            "page": page,
            "rendered": [
                (r, render_markdown(r.body), render_markdown(r.reply), thread_comments[r.pk])
                for r in page.object_list
            ],
            "mine": mine,
            "form": form,
            "staff": staff,
            "hide_form": HideForm() if staff else None,
            "hide_reasons": services.HideReason.choices,
        },
        status=400 if form.errors else 200,
    )


def _review_or_404(request: PortalRequest, pk: int) -> Any:
    review = reviews.review_get(organization=request.organization, pk=pk)
    if review is None:
        raise Http404("No such review.")
    return review


@require_POST
@portal_view(sign_in_required=False)
def review_reply(request: PortalRequest, pk: int) -> HttpResponse:
    actor = portal_staff_required(request)
    review = _review_or_404(request, pk)
    form = ResponseForm(request.POST)
    if form.is_valid():
        try:
            reviews.review_reply(review=review, body=form.cleaned_data["body"], actor=actor)
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, "Reply published.")
    return redirect(f"{_reviews_url(request, review.product)}#review-{review.pk}")


@require_POST
@portal_view(sign_in_required=False)
def review_hide(request: PortalRequest, pk: int) -> HttpResponse:
    actor = portal_staff_required(request)
    review = _review_or_404(request, pk)
    form = HideForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose why: spam, abuse or personal data.")
    else:
        try:
            reviews.review_hide(
                review=review,
                category=form.cleaned_data["category"],
                explanation=form.cleaned_data["explanation"],
                actor=actor,
            )
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, "Review hidden; the moderation log says why.")
    return redirect(_next_or(request, _reviews_url(request, review.product)))


@require_POST
@portal_view(sign_in_required=False)
def review_restore(request: PortalRequest, pk: int) -> HttpResponse:
    actor = portal_staff_required(request)
    review = _review_or_404(request, pk)
    form = RestoreForm(request.POST)
    try:
        reviews.review_restore(
            review=review,
            actor=actor,
            reason=form.cleaned_data["reason"] if form.is_valid() else "",
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, "Review published again.")
    return redirect(_next_or(request, _reviews_url(request, review.product)))


@require_POST
@portal_view(sign_in_required=False)
def review_follow(request: PortalRequest, pk: int) -> HttpResponse:
    review = _review_or_404(request, pk)
    if request.customer is None:
        return _signin_redirect(request, _reviews_url(request, review.product))
    subject = reviews.review_subject(review)
    if request.POST.get("action") == "unfollow":
        following.follow_remove(customer=request.customer, subject=subject)
    else:
        following.follow_add(customer=request.customer, subject=subject)
        messages.success(request, "You follow this review's thread by email.")
    return redirect(f"{_reviews_url(request, review.product)}#review-{review.pk}")


# --- comments on roadmap items, changelog entries and reviews --------------------------------


def _thread_target(request: PortalRequest, kind: str, pk: int) -> Any:
    from sayso.roadmap import selectors as roadmap

    organization = request.organization
    found: Any
    if kind == "roadmap":
        found = roadmap.roadmap_item_get(organization=organization, pk=pk)
    elif kind == "changelog":
        found = roadmap.changelog_entry_get(organization=organization, pk=pk)
    elif kind == "review":
        found = reviews.review_get(organization=organization, pk=pk)
    else:
        found = None
    if found is None:
        raise Http404("Nothing to comment on here.")
    return found


@require_POST
@portal_view(sign_in_required=False)
def thread_comment(request: PortalRequest, kind: str, pk: int) -> HttpResponse:
    """A comment on a roadmap item, a changelog entry or a review (ideas have their own)."""
    target = _thread_target(request, kind, pk)
    path = services.comment_target(target).path
    staff = portal_staff(request)
    if request.customer is None and staff is None:
        return _signin_redirect(request, path)
    if (limited := _limited(request, "comment-post")) is not None:
        return limited
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(path)
    try:
        if request.customer is not None:
            comment, created = services.comment_post(
                on=target, author=request.customer, body=form.cleaned_data["body"]
            )
        else:
            comment, created = services.comment_post(
                on=target, author_user=request.user, body=form.cleaned_data["body"]
            )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect(path)
    if comment.state != "visible":
        messages.error(request, "Your comment was held by the spam filter; the team will look.")
    elif not created:
        messages.info(request, "You had already posted that comment.")
    return redirect(f"{path}#comment-{comment.pk}")


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
    if request.customer is None:
        return _signin_redirect(request, back)
    subject = (
        following.category_subject(category.pk) if category is not None else following.NEW_IDEAS
    )
    if request.POST.get("action") == "unfollow":
        following.follow_remove(customer=request.customer, subject=subject)
        messages.success(request, "Unfollowed.")
    else:
        following.follow_add(customer=request.customer, subject=subject)
        messages.success(request, "You will hear of new ideas by email.")
    return redirect(back)


@require_POST
@portal_view(sign_in_required=True)
def report(request: PortalRequest) -> HttpResponse:
    """A customer reports a review or a comment (on anything) to the moderators."""
    assert request.customer is not None
    if (limited := _limited(request, "flag")) is not None:
        return limited
    kind = request.POST.get("kind", "")
    raw = request.POST.get("id", "")
    pk = int(raw) if raw.isdigit() and len(raw) < 12 else 0
    review = (
        reviews.review_get(organization=request.organization, pk=pk) if kind == "review" else None
    )
    comment = (
        selectors.comment_get(organization=request.organization, pk=pk)
        if kind == "comment"
        else None
    )
    if review is None and comment is None:
        raise Http404("Nothing to report here.")
    back = (
        _comment_url(comment)
        if comment is not None
        else f"{_reviews_url(request, review.product)}#review-{review.pk}"  # type: ignore[union-attr]
    )
    try:
        services.flag_create(
            customer=request.customer,
            comment=comment,
            review=review,
            reason=request.POST.get("reason", "")[:2000],
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc) or "Say why this breaks the rules.")
    else:
        messages.success(request, "Thank you: the moderators will look at it.")
    return redirect(back)
