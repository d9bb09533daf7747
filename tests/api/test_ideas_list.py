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


def test_lists_the_board_sorted_and_filtered(api: Any, org: Any, customer: Any) -> None:
    bob = factories.make_customer(org, "Bob", "bob@example.com")
    dark = _idea(org, customer, "Dark mode for the app")
    csv = _idea(org, customer, "Export bookings to CSV")
    ideas.idea_vote(idea=csv, customer=bob)

    top = api.get("/ideas", sort="top").json()
    assert [i["number"] for i in top["items"]] == [csv.number, dark.number]
    assert top["items"][0]["vote_count"] == 2
    assert top["items"][0]["url"].endswith(f"/o/{org.slug}/ideas/{csv.number}/")
    assert [i["number"] for i in api.get("/ideas", q="csv").json()["items"]] == [csv.number]
    assert api.get("/ideas", status="planned").json()["items"] == []
    assert api.get("/ideas", status="someday").status_code == 422


def test_hidden_ideas_only_on_request(api: Any, org: Any, customer: Any, agent: Any) -> None:
    idea = _idea(org, customer, "Dark mode for the app")
    ideas.idea_hide(idea=idea, category="abuse", actor=agent)
    assert api.get("/ideas").json()["items"] == []
    listed = api.get("/ideas", include_hidden="true").json()["items"]
    assert [(i["number"], i["hidden"]) for i in listed] == [(idea.number, True)]


def test_another_organization_sees_none(rival_api: Any, org: Any, customer: Any) -> None:
    _idea(org, customer, "Dark mode for the app")
    assert rival_api.get("/ideas").json()["items"] == []
