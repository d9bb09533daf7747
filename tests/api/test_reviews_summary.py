from __future__ import annotations

from typing import Any

import pytest

from sayso.community import reviews
from tests import factories

pytestmark = pytest.mark.django_db


def test_gives_the_average_and_distribution(api: Any, org: Any, customer: Any) -> None:
    reviews.review_post(customer=customer, rating=4)
    reviews.review_post(customer=factories.make_customer(org, "B", "b@example.com"), rating=2)
    summary = api.get("/reviews/summary").json()
    assert summary["count"] == 2 and summary["average"] == 3.0
    assert summary["distribution"][1] == {"stars": 4, "count": 1, "percent": 50}
