from __future__ import annotations

from typing import Any

import pytest

from sayso.community import ideas as community

pytestmark = pytest.mark.django_db


def test_adds_an_item_answering_ideas(api: Any, org: Any, customer: Any) -> None:
    idea, _ = community.idea_post(organization=org, author=customer, title="Dark mode")
    created = api.post(
        "/roadmap", {"title": "Themes", "horizon": "now", "idea_numbers": [idea.number]}
    )
    assert created.status_code == 201
    assert created.json()["idea_numbers"] == [idea.number]
    assert api.post("/roadmap", {"title": "X", "idea_numbers": [999]}).status_code == 400
    assert api.post("/roadmap", {"title": " "}).status_code == 400
    assert api.post("/roadmap", {"title": "X", "horizon": "someday"}).status_code == 422
