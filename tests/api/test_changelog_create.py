from __future__ import annotations

from typing import Any

import pytest

from sayso.community import ideas as community

pytestmark = pytest.mark.django_db


def test_writes_a_draft_linking_ideas(api: Any, org: Any, customer: Any) -> None:
    idea, _ = community.idea_post(organization=org, author=customer, title="Dark mode")
    created = api.post("/changelog", {"title": "Dark mode is here", "idea_numbers": [idea.number]})
    assert created.status_code == 201 and created.json()["published_at"] is None
    assert created.json()["idea_numbers"] == [idea.number]
    assert api.post("/changelog", {"title": "X", "roadmap_item_ids": [12345]}).status_code == 400
