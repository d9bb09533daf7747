from __future__ import annotations

from typing import Any

import pytest

from sayso.community import ideas
from sayso.community.models import Idea

pytestmark = pytest.mark.django_db


def _idea(org: Any, author: Any, title: str) -> Idea:
    idea, _ = ideas.idea_post(organization=org, author=author, title=title)
    return idea


def test_restores_a_held_comment(api: Any, org: Any, customer: Any) -> None:
    idea = _idea(org, customer, "Dark mode")
    held, _ = ideas.comment_post(idea=idea, author=customer, body="Great post! http://x.example")
    restored = api.post(f"/comments/{held.pk}/restore", {"reason": "A real customer"})
    assert restored.status_code == 200 and restored.json()["state"] == "visible"
    assert api.post(f"/comments/{held.pk}/restore", {}).status_code == 400
