from __future__ import annotations

from typing import Any

import pytest

from sayso.community import ideas
from sayso.community.models import Idea

pytestmark = pytest.mark.django_db


def _idea(org: Any, author: Any, title: str) -> Idea:
    idea, _ = ideas.idea_post(organization=org, author=author, title=title)
    return idea


def test_withdraws_a_vote_and_a_retry_is_harmless(api: Any, org: Any, customer: Any) -> None:
    idea = _idea(org, customer, "Dark mode")
    first = api.client.delete(f"/api/v1/ideas/{idea.number}/votes/{customer.pk}", **api._headers())
    again = api.client.delete(f"/api/v1/ideas/{idea.number}/votes/{customer.pk}", **api._headers())
    assert first.status_code == 200 and first.json()["vote_count"] == 0
    assert again.status_code == 200 and again.json()["vote_count"] == 0
