"""Staff sign-in throttling (issue 19): failed sign-ins lock out per account and per client
address, and password-reset emails are limited per address and per client.

Sign-ins go through django-axes (settings' ``[security:login]`` section): its backend refuses
a locked-out username or client address before the password is checked, its handler below
records failures in the database, and ``lockout_response`` is the page a locked-out client
sees. Password resets count attempts with ``sayso.core.ratelimit``; beyond the limit nothing is
sent, and the page says the same as always, so it tells no one whether an address has an
account or is being throttled.
"""

from __future__ import annotations

import hashlib
from math import ceil
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sayso.core.ratelimit import rate_limit_hit

HOUR = 3600


class SignInAttempts(AxesDatabaseHandler):
    """Axes' database handler, except that a successful sign-in forgives only the failures
    made with that username. Axes' own reset also deletes every failure from the client's
    address, so someone with an account could guess another account's password a few times,
    sign in to their own, and guess again for ever."""

    def reset_user_attempts(
        self, request: HttpRequest, credentials: dict[str, Any] | None = None
    ) -> int:
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any = None
) -> HttpResponse:
    """The page for a locked-out sign-in (staff login and admin): wait, then try again."""
    cool_off = get_cool_off(request)
    minutes = ceil(cool_off.total_seconds() / 60) if cool_off else None
    response = render(
        request,
        "core/login_locked.html",
        {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )
    if minutes is not None:
        response["Retry-After"] = str(minutes * 60)
    return response


def password_reset_throttled(*, client: str, email: str) -> bool:
    """Count one password-reset request from ``client`` for ``email``; True when either has
    asked more than its hourly limit (then no email goes out). The address is counted by a
    digest, so the counters hold no addresses."""
    if rate_limit_hit(
        action="password-reset-client",
        key=client,
        limit=settings.SAYSO_PASSWORD_RESET_PER_CLIENT_PER_HOUR,
        window=HOUR,
    ):
        return True  # and does not use up the address's own allowance
    address = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    return rate_limit_hit(
        action="password-reset-address",
        key=address,
        limit=settings.SAYSO_PASSWORD_RESET_PER_ADDRESS_PER_HOUR,
        window=HOUR,
    )
