from __future__ import annotations

from typing import Any

import pytest

from sayso.community import ideas
from sayso.community.models import Idea

pytestmark = pytest.mark.django_db


def _idea(org: Any, author: Any, title: str) -> Idea:
    idea, _ = ideas.idea_post(organization=org, author=author, title=title)
    return idea


def test_staff_edit_an_idea(api: Any, org: Any, customer: Any) -> None:
    idea = _idea(org, customer, "Dark mode")
    response = api.patch(f"/ideas/{idea.number}", {"title": "Dark mode everywhere"})
    assert response.status_code == 200 and response.json()["title"] == "Dark mode everywhere"
    assert response.json()["body"] == idea.body
    assert api.patch(f"/ideas/{idea.number}", {"title": "ab"}).status_code == 400
