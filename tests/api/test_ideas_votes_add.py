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


def test_records_a_vote_once(api: Any, org: Any, customer: Any) -> None:
    bob = factories.make_customer(org, "Bob", "bob@example.com")
    idea = _idea(org, customer, "Dark mode")
    first = api.post(f"/ideas/{idea.number}/votes", {"customer_id": bob.pk})
    again = api.post(f"/ideas/{idea.number}/votes", {"customer_id": bob.pk})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["vote_count"] == 2


def test_a_merged_idea_takes_no_votes(api: Any, org: Any, customer: Any, agent: Any) -> None:
    target = _idea(org, customer, "Dark mode")
    source = _idea(org, customer, "Night theme")
    ideas.idea_merge(source=source, target=target, actor=agent)
    bob = factories.make_customer(org, "Bob", "bob@example.com")
    refused = api.post(f"/ideas/{source.number}/votes", {"customer_id": bob.pk})
    assert refused.status_code == 400 and "merged into idea" in refused.json()["detail"]
