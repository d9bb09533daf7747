"""Bearer-token authentication and scopes for the API.

Every operation names the scope it needs with ``**scoped(Scope.…)``. The token decides the
organization: handlers read it from ``request.auth`` (see ``token_of``) and never take an
organization id, so an object of another organization is simply not found.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.errors import AuthenticationError, AuthorizationError
from ninja.security import HttpBearer

from sayso.core.models import ApiToken, Organization, Scope
from sayso.core.selectors import api_token_authenticate

UNAUTHENTICATED = (
    "Authentication required: send a live API token as “Authorization: Bearer sayso_…”."
)


class ApiTokenAuth(HttpBearer):
    """``Authorization: Bearer sayso_…`` checked against the stored token digests.

    A missing, unknown or revoked token, or one whose staff membership was deactivated, is a
    401; a valid token without the operation's scope is a 403.
    """

    def __init__(self, scope: Scope) -> None:
        super().__init__()
        self.scope = scope

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
        return api_token


def scoped(scope: Scope, **openapi_extra: Any) -> dict[str, Any]:
    """Keyword arguments for a route that needs ``scope``: its ``auth``, and the scope named in
    its OpenAPI operation as ``x-required-scope`` (ninja's bearer security requirement has no
    place for it)."""
    return {
        "auth": ApiTokenAuth(scope),
        "openapi_extra": {"x-required-scope": scope.value, **openapi_extra},
    }


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
