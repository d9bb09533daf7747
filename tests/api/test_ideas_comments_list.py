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


def test_lists_public_comments_and_held_ones_on_request(api: Any, org: Any, customer: Any) -> None:
    idea = _idea(org, customer, "Dark mode")
    ideas.comment_post(idea=idea, author=customer, body="Yes please")
    bob = factories.make_customer(org, "Bob", "bob@example.com")
    ideas.comment_post(idea=idea, author=bob, body="Great post! http://spam.example")
    public = api.get(f"/ideas/{idea.number}/comments").json()["items"]
    assert [c["body"] for c in public] == ["Yes please"]
    every = api.get(f"/ideas/{idea.number}/comments", include_held="true").json()["items"]
    assert [c["state"] for c in every] == ["visible", "spam"]
