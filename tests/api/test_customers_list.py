from __future__ import annotations

from typing import Any

import pytest

from sayso.customers import services
from tests import factories
from tests.api.conftest import count_queries

pytestmark = pytest.mark.django_db


def test_lists_active_customers_by_name_with_identities(api: Any, org: Any) -> None:
    factories.make_customer(org, "Zoe Baker", "zoe@example.com", phone="+1 555 0100")
    factories.make_customer(org, "Ada Lovelace", "ada@example.com")

    response = api.get("/customers")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [c["display_name"] for c in body["items"]] == ["Ada Lovelace", "Zoe Baker"]
    zoe = body["items"][1]
    assert [(i["kind"], i["value"]) for i in zoe["identities"]] == [
        ("email", "zoe@example.com"),
        ("phone", "+15550100"),
    ]
    assert zoe["is_active"] is True
    assert zoe["created_at"].endswith("Z")


def test_search_matches_a_name_or_an_identity_value(api: Any, org: Any) -> None:
    factories.make_customer(org, "Zoe Baker", "zoe@example.com")
    factories.make_customer(org, "Ada Lovelace", "countess@example.com")

    by_name = api.get("/customers", q="lovel").json()
    by_identity = api.get("/customers", q="ZOE@EXAMPLE").json()

    assert [c["display_name"] for c in by_name["items"]] == ["Ada Lovelace"]
    assert [c["display_name"] for c in by_identity["items"]] == ["Zoe Baker"]


def test_paginates_with_limit_and_offset(api: Any, org: Any) -> None:
    for name in ["A", "B", "C", "D", "E"]:
        factories.make_customer(org, name)

    page = api.get("/customers", limit=2, offset=2).json()

    assert page["count"] == 5
    assert [c["display_name"] for c in page["items"]] == ["C", "D"]
    assert api.get("/customers", limit=0).status_code == 422


def test_merged_customers_are_left_out(api: Any, org: Any) -> None:
    kept = factories.make_customer(org, "Kept")
    gone = factories.make_customer(org, "Gone")
    services.customer_merge(source=gone, target=kept)

    names = [c["display_name"] for c in api.get("/customers").json()["items"]]

    assert names == ["Kept"]


def test_never_lists_another_organizations_customers(
    api: Any, rival_api: Any, org: Any, other_org: Any
) -> None:
    factories.make_customer(org, "Ours", "same@example.com")
    factories.make_customer(other_org, "Theirs", "same@example.com")

    ours = api.get("/customers").json()["items"]
    theirs = rival_api.get("/customers", q="same@example.com").json()["items"]

    assert [c["display_name"] for c in ours] == ["Ours"]
    assert [c["display_name"] for c in theirs] == ["Theirs"]


def test_query_count_does_not_grow_with_the_page(api: Any, org: Any) -> None:
    factories.make_customer(org, "First", phone="+15550101")
    api.get("/customers")  # the token's last-used time is written on first use
    few = count_queries(lambda: api.get("/customers"))
    for n in range(6):
        factories.make_customer(org, f"More {n}", phone=f"+1555020{n}")

    many = count_queries(lambda: api.get("/customers"))

    assert many == few
