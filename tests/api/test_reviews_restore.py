from __future__ import annotations

from typing import Any

import pytest

from sayso.community import reviews

pytestmark = pytest.mark.django_db


def test_publishes_a_held_review_again(api: Any, org: Any, customer: Any) -> None:
    review, _ = reviews.review_post(
        customer=customer, rating=5, body="Great post! http://x.example"
    )
    assert review.hidden_at is not None
    restored = api.post(f"/reviews/{review.pk}/restore", {"reason": "A real customer"})
    assert restored.status_code == 200 and restored.json()["hidden"] is False
    assert api.post(f"/reviews/{review.pk}/restore", {}).status_code == 400
