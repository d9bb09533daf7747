"""Pages that span the community's parts: the open moderation log (``/o/<org>/moderation/``),
the staff moderation queue (``/staff/<org>/moderation/``), reports, and comments on roadmap
items, changelog entries and reviews."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from sayso.community import ideas, moderation, qa, reviews, sections
from sayso.community.forms import (
    CommentForm,
    HideForm,
)
from sayso.community.reviews import views as review_views
from sayso.core.permissions import StaffRequest, staff_required
from sayso.core.web import (
    errors_text,
    form_errors_text,
    is_object_id,
    rate_limited,
    signin_redirect,
)
from sayso.customers.portal_session import (
    PortalRequest,
    portal_staff,
    portal_view,
)

# --- moderation ------------------------------------------------------------------------------


@require_GET
@portal_view(sign_in_required=False)
def moderation_log(request: PortalRequest) -> HttpResponse:
    entries = moderation.moderation_log(organization=request.organization)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "community/moderation_log.html",
        {"organization": request.organization, "page": page},
    )


@require_GET
@staff_required("moderation.read")
def moderation_queue(request: StaffRequest) -> HttpResponse:
    organization = request.organization
    return render(
        request,
        "community/moderation_queue.html",
        {
            "spam": ideas.spam_queue(organization=organization)[:100],
            "held_ideas": ideas.held_ideas(organization=organization)[:100],
            "flags": moderation.open_flags(organization=organization)[:100],
            "held_reviews": reviews.held_reviews(organization=organization)[:100],
            "held_questions": qa.held_questions(organization=organization)[:100],
            "held_answers": qa.held_answers(organization=organization)[:100],
            "hide_form": HideForm(),
        },
    )


# --- comments on roadmap items, changelog entries and reviews --------------------------------


def _thread_target(request: PortalRequest, kind: str, pk: int) -> Any:
    """A review here; a roadmap item or a changelog entry (roadmap registers them)."""
    found = sections.thread_target_get(kind, organization=request.organization, pk=pk)
    if found is None:
        raise Http404("Nothing to comment on here.")
    return found


@require_POST
@portal_view(sign_in_required=False)
def thread_comment(request: PortalRequest, kind: str, pk: int) -> HttpResponse:
    """A comment on a roadmap item, a changelog entry or a review (ideas have their own)."""
    target = _thread_target(request, kind, pk)
    path = ideas.comment_target(target).path
    staff = portal_staff(request)
    if request.customer is None and staff is None:
        return signin_redirect(request, request.organization, path)
    if (limited := rate_limited(request, request.organization, "comment-post")) is not None:
        return limited
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return redirect(path)
    try:
        if request.customer is not None:
            comment, created = ideas.comment_post(
                on=target, author=request.customer, body=form.cleaned_data["body"]
            )
        else:
            comment, created = ideas.comment_post(
                on=target, author_user=request.user, body=form.cleaned_data["body"]
            )
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
        return redirect(path)
    if comment.state != "visible":
        messages.error(request, "Your comment was held by the spam filter; the team will look.")
    elif not created:
        messages.info(request, "You had already posted that comment.")
    return redirect(f"{path}#comment-{comment.pk}")


@require_POST
@portal_view(sign_in_required=True)
def report(request: PortalRequest) -> HttpResponse:
    """A customer reports a review or a comment (on anything) to the moderators."""
    assert request.customer is not None
    if (limited := rate_limited(request, request.organization, "flag")) is not None:
        return limited
    kind = request.POST.get("kind", "")
    raw = request.POST.get("id", "")
    pk = int(raw) if is_object_id(raw) else 0
    review = (
        reviews.review_get(organization=request.organization, pk=pk) if kind == "review" else None
    )
    comment = (
        ideas.comment_get(organization=request.organization, pk=pk) if kind == "comment" else None
    )
    if review is None and comment is None:
        raise Http404("Nothing to report here.")
    back = (
        ideas.comment_url(comment)
        if comment is not None
        else f"{review_views.reviews_url(request, review.product)}#review-{review.pk}"  # type: ignore[union-attr]
    )
    try:
        moderation.flag_create(
            customer=request.customer,
            comment=comment,
            review=review,
            reason=request.POST.get("reason", "")[:2000],
        )
    except ValidationError as exc:
        messages.error(request, errors_text(exc) or "Say why this breaks the rules.")
    else:
        messages.success(request, "Thank you: the moderators will look at it.")
    return redirect(back)
