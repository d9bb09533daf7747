from __future__ import annotations

from typing import Any

import pytest

from sayso.community import reviews

pytestmark = pytest.mark.django_db


def test_replies_in_public(api: Any, rival_api: Any, org: Any, customer: Any) -> None:
    review, _ = reviews.review_post(customer=customer, rating=2, body="Slow")
    replied = api.post(f"/reviews/{review.pk}/reply", {"body": "Sorry, fixed."})
    assert replied.status_code == 200 and replied.json()["reply"] == "Sorry, fixed."
    assert rival_api.post(f"/reviews/{review.pk}/reply", {"body": "x"}).status_code == 404
