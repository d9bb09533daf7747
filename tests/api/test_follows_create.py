from __future__ import annotations

from typing import Any

import pytest

from sayso.community.models import Follow

pytestmark = pytest.mark.django_db


def test_follows_once_and_refuses_unknown_subjects(api: Any, org: Any, customer: Any) -> None:
    first = api.post("/follows", {"customer_id": customer.pk, "subject": "changelog"})
    again = api.post(
        "/follows", {"customer_id": customer.pk, "subject": "changelog", "delivery": "daily"}
    )
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"] and again.json()["delivery"] == "daily"
    for subject in ["idea:999", "nonsense", "idea:abc", "category:1"]:
        assert (
            api.post("/follows", {"customer_id": customer.pk, "subject": subject}).status_code
            == 400
        )
    assert Follow.objects.count() == 1
