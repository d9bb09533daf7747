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


def test_lists_counted_votes(api: Any, org: Any, customer: Any) -> None:
    bob = factories.make_customer(org, "Bob", "bob@example.com")
    idea = _idea(org, customer, "Dark mode")
    ideas.idea_vote(idea=idea, customer=bob)
    voters = [v["customer"]["id"] for v in api.get(f"/ideas/{idea.number}/votes").json()["items"]]
    assert sorted(voters) == sorted([customer.pk, bob.pk])
