"""Who may see what: the checks every web view runs before it does anything.

Four kinds of visitor: anonymous, a signed-in customer (portal session, per organization),
staff (a membership with a role: agent < manager < admin), and staff of another organization,
who are treated exactly like strangers (404, so an organization's existence does not leak).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from sayso.core.models import Membership, Organization, Role
from sayso.core.selectors import membership_for, organization_by_slug

View = Callable[..., HttpResponse]


class StaffRequest(HttpRequest):
    """An HttpRequest that passed ``staff_required``."""

    organization: Organization
    membership: Membership


def staff_required(min_role: str = Role.AGENT) -> Callable[[View], View]:
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
            if not membership.has_role(min_role):
                raise PermissionDenied(f"Only a {Role(min_role).label.lower()} can do this.")
            request.organization = organization  # type: ignore[attr-defined]
            request.membership = membership  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
