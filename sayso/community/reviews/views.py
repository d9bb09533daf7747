"""The reviews page (``/o/<org>/reviews/``) and staff's reply, hide and restore of a review."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from sayso.community import following, ideas, moderation, reviews
from sayso.community.forms import (
    HideForm,
    ResponseForm,
    RestoreForm,
    ReviewForm,
)
from sayso.core.markup import render_markdown
from sayso.core.web import (
    errors_text,
    follow_toggle,
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

# --- reviews ---------------------------------------------------------------------------------


def reviews_url(request: PortalRequest, product: Any) -> str:
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
            return signin_redirect(request, request.organization, reviews_url(request, product))
        if (limited := rate_limited(request, request.organization, "review-post")) is not None:
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
                form.add_error(None, errors_text(exc))
            else:
                if review.hidden_at is not None:
                    messages.error(
                        request, "Your review was held by the spam filter; the team will look."
                    )
                else:
                    messages.success(request, "Thank you: your review is published.")
                return redirect(f"{reviews_url(request, product)}#review-{review.pk}")
    staff = portal_staff(request)
    page = Paginator(
        reviews.public_reviews(organization=request.organization, product=product), 20
    ).get_page(request.GET.get("page"))
    thread_comments = ideas.comments_on_reviews(reviews=list(page.object_list))
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
            "hide_reasons": moderation.HideReason.choices,
        },
        status=400 if form.errors else 200,
    )


def _review_or_404(request: PortalRequest, pk: int) -> Any:
    return get_or_404(
        reviews.review_get, pk, organization=request.organization, message="No such review."
    )


@require_POST
@portal_view(sign_in_required=False)
def review_reply(request: PortalRequest, pk: int) -> HttpResponse:
    actor = portal_staff_required(request, "review.reply")
    review = _review_or_404(request, pk)
    form = ResponseForm(request.POST)
    if form.is_valid():
        try:
            reviews.review_reply(review=review, body=form.cleaned_data["body"], actor=actor)
        except ValidationError as exc:
            messages.error(request, errors_text(exc))
        else:
            messages.success(request, "Reply published.")
    return redirect(f"{reviews_url(request, review.product)}#review-{review.pk}")


@require_POST
@portal_view(sign_in_required=False)
def review_hide(request: PortalRequest, pk: int) -> HttpResponse:
    actor = portal_staff_required(request, "review.moderate")
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
            messages.error(request, errors_text(exc))
        else:
            messages.success(request, "Review hidden; the moderation log says why.")
    return redirect(safe_next(request, reviews_url(request, review.product)))


@require_POST
@portal_view(sign_in_required=False)
def review_restore(request: PortalRequest, pk: int) -> HttpResponse:
    actor = portal_staff_required(request, "review.moderate")
    review = _review_or_404(request, pk)
    form = RestoreForm(request.POST)
    try:
        reviews.review_restore(
            review=review,
            actor=actor,
            reason=form.cleaned_data["reason"] if form.is_valid() else "",
        )
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(request, "Review published again.")
    return redirect(safe_next(request, reviews_url(request, review.product)))


@require_POST
@portal_view(sign_in_required=False)
def review_follow(request: PortalRequest, pk: int) -> HttpResponse:
    review = _review_or_404(request, pk)
    return follow_toggle(
        request,
        following,
        subject=reviews.review_subject(review),
        back=f"{reviews_url(request, review.product)}#review-{review.pk}",
        signin_back=reviews_url(request, review.product),
        followed="You follow this review's thread by email.",
    )
