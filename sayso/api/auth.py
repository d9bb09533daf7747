"""Bearer-token authentication and scopes for the API.

Every operation names the scope it needs and the action it performs with
``**scoped(Scope.…, "case.reply")``: the token must hold the scope, and its staff member the
role that ``core.roles`` gives the action (the table the web's views read too). The token
decides the organization: handlers read it from ``request.auth`` (see ``token_of``) and never
take an organization id, so an object of another organization is simply not found.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest
from ninja.errors import AuthenticationError, AuthorizationError
from ninja.security import HttpBearer

from sayso.core import roles
from sayso.core.models import ApiToken, Organization, Scope
from sayso.core.selectors import api_token_authenticate

UNAUTHENTICATED = (
    "Authentication required: send a live API token as “Authorization: Bearer sayso_…”."
)


class ApiTokenAuth(HttpBearer):
    """``Authorization: Bearer sayso_…`` checked against the stored token digests.

    A missing, unknown or revoked token, or one whose staff membership was deactivated, is a
    401; a valid token without the operation's scope, or of a staff member whose role may not
    do the operation's action, is a 403.
    """

    def __init__(self, scope: Scope, action: str) -> None:
        super().__init__()
        self.scope = scope
        self.action = action
        roles.role_for(action)  # an action not in the table fails here, at declaration

    def __call__(self, request: HttpRequest) -> ApiToken:
        # ``HttpBearer`` answers None for a missing header or another scheme: say why.
        token = super().__call__(request)
        if not isinstance(token, ApiToken):
            raise AuthenticationError(401, UNAUTHENTICATED)
        return token

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        api_token = api_token_authenticate(raw=token.strip())
        if api_token is None:
            raise AuthenticationError(401, UNAUTHENTICATED)
        if not api_token.allows(self.scope):
            raise AuthorizationError(403, f"This token lacks the scope {self.scope.value}.")
        # The role is checked once the input is read (``role_checked``), as it always was: a
        # body the operation cannot read is a 422 for every token that may call it.
        request.sayso_action = self.action  # type: ignore[attr-defined]
        return api_token


def scoped(scope: Scope, action: str, **openapi_extra: Any) -> dict[str, Any]:
    """Keyword arguments for a route that needs ``scope`` and does ``action`` (a row of
    ``core.roles.ACTIONS``): its ``auth``, and the scope, action and least role named in its
    OpenAPI operation as ``x-required-scope``, ``x-required-action`` and ``x-required-role``
    (ninja's bearer security requirement has no place for them)."""
    extra = {
        "x-required-scope": scope.value,
        "x-required-action": action,
        "x-required-role": roles.role_for(action).value,
    }
    return {"auth": ApiTokenAuth(scope, action), "openapi_extra": {**extra, **openapi_extra}}


def role_checked(view: Callable[..., Any]) -> Callable[..., Any]:
    """The API's role check, applied to every operation once its input is read
    (``api.add_decorator`` in ``main.py``): the token's staff member must have the role
    ``core.roles`` gives the operation's action, or the answer is a 403."""

    @wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        action = getattr(request, "sayso_action", None)
        if action is not None and not roles.may(token_of(request).membership, action):
            raise AuthorizationError(403, roles.refusal(action))
        return view(request, *args, **kwargs)

    return checked


def action_required(request: HttpRequest, action: str) -> None:
    """For an operation some of whose inputs need more than its declared action (a PATCH
    that may set a status or reshape the object): the token's staff member must have the
    role of ``action`` too, or the answer is a 403."""
    if not roles.may(token_of(request).membership, action):
        raise AuthorizationError(403, roles.refusal(action))


def token_of(request: HttpRequest) -> ApiToken:
    """The authenticated token of this request (set by ``ApiTokenAuth``)."""
    token = getattr(request, "auth", None)
    if not isinstance(token, ApiToken):  # pragma: no cover (every operation has auth)
        raise AuthenticationError(401, UNAUTHENTICATED)
    return token


def organization_of(request: HttpRequest) -> Organization:
    return token_of(request).organization


def actor_of(request: HttpRequest) -> Any:
    """The staff user acting through this request's token."""
    return token_of(request).membership.user
