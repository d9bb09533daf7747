"""The plumbing of the community's pages: errors as text, the sign-in redirect, a safe ``next``,
and the rate-limited response."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from sayso.core.ratelimit import client_key, rate_limit_hit
from sayso.customers.portal_session import (
    PortalRequest,
    signin_url,
)


def errors_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def form_errors_text(form: Any) -> str:
    return " ".join(str(m) for errors in form.errors.values() for m in errors)


def signin_redirect(request: PortalRequest, next_url: str) -> HttpResponse:
    target = signin_url(request.organization, next_url)
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


def next_or(request: PortalRequest, fallback: str) -> str:
    """The form's ``next`` when it points into this site, else ``fallback`` (no open
    redirects)."""
    candidate = request.POST.get("next", "")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


def rate_limited(
    request: PortalRequest, action: str, limit: int | None = None
) -> HttpResponse | None:
    if rate_limit_hit(action=action, key=client_key(request), limit=limit):
        return render(
            request,
            "portal/rate_limited.html",
            {"organization": request.organization},
            status=429,
        )
    return None
