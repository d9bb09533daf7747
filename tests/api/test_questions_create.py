from __future__ import annotations

from typing import Any

import pytest

from sayso.community.models import Question
from sayso.community.reviews import product_create
from tests import factories
from tests.api.conftest import names_field

pytestmark = pytest.mark.django_db


def test_asks_for_a_customer_and_a_retry_returns_the_same_question(
    api: Any, org: Any, customer: Any
) -> None:
    product_create(organization=org, name="Mobile app")
    body = {
        "title": "How do I export my invoices?",
        "body": "I need them as **PDF**.",
        "product": "mobile-app",
        "tags": ["Billing", "export"],
        "customer_id": customer.pk,
    }
    first = api.post("/questions", body)
    again = api.post("/questions", body)
    assert (first.status_code, again.status_code) == (201, 200)
    data = first.json()
    assert again.json()["number"] == data["number"] == 1
    assert data["author"]["id"] == customer.pk and data["author_user"] is None
    assert data["official"] is False and data["product"] == "mobile-app"
    assert data["tags"] == ["billing", "export"]
    assert data["state"] == "open" and data["solved"] is False and data["hidden"] is False
    assert data["answer_count"] == data["accepted_count"] == data["me_too_count"] == 0
    assert data["url"].startswith("http://testserver/") and data["url"].endswith("/questions/1/")
    assert Question.objects.count() == 1


def test_the_team_asks_its_own_question(api: Any, agent: Any) -> None:
    response = api.post("/questions", {"title": "Which trucks have a ramp?"})
    assert response.status_code == 201
    data = response.json()
    assert data["author"] is None and data["author_user"]["id"] == agent.pk
    assert data["official"] is True and data["product"] is None and data["tags"] == []


def test_bad_input_is_refused_with_a_message(api: Any, org: Any, other_org: Any) -> None:
    foreign = factories.make_customer(other_org, "Eve", "eve@example.com")
    cases = [
        ({"title": ""}, 400, "title"),
        ({"title": "   "}, 400, "title"),
        ({"title": "A fine title", "product": "nope"}, 400, "No product"),
        ({"title": "A fine title", "tags": ["!!"]}, 400, "not a usable tag"),
        ({"title": "A fine title", "customer_id": foreign.pk}, 404, "customer_id"),
    ]
    for body, status, message in cases:
        response = api.post("/questions", body)
        assert response.status_code == status, (body, response.content)
        assert message in response.json()["detail"], (body, response.json())
    assert api.post("/questions", {"body": "no title"}).status_code == 422
    for body, field in [
        ({"title": "x" * 161}, "title"),
        ({"title": "A fine title", "body": "x" * 20_001}, "body"),
        ({"title": "A fine title", "tags": ["a1", "b2", "c3", "d4", "e5", "f6"]}, "tags"),
        ({"title": "A fine title", "tags": ["x" * 41]}, 0),
        ({"title": "A fine title", "customer_id": 2**63}, "customer_id"),
    ]:
        assert names_field(api.post("/questions", body), field), body
    assert Question.objects.count() == 0
