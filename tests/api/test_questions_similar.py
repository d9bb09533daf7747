from __future__ import annotations

from typing import Any

import pytest

from sayso.community import ideas, qa
from sayso.community.models import Question

pytestmark = pytest.mark.django_db


def _ask(org: Any, author: Any, title: str) -> Question:
    question, _ = qa.question_ask(organization=org, author=author, title=title)
    return question


@pytest.fixture
def indexed(org: Any, customer: Any, agent: Any, run_on_commit: Any) -> dict[str, Any]:
    with run_on_commit(execute=True):
        unsolved = _ask(org, customer, "The mobile app crashes when I open my bookings")
        solved = _ask(org, customer, "App closes by itself when viewing reservations")
        _ask(org, customer, "Do you rent car trailers?")
        idea, _ = ideas.idea_post(
            organization=org, author=customer, title="A more stable app for bookings"
        )
        answer, _ = qa.answer_post(
            question=solved, author_user=agent, body="Update to version 4.2, it fixes this."
        )
        qa.answer_accept(answer=answer, actor=agent)
    return {"unsolved": unsolved, "solved": solved, "idea": idea}


def test_similar_while_typing_puts_solved_questions_first_and_adds_ideas(
    api: Any, indexed: dict[str, Any]
) -> None:
    response = api.get("/questions/similar", text="the app crashes on my reservations")
    assert response.status_code == 200
    found = response.json()
    numbers = [hit["question"]["number"] for hit in found["questions"]]
    assert numbers[:2] == [indexed["solved"].number, indexed["unsolved"].number]
    assert found["questions"][0]["question"]["solved"] is True
    assert all(0 < hit["score"] <= 1 for hit in found["questions"])
    assert [hit["idea"]["number"] for hit in found["ideas"]] == [indexed["idea"].number]
    one = api.get("/questions/similar", text="the app crashes on my reservations", k=1).json()
    assert len(one["questions"]) == 1 and len(one["ideas"]) <= 1
    assert api.get("/questions/similar", text="hi").json() == {
        "questions": [],
        "ideas": [],
        "incidents": [],
    }
    assert api.get("/questions/similar").status_code == 422


def test_similar_to_a_question_leaves_it_out(api: Any, indexed: dict[str, Any]) -> None:
    response = api.get(f"/questions/{indexed['unsolved'].number}/similar", k=2)
    assert response.status_code == 200
    numbers = [hit["question"]["number"] for hit in response.json()]
    assert numbers and numbers[0] == indexed["solved"].number
    assert indexed["unsolved"].number not in numbers
    assert api.get("/questions/99/similar").status_code == 404
