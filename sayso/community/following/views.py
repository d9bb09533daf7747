"""A customer's following settings page, and the unsubscribe page of every follower email."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from sayso.community import following
from sayso.community.models import (
    Delivery,
)
from sayso.core.web import errors_text
from sayso.customers.portal_session import (
    PortalRequest,
    portal_view,
)


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
                messages.error(request, errors_text(exc))
            else:
                messages.success(request, "Saved.")
        return redirect("following", org=request.organization.slug)
    return render(
        request,
        "community/following.html",
        {
            "organization": request.organization,
            "settings": following.settings_for(customer),
            "follows": following.follows_of(customer=customer),
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
        except ValidationError as exc:
            follow, problem = None, f"It can no longer be followed: {errors_text(exc)}"
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
                for follow, name, _ in following.follows_of(customer=pending.customer)
                if follow.pk == pending.follow.pk
            ),
            None,
        )
    return render(
        request,
        "community/unsubscribed.html",
        {"organization": request.organization, "pending": pending, "label": label},
    )
