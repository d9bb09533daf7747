"""Helpers for the API tests: tokens, and a client that sends them."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sayso.core.models import Membership, Scope
from sayso.core.services import api_token_create

ALL_SCOPES = tuple(Scope.values)


def make_token(user: Any, org: Any, scopes: Iterable[str] = ALL_SCOPES) -> str:
    """The raw value of a new token of ``user``'s membership in ``org``."""
    membership = Membership.objects.get(user=user, organization=org)
    _, raw = api_token_create(membership=membership, name="test", scopes=scopes)
    return raw


@dataclass
class Api:
    """Django's test client with a bearer token (or none) on every request."""

    client: Client
    raw: str | None

    def _headers(self) -> dict[str, Any]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.raw}"} if self.raw is not None else {}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, **self._headers())

    def post(self, path: str, body: Any = None) -> Any:
        data = json.dumps(body) if body is not None else ""
        return self.client.post(
            f"/api/v1{path}", data, content_type="application/json", **self._headers()
        )

    def patch(self, path: str, body: Any) -> Any:
        return self.client.patch(
            f"/api/v1{path}", json.dumps(body), content_type="application/json", **self._headers()
        )

    def put(self, path: str, body: Any) -> Any:
        return self.client.put(
            f"/api/v1{path}", json.dumps(body), content_type="application/json", **self._headers()
        )

    def delete(self, path: str) -> Any:
        return self.client.delete(f"/api/v1{path}", **self._headers())

    def post_raw(self, path: str, raw: bytes, content_type: str = "message/rfc822") -> Any:
        return self.client.post(f"/api/v1{path}", raw, content_type=content_type, **self._headers())


@pytest.fixture
def api(org: Any, agent: Any) -> Api:
    """An agent of ``org`` with every scope."""
    return Api(Client(), make_token(agent, org))


@pytest.fixture
def manager_api(org: Any, manager: Any) -> Api:
    """A manager of ``org`` with every scope."""
    return Api(Client(), make_token(manager, org))


@pytest.fixture
def rival_api(other_org: Any, outsider: Any) -> Api:
    """An admin of ``other_org`` with every scope: must never see ``org``'s data."""
    return Api(Client(), make_token(outsider, other_org))


@pytest.fixture
def scoped_api(org: Any, agent: Any) -> Callable[..., Api]:
    """An agent of ``org`` with only the given scopes."""

    def build(*scopes: str) -> Api:
        return Api(Client(), make_token(agent, org, scopes))

    return build


def count_queries(action: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as context:
        action()
    return len(context.captured_queries)


def names_field(response: Any, field: str | int) -> bool:
    """Whether ``response`` is the API's 422 with a problem whose place ends in ``field``."""
    if response.status_code != 422 or not response["Content-Type"].startswith("application/json"):
        return False
    return any(problem["loc"][-1] == field for problem in response.json()["detail"])
