from __future__ import annotations

from typing import Any

import pytest

from sayso.community import ideas
from sayso.community.models import Idea

pytestmark = pytest.mark.django_db


def _idea(org: Any, author: Any, title: str) -> Idea:
    idea, _ = ideas.idea_post(organization=org, author=author, title=title)
    return idea


def test_pins_and_removes_the_official_response(api: Any, org: Any, customer: Any) -> None:
    idea = _idea(org, customer, "Dark mode")
    pinned = api.post(f"/ideas/{idea.number}/response", {"body": "On our list."})
    assert pinned.status_code == 200 and pinned.json()["official_response"] == "On our list."
    removed = api.post(f"/ideas/{idea.number}/response", {"body": ""})
    assert removed.json()["official_response"] == ""
