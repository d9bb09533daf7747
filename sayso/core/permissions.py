"""Who may see what: the checks every web view runs before it does anything.

Four kinds of visitor: anonymous, a signed-in customer (portal session, per organization),
staff (a membership with a role: agent < manager < admin), and staff of another organization,
who are treated exactly like strangers (404, so an organization's existence does not leak).
Which role may do what is the table of ``core.roles``: a staff view names its action.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from sayso.core import roles
from sayso.core.models import Membership, Organization
from sayso.core.selectors import membership_for, organization_by_slug

View = Callable[..., HttpResponse]


class StaffRequest(HttpRequest):
    """An HttpRequest that passed ``staff_required``."""

    organization: Organization
    membership: Membership


def staff_required(action: str) -> Callable[[View], View]:
    """A staff page or action of the organization in the URL, for staff who may do ``action``
    (a row of ``core.roles.ACTIONS``; anything else raises ``UnknownAction`` here): others are
    sent to sign in (anonymous), refused with a 403 (a lower role) or told there is no such
    organization (anyone else)."""
    role = roles.role_for(action)

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, org: str, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            organization = organization_by_slug(slug=org)
            membership = (
                membership_for(user=request.user, organization=organization)
                if organization is not None
                else None
            )
            if organization is None or membership is None:
                raise Http404("No such organization.")
            if not membership.has_role(role):
                raise PermissionDenied(roles.refusal_for(role))
            request.organization = organization  # type: ignore[attr-defined]
            request.membership = membership  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        wrapped.staff_action = action  # type: ignore[attr-defined]
        return wrapped

    return decorator
