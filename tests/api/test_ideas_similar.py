from __future__ import annotations

from typing import Any

import pytest

from sayso.community import ideas
from sayso.community.models import Idea

pytestmark = pytest.mark.django_db


def _idea(org: Any, author: Any, title: str) -> Idea:
    idea, _ = ideas.idea_post(organization=org, author=author, title=title)
    return idea


def test_finds_ideas_by_meaning(api: Any, org: Any, customer: Any, run_on_commit: Any) -> None:
    with run_on_commit(execute=True):
        dark = _idea(org, customer, "Dark mode for the mobile app")
        _idea(org, customer, "Export invoices as PDF")
    found = api.get("/ideas/similar", text="a night theme on my phone").json()
    assert found and found[0]["idea"]["number"] == dark.number
    assert 0 < found[0]["score"] <= 1
    assert api.get("/ideas/similar", text="hi").json() == []
