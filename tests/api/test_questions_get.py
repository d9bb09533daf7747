from __future__ import annotations

from typing import Any

import pytest

from sayso.community import qa
from sayso.community.models import Question

pytestmark = pytest.mark.django_db


def _ask(org: Any, author: Any, title: str, **extra: Any) -> Question:
    question, _ = qa.question_ask(organization=org, author=author, title=title, **extra)
    return question


def test_gets_a_question_by_number(api: Any, org: Any, customer: Any) -> None:
    question = _ask(org, customer, "Can I return a truck early?", tags=["returns"])
    response = api.get(f"/questions/{question.number}")
    assert response.status_code == 200
    data = response.json()
    assert data["number"] == question.number and data["title"] == "Can I return a truck early?"
    assert data["tags"] == ["returns"] and data["author"]["public_name"] == "Ada L."
    assert data["created_at"].endswith("Z") and data["solved_at"] is None


def test_staff_see_hidden_and_deleted_questions_as_such(
    api: Any, org: Any, customer: Any, agent: Any
) -> None:
    hidden = _ask(org, customer, "Is the Riverside branch open on Sundays?")
    qa.question_hide(question=hidden, category="abuse", actor=agent)
    deleted = _ask(org, customer, "Do you rent car trailers?")
    qa.question_delete(question=deleted, customer=customer)
    assert api.get(f"/questions/{hidden.number}").json()["hidden"] is True
    assert api.get(f"/questions/{deleted.number}").json()["deleted"] is True


def test_unknown_and_out_of_range_numbers_are_404(api: Any, org: Any, customer: Any) -> None:
    _ask(org, customer, "Can I return a truck early?")
    for number in (2, 0, 2**63, 2**64):
        response = api.get(f"/questions/{number}")
        assert response.status_code == 404, number
        assert response.json() == {"detail": "Not found."}
