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


def test_posts_for_a_customer_and_a_retry_returns_the_same_idea(
    api: Any, org: Any, customer: Any
) -> None:
    ideas.category_create(organization=org, name="Mobile app")
    body = {
        "title": "Dark mode",
        "body": "Please",
        "category": "mobile-app",
        "customer_id": customer.pk,
    }
    first = api.post("/ideas", body)
    again = api.post("/ideas", body)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["number"] == again.json()["number"]
    assert first.json()["author"]["id"] == customer.pk and first.json()["vote_count"] == 1
    assert first.json()["category"] == "mobile-app"


def test_the_team_posts_its_own_idea(api: Any, agent: Any) -> None:
    response = api.post("/ideas", {"title": "Loyalty discounts"})
    assert response.status_code == 201
    assert response.json()["author"] is None and response.json()["author_user"]["id"] == agent.pk


def test_bad_input_is_refused(api: Any, org: Any, other_org: Any) -> None:
    foreign = factories.make_customer(other_org, "Eve", "eve@example.com")
    assert api.post("/ideas", {"title": ""}).status_code == 400
    assert api.post("/ideas", {"title": "x" * 161}).status_code == 422
    assert api.post("/ideas", {"title": "Fine title", "category": "nope"}).status_code == 400
    assert api.post("/ideas", {"title": "Fine title", "customer_id": foreign.pk}).status_code == 404
    assert Idea.objects.count() == 0
