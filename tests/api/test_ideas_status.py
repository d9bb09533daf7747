from __future__ import annotations

from typing import Any

import pytest

from sayso.community import ideas
from sayso.community.models import Idea

pytestmark = pytest.mark.django_db


def _idea(org: Any, author: Any, title: str) -> Idea:
    idea, _ = ideas.idea_post(organization=org, author=author, title=title)
    return idea


def test_a_status_change_needs_a_reason(api: Any, org: Any, customer: Any) -> None:
    idea = _idea(org, customer, "Dark mode")
    assert api.post(f"/ideas/{idea.number}/status", {"status": "planned"}).status_code == 422
    assert (
        api.post(f"/ideas/{idea.number}/status", {"status": "planned", "reason": " "}).status_code
        == 400
    )
    done = api.post(f"/ideas/{idea.number}/status", {"status": "planned", "reason": "March"})
    assert done.status_code == 200 and done.json()["status_reason"] == "March"
    same = api.post(f"/ideas/{idea.number}/status", {"status": "planned", "reason": "again"})
    assert same.status_code == 400 and "already planned" in same.json()["detail"]
