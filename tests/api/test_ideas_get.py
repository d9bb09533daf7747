from __future__ import annotations

from typing import Any

import pytest

from sayso.community import ideas
from sayso.community.models import Idea

pytestmark = pytest.mark.django_db


def _idea(org: Any, author: Any, title: str) -> Idea:
    idea, _ = ideas.idea_post(organization=org, author=author, title=title)
    return idea


def test_gets_an_idea_with_its_status_reason_and_merge(
    api: Any, org: Any, customer: Any, agent: Any
) -> None:
    target = _idea(org, customer, "Dark mode for the app")
    source = _idea(org, customer, "Night theme")
    ideas.idea_status_change(idea=target, status="planned", reason="In March", actor=agent)
    ideas.idea_merge(source=source, target=target, actor=agent)

    got = api.get(f"/ideas/{target.number}").json()
    assert (got["status"], got["status_reason"]) == ("planned", "In March")
    assert api.get(f"/ideas/{source.number}").json()["merged_into"] == target.number


def test_missing_or_foreign_ideas_are_404(
    api: Any, rival_api: Any, org: Any, customer: Any
) -> None:
    idea = _idea(org, customer, "Dark mode for the app")
    assert api.get("/ideas/999").status_code == 404
    assert rival_api.get(f"/ideas/{idea.number}").status_code == 404
