from __future__ import annotations

from typing import Any

import pytest

from sayso.community import ideas
from sayso.community.models import Idea

pytestmark = pytest.mark.django_db


def _idea(org: Any, author: Any, title: str) -> Idea:
    idea, _ = ideas.idea_post(organization=org, author=author, title=title)
    return idea


def test_lists_the_public_log_newest_first(api: Any, org: Any, customer: Any, agent: Any) -> None:
    idea = _idea(org, customer, "Dark mode")
    ideas.comment_post(idea=idea, author=customer, body="Great post! http://x.example")
    ideas.idea_hide(idea=idea, category="personal_data", actor=agent)
    log = api.get("/moderation/log").json()["items"]
    assert [(e["action"], e["actor_role"]) for e in log] == [
        ("hide", "agent"),
        ("spam", "spam filter"),
    ]
