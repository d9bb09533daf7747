from __future__ import annotations

from typing import Any

import pytest

from sayso.community import ideas
from sayso.community.models import Idea
from tests import factories

pytestmark = pytest.mark.django_db


def _idea(org: Any, author: Any, title: str) -> Idea:
    idea, _ = ideas.idea_post(organization=org, author=author, title=title)
    return idea


def test_merges_votes_once_per_person(api: Any, org: Any, customer: Any) -> None:
    bob = factories.make_customer(org, "Bob", "bob@example.com")
    target = _idea(org, customer, "Dark mode")
    source = _idea(org, bob, "Night theme")
    ideas.idea_vote(idea=target, customer=bob)
    merged = api.post(f"/ideas/{source.number}/merge", {"into": target.number})
    assert merged.status_code == 200
    assert merged.json()["number"] == target.number and merged.json()["vote_count"] == 2
    again = api.post(f"/ideas/{source.number}/merge", {"into": target.number})
    assert again.status_code == 400
    assert api.post(f"/ideas/{target.number}/merge", {"into": 999}).status_code == 404
    assert api.post(f"/ideas/{target.number}/merge", {"into": target.number}).status_code == 400
