from __future__ import annotations

from typing import Any

import pytest

from sayso.community import ideas
from sayso.community.models import Idea

pytestmark = pytest.mark.django_db


def _idea(org: Any, author: Any, title: str) -> Idea:
    idea, _ = ideas.idea_post(organization=org, author=author, title=title)
    return idea


def test_comments_for_a_customer_spam_is_held_and_repeats_return_the_first(
    api: Any, org: Any, customer: Any
) -> None:
    idea = _idea(org, customer, "Dark mode")
    body = {"body": "Would help our night shift", "customer_id": customer.pk}
    first = api.post(f"/ideas/{idea.number}/comments", body)
    again = api.post(f"/ideas/{idea.number}/comments", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and first.json()["state"] == "visible"
    spam = api.post(
        f"/ideas/{idea.number}/comments",
        {"body": "Cheap viagra http://pharma-rx.example/buy", "customer_id": customer.pk},
    )
    assert spam.json()["state"] == "spam" and "pharmacy" in spam.json()["state_reason"]
    assert api.post(f"/ideas/{idea.number}/comments", {"body": ""}).status_code == 400
