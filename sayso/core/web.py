"""The web's shared plumbing: what every app's views do the same way, written once.

- ``errors_text`` / ``form_errors_text``: a refusal (``ValidationError``) or an invalid form as
  the one line a page shows.
- ``object_id`` and ``get_or_404``: an id from a URL or a form is a positive 63-bit integer
  (what every id column holds) or the page is not found, and an object is looked up in the
  caller's queryset or selector (which names the organization) or not found. The API uses the
  same guard (``sayso.api.lookups``): a path id out of range answers its JSON 404, never a 500.
  The guard itself (``is_object_id``, ``MAX_ID``) lives in ``core.ids`` for the selectors and
  services that check an id too.
- ``signin_url`` and ``signin_redirect``: the customer portal's sign-in, coming back to the
  page afterwards (an htmx request is told where to go with ``HX-Redirect``). Staff sign in
  through ``core.permissions.staff_required``.
- ``safe_next``: the form's ``next`` when it points into this site, else a fallback (no open
  redirects).
- ``rate_limited``: the portal's 429 page when a client goes over a rate limit.
- ``follow_toggle``: the "follow by email" button of any public page.

Who may do what is ``core.roles`` (read by ``core.permissions``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar, overload

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Manager, Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from sayso.core.errors import errors_text as errors_text  # re-exported for the views
from sayso.core.ids import MAX_ID as MAX_ID  # re-exported: the one id guard
from sayso.core.ids import is_object_id as is_object_id
from sayso.core.models import Organization
from sayso.core.ratelimit import client_key, rate_limit_hit

NOT_FOUND = "Not found."

M = TypeVar("M", bound=Model)
T = TypeVar("T")


# --- refusals as text ---------------------------------------------------------------------------


def form_errors_text(form: Any) -> str:
    """Every error of a bound, invalid form as one line."""
    return " ".join(str(m) for errors in form.errors.values() for m in errors)


# --- ids and lookups ----------------------------------------------------------------------------


def object_id(value: object, message: str = NOT_FOUND) -> int:
    """``value`` as an id (see ``is_object_id``), or a 404 saying ``message``."""
    if not is_object_id(value):
        raise Http404(message)
    return int(value)  # type: ignore[call-overload]


@overload
def get_or_404(
    source: QuerySet[M] | Manager[M], pk: object, *, key: str = "pk", message: str = NOT_FOUND
) -> M: ...


@overload
def get_or_404(
    source: Callable[..., T | None],
    pk: object,
    *,
    key: str = "pk",
    message: str = NOT_FOUND,
    **filters: Any,
) -> T: ...


def get_or_404(
    source: Any, pk: object, *, key: str = "pk", message: str = NOT_FOUND, **filters: Any
) -> Any:
    """The object whose ``key`` (the primary key unless named: ``key="number"``) is ``pk``, or a
    404 saying ``message``: in ``source``, a queryset already limited to what the caller may
    see, or a selector called as ``source(**{key: pk}, **filters)`` (``filters`` names the
    organization) that answers None when it finds nothing. An id out of range is not looked
    up at all."""
    found = None
    if is_object_id(pk):
        lookup = {key: int(pk)}  # type: ignore[call-overload]
        if isinstance(source, QuerySet | Manager):
            found = source.filter(**lookup, **filters).first()
        else:
            found = source(**lookup, **filters)
    if found is None:
        raise Http404(message)
    return found


# --- signing in and coming back -----------------------------------------------------------------


def signin_url(organization: Organization, next_url: str) -> str:
    """The customer portal's sign-in page, coming back to ``next_url`` afterwards."""
    url = reverse("portal-signin", kwargs={"org": organization.slug})
    return f"{url}?{urlencode({'next': next_url})}"


def signin_redirect(
    request: HttpRequest, organization: Organization, next_url: str
) -> HttpResponse:
    """Send a visitor to the portal's sign-in and back to ``next_url``: a redirect, or for an
    htmx request a 204 whose ``HX-Redirect`` sends the whole page there."""
    target = signin_url(organization, next_url)
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The posted form's ``next`` when it points into this site (same host, and HTTPS when the
    request is), else ``fallback``."""
    candidate = request.POST.get("next", "")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


# --- rate limits --------------------------------------------------------------------------------


def rate_limited(
    request: HttpRequest, organization: Organization, action: str, limit: int | None = None
) -> HttpResponse | None:
    """Count this client's attempt at ``action``; the portal's 429 page when it goes over the
    limit (``SAYSO_RATE_LIMIT_PER_MINUTE`` unless ``limit`` says), else None."""
    if rate_limit_hit(action=action, key=client_key(request), limit=limit):
        return render(
            request, "portal/rate_limited.html", {"organization": organization}, status=429
        )
    return None


# --- following ----------------------------------------------------------------------------------


class Follows(Protocol):
    """Where follows are kept (``sayso.community.following``)."""

    def follow_add(self, *, customer: Any, subject: str, delivery: str | None = None) -> Any: ...

    def follow_remove(self, *, customer: Any, subject: str) -> Any: ...


def follow_toggle(
    request: HttpRequest,
    follows: Follows,
    *,
    subject: str,
    back: str,
    followed: str = "",
    unfollowed: str = "",
    delivery: str | None = None,
    signin_back: str = "",
    check: Callable[[], object] | None = None,
) -> HttpResponse:
    """The "follow by email" button of a public page (a ``portal_view``): a visitor is sent to
    sign in first and back to ``signin_back`` (``back`` unless given); a customer follows
    ``subject`` — after ``check()``, which may refuse with a ``ValidationError`` — or stops
    following it when the form says ``action=unfollow``, and goes ``back`` with ``followed`` or
    ``unfollowed`` as the message (none when empty). A refusal is shown as an error."""
    organization: Organization = request.organization  # type: ignore[attr-defined]
    customer = request.customer  # type: ignore[attr-defined]
    if customer is None:
        return signin_redirect(request, organization, signin_back or back)
    try:
        if request.POST.get("action") == "unfollow":
            follows.follow_remove(customer=customer, subject=subject)
            done = unfollowed
        else:
            if check is not None:
                check()
            follows.follow_add(customer=customer, subject=subject, delivery=delivery)
            done = followed
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        if done:
            messages.success(request, done)
    return redirect(back)
