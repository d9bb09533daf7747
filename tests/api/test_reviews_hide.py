from __future__ import annotations

from typing import Any

import pytest

from sayso.community import reviews

pytestmark = pytest.mark.django_db


def test_hides_only_for_spam_abuse_or_personal_data(api: Any, org: Any, customer: Any) -> None:
    review, _ = reviews.review_post(customer=customer, rating=1, body="Awful service")
    assert api.post(f"/reviews/{review.pk}/hide", {"category": "negative"}).status_code == 400
    hidden = api.post(f"/reviews/{review.pk}/hide", {"category": "abuse", "explanation": "Slur"})
    assert hidden.status_code == 200 and hidden.json()["hidden"] is True
