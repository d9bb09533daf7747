"""Every paginated list bounds `limit` (1 … its maximum) and `offset` (0 … MAX_OFFSET):
beyond them a 422 naming the parameter (`?offset=100000000000000000000` used to be a 500 on
all of them, `limit=1e20` on the mentions)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from sayso.api.pagination import MAX_OFFSET
from tests.api.conftest import names_field

pytestmark = pytest.mark.django_db


def _paginated() -> list[tuple[str, int]]:
    """Each paginated list of the OpenAPI document (path with ids of 1) and its largest
    limit."""
    document = Client().get("/api/openapi.json").json()
    lists = []
    for path, operations in document["paths"].items():
        get = operations.get("get", {})
        parameters = {p["name"]: p for p in get.get("parameters", []) if p["in"] == "query"}
        if "offset" in parameters:
            url = re.sub(r"\{[^}]+\}", "1", path.removeprefix("/api/v1"))
            lists.append((url, parameters["limit"]["schema"]["maximum"]))
    return lists


def test_every_list_refuses_an_offset_or_limit_beyond_its_bounds(api: Any) -> None:
    lists = _paginated()
    assert len(lists) >= 14
    for path, max_limit in lists:
        for params, name in [
            ({"offset": "100000000000000000000"}, "offset"),
            ({"offset": MAX_OFFSET + 1}, "offset"),
            ({"offset": -1}, "offset"),
            ({"limit": "100000000000000000000"}, "limit"),
            ({"limit": max_limit + 1}, "limit"),
            ({"limit": 0}, "limit"),
        ]:
            response = api.get(path, **params)
            assert names_field(response, name), (path, params, response.content)


def test_the_mentions_refuse_a_huge_limit(api: Any) -> None:
    for limit in ["1e20", "100000000000000000000", "201"]:
        assert names_field(api.get("/listening/mentions", limit=limit), "limit"), limit


def test_the_bounds_themselves_are_accepted(api: Any, customer: Any) -> None:
    page = api.get("/customers", limit=200, offset=MAX_OFFSET)
    assert page.status_code == 200 and page.json() == {"items": [], "count": 1}
    assert api.get("/customers", limit=1).json()["items"][0]["id"] == customer.pk
