from __future__ import annotations

from typing import Any

import pytest

from sayso.community import qa
from sayso.community.models import Question
from sayso.community.reviews import product_create
from tests.api.conftest import names_field

pytestmark = pytest.mark.django_db


def _ask(org: Any, author: Any, title: str, **extra: Any) -> Question:
    question, _ = qa.question_ask(organization=org, author=author, title=title, **extra)
    return question


def test_edits_only_the_fields_sent(api: Any, org: Any, customer: Any) -> None:
    product_create(organization=org, name="Mobile app")
    question = _ask(org, customer, "Can I return a truck early?", body="Tuesday", tags=["returns"])
    response = api.patch(f"/questions/{question.number}", {"title": "Can I return a van early?"})
    assert response.status_code == 200
    data = response.json()
    assert data["title"] == "Can I return a van early?" and data["body"] == "Tuesday"
    assert data["tags"] == ["returns"] and data["product"] is None
    changed = api.patch(
        f"/questions/{question.number}",
        {"body": "On Tuesday", "product": "mobile-app", "tags": ["Vans", "returns"]},
    ).json()
    assert changed["title"] == "Can I return a van early?" and changed["body"] == "On Tuesday"
    assert changed["product"] == "mobile-app" and changed["tags"] == ["returns", "vans"]
    cleared = api.patch(f"/questions/{question.number}", {"product": "", "tags": []}).json()
    assert cleared["product"] is None and cleared["tags"] == []


def test_bad_edits_are_refused(api: Any, org: Any, customer: Any, agent: Any) -> None:
    question = _ask(org, customer, "Can I return a truck early?")
    path = f"/questions/{question.number}"
    assert api.patch(path, {"title": ""}).status_code == 400
    assert names_field(api.patch(path, {"body": "x" * 20_001}), "body")
    assert api.patch(path, {"product": "nope"}).json() == {"detail": "No product “nope”."}
    assert names_field(api.patch(path, {"tags": ["a1", "b2", "c3", "d4", "e5", "f6"]}), "tags")
    assert api.patch("/questions/2", {"title": "Another title"}).status_code == 404
    qa.question_hide(question=question, category="abuse", actor=agent)
    hidden = api.patch(path, {"title": "A new title"})
    assert hidden.status_code == 400 and "hidden" in hidden.json()["detail"]
    question.refresh_from_db()
    assert question.title == "Can I return a truck early?"


def test_closes_with_a_reason_and_reopens(api: Any, org: Any, customer: Any) -> None:
    question = _ask(org, customer, "Can I return a truck early?")
    path = f"/questions/{question.number}"
    assert api.post(f"{path}/close", {"reason": ""}).status_code == 400
    assert api.post(f"{path}/close", {}).status_code == 422
    closed = api.post(f"{path}/close", {"reason": "Answered in the FAQ."})
    assert closed.status_code == 200
    assert closed.json()["state"] == "closed"
    assert closed.json()["closed_reason"] == "Answered in the FAQ."
    again = api.post(f"{path}/close", {"reason": "Again"})
    assert again.status_code == 400 and "already closed" in again.json()["detail"]
    reopened = api.post(f"{path}/reopen")
    assert reopened.status_code == 200
    assert reopened.json()["state"] == "open" and reopened.json()["closed_reason"] == ""
    assert api.post(f"{path}/reopen").json() == {"detail": "This question is open."}
    assert api.post("/questions/2/close", {"reason": "x"}).status_code == 404
