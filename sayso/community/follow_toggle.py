"""The "follow by email" button of a public page, shared by the pages of every app: a visitor
is sent to sign in first (and back), a customer follows or stops following the subject."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect

from sayso.community import following
from sayso.customers.portal_session import PortalRequest, signin_url


def follow_toggle(
    request: PortalRequest, *, subject: str, back: str, followed: str, unfollowed: str
) -> HttpResponse:
    """Follow ``subject`` (or stop, when the form says ``action=unfollow``) and go ``back``
    with ``followed`` or ``unfollowed`` as the message."""
    if request.customer is None:
        return redirect(signin_url(request.organization, back))
    if request.POST.get("action") == "unfollow":
        following.follow_remove(customer=request.customer, subject=subject)
        messages.success(request, unfollowed)
    else:
        following.follow_add(customer=request.customer, subject=subject)
        messages.success(request, followed)
    return redirect(back)
