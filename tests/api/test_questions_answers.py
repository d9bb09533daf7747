from __future__ import annotations

from typing import Any

import pytest

from sayso.community import qa
from sayso.community.models import Answer, Question
from tests import factories
from tests.api.conftest import names_field

pytestmark = pytest.mark.django_db


def _ask(org: Any, author: Any, title: str) -> Question:
    question, _ = qa.question_ask(organization=org, author=author, title=title)
    return question


def test_answers_for_a_customer_and_a_retry_returns_the_same_answer(
    api: Any, org: Any, customer: Any
) -> None:
    bob = factories.make_customer(org, "Bob", "bob@example.com")
    question = _ask(org, customer, "Which trucks have a loading ramp?")
    body = {"body": "The 15ft and 20ft trucks do.", "customer_id": bob.pk}
    first = api.post(f"/questions/{question.number}/answers", body)
    again = api.post(f"/questions/{question.number}/answers", body)
    assert (first.status_code, again.status_code) == (201, 200)
    data = first.json()
    assert again.json()["id"] == data["id"]
    assert data["question_number"] == question.number and data["state"] == "visible"
    assert data["author"]["id"] == bob.pk and data["official"] is False
    assert data["score"] == data["up_votes"] == data["down_votes"] == 0
    assert data["accepted"] is False and data["accepted_at"] is None
    assert api.get(f"/questions/{question.number}").json()["answer_count"] == 1


def test_the_staff_answer_is_official(api: Any, org: Any, customer: Any, agent: Any) -> None:
    question = _ask(org, customer, "Which trucks have a loading ramp?")
    response = api.post(f"/questions/{question.number}/answers", {"body": "All of them."})
    assert response.status_code == 201
    data = response.json()
    assert data["official"] is True and data["author"] is None
    assert data["author_user"]["id"] == agent.pk


def test_lists_public_answers_and_held_ones_on_request(
    api: Any, org: Any, customer: Any, agent: Any
) -> None:
    bob = factories.make_customer(org, "Bob", "bob@example.com")
    question = _ask(org, customer, "Which trucks have a loading ramp?")
    low, _ = qa.answer_post(question=question, author=bob, body="Only the big ones.")
    accepted, _ = qa.answer_post(question=question, author_user=agent, body="All of them.")
    held, _ = qa.answer_post(question=question, author=bob, body="Ask at the branch.")
    qa.answer_accept(answer=accepted, customer=customer)
    qa.answer_hide(answer=held, category="abuse", actor=agent)
    path = f"/questions/{question.number}/answers"
    public = api.get(path).json()
    assert public["count"] == 2
    assert [a["id"] for a in public["items"]] == [accepted.pk, low.pk]
    assert public["items"][0]["accepted"] is True
    everything = api.get(path, include_held="true").json()
    assert {a["id"]: a["state"] for a in everything["items"]}[held.pk] == "hidden"
    assert api.get("/questions/2/answers").status_code == 404


def test_bad_answers_are_refused(api: Any, org: Any, other_org: Any, customer: Any) -> None:
    foreign = factories.make_customer(other_org, "Eve", "eve@example.com")
    question = _ask(org, customer, "Which trucks have a loading ramp?")
    path = f"/questions/{question.number}/answers"
    empty = api.post(path, {"body": "  "})
    assert empty.status_code == 400 and "empty" in empty.json()["detail"]
    assert names_field(api.post(path, {"body": "x" * 20_001}), "body")
    assert api.post(path, {}).status_code == 422
    assert api.post(path, {"body": "Yes.", "customer_id": foreign.pk}).status_code == 404
    assert api.post("/questions/2/answers", {"body": "Yes."}).status_code == 404
    assert api.post(f"/questions/{2**63}/answers", {"body": "Yes."}).status_code == 404
    assert Answer.objects.count() == 0


def test_closed_and_deleted_questions_take_no_answers(
    api: Any, org: Any, customer: Any, agent: Any
) -> None:
    closed = _ask(org, customer, "Which trucks have a loading ramp?")
    qa.question_close(question=closed, reason="Duplicate of #3.", actor=agent)
    refused = api.post(f"/questions/{closed.number}/answers", {"body": "All of them."})
    assert refused.status_code == 400
    assert refused.json() == {"detail": "This question is closed to new answers."}
    deleted = _ask(org, customer, "Do you rent car trailers?")
    qa.question_delete(question=deleted, customer=customer)
    refused = api.post(f"/questions/{deleted.number}/answers", {"body": "We do."})
    assert refused.status_code == 400 and "deleted" in refused.json()["detail"]
    assert Answer.objects.count() == 0
