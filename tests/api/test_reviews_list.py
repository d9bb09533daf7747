from __future__ import annotations

from typing import Any

import pytest

from sayso.community import reviews
from tests import factories

pytestmark = pytest.mark.django_db


def test_lists_published_reviews_and_hidden_ones_on_request(
    api: Any, rival_api: Any, org: Any, customer: Any
) -> None:
    reviews.review_post(customer=customer, rating=1, body="Late again")
    spammer = factories.make_customer(org, "S", "s@example.com")
    reviews.review_post(customer=spammer, rating=5, body="Cheap viagra http://pharma-rx.example")
    assert [r["body"] for r in api.get("/reviews").json()["items"]] == ["Late again"]
    every = api.get("/reviews", include_hidden="true").json()["items"]
    assert sorted(r["hidden"] for r in every) == [False, True]
    assert api.get("/reviews", product="nope").status_code == 404
    assert rival_api.get("/reviews", include_hidden="true").json()["items"] == []
