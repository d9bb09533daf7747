from __future__ import annotations

from typing import Any

import pytest

from sayso.community import ideas

pytestmark = pytest.mark.django_db


def test_lists_what_a_customer_follows(api: Any, rival_api: Any, org: Any, customer: Any) -> None:
    idea, _ = ideas.idea_post(organization=org, author=customer, title="Dark mode")
    follows = api.get("/follows", customer_id=customer.pk).json()
    assert [f["subject"] for f in follows] == [f"idea:{idea.pk}"]
    assert rival_api.get("/follows", customer_id=customer.pk).status_code == 404
