from __future__ import annotations

from typing import Any

import pytest

from sayso.community import ideas, qa
from sayso.community.models import Question
from sayso.community.reviews import product_create
from tests import factories
from tests.api.conftest import count_queries

pytestmark = pytest.mark.django_db


def _ask(org: Any, author: Any, title: str, **extra: Any) -> Question:
    question, _ = qa.question_ask(organization=org, author=author, title=title, **extra)
    return question


def _numbers(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["number"] for item in response.json()["items"]]


@pytest.fixture
def board(org: Any, customer: Any, agent: Any) -> dict[str, Question]:
    bob = factories.make_customer(org, "Bob", "bob@example.com")
    app = product_create(organization=org, name="Mobile app")
    ramp = _ask(org, customer, "Which trucks have a loading ramp?", tags=["trucks"])
    invoices = _ask(org, customer, "How do I download my invoices?", tags=["billing"], product=app)
    sunday = _ask(org, bob, "Is the Riverside branch open on Sundays?")
    answer, _ = qa.answer_post(
        question=invoices, author_user=agent, body="Under Account, then Invoices."
    )
    qa.answer_accept(answer=answer, customer=customer)
    qa.me_too(question=sunday, customer=customer)
    hidden = _ask(org, bob, "Where do I park the van overnight?")
    qa.question_hide(question=hidden, category="spam", actor=agent)
    return {"ramp": ramp, "invoices": invoices, "sunday": sunday, "hidden": hidden}


def test_lists_public_questions_newest_first(api: Any, board: dict[str, Question]) -> None:
    response = api.get("/questions")
    assert _numbers(response) == [3, 2, 1]
    assert response.json()["count"] == 3
    first = response.json()["items"][0]
    assert first["me_too_count"] == 1 and first["author"]["public_name"] == "Bob"


def test_sorts_and_filters(api: Any, board: dict[str, Question]) -> None:
    assert _numbers(api.get("/questions", sort="affected"))[0] == board["sunday"].number
    assert _numbers(api.get("/questions", sort="active"))[0] == board["invoices"].number
    assert _numbers(api.get("/questions", sort="unanswered")) == [3, 1]
    assert _numbers(api.get("/questions", tag="billing")) == [2]
    assert _numbers(api.get("/questions", product="mobile-app")) == [2]
    assert _numbers(api.get("/questions", product="unknown")) == []
    assert _numbers(api.get("/questions", solved="yes")) == [2]
    assert _numbers(api.get("/questions", solved="no")) == [3, 1]
    assert _numbers(api.get("/questions", q="ramp")) == [1]
    assert _numbers(api.get("/questions", q="account invoices")) == [2]  # words of an answer
    assert _numbers(api.get("/questions", limit=1, offset=1)) == [2]
    solved = api.get("/questions", solved="yes").json()["items"][0]
    assert solved["solved"] is True and solved["accepted_count"] == 1
    assert solved["solved_at"] is not None and solved["answer_count"] == 1


def test_bad_filters_are_refused(api: Any, board: dict[str, Question]) -> None:
    assert api.get("/questions", sort="top").status_code == 422
    assert api.get("/questions", solved="maybe").status_code == 422


def test_searches_questions_answers_and_ideas(
    api: Any, org: Any, customer: Any, board: dict[str, Question]
) -> None:
    idea, _ = ideas.idea_post(organization=org, author=customer, title="Invoices by email")
    hits = api.get("/questions/search", q="invoices").json()
    assert {(h["kind"], h["number"]) for h in hits} >= {
        ("question", board["invoices"].number),
        ("idea", idea.number),
    }
    question_hit = next(h for h in hits if h["kind"] == "question")
    assert question_hit["by_words"] is True and question_hit["solved"] is True
    assert question_hit["title"] == "How do I download my invoices?"
    assert all(
        h["kind"] == "question"
        for h in api.get("/questions/search", q="invoices", solved="yes").json()
    )
    assert api.get("/questions/search", q="invoices", tag="trucks").json() == []
    assert api.get("/questions/search", q="").json() == []
    assert api.get("/questions/search").status_code == 422
    hidden = api.get("/questions/search", q="park the van overnight").json()
    assert board["hidden"].number not in [h["number"] for h in hidden if h["kind"] == "question"]


def test_the_list_reads_a_fixed_number_of_rows(api: Any, org: Any, customer: Any) -> None:
    for n in range(3):
        _ask(org, customer, f"Question number {n} about trucks", tags=[f"tag{n}"])
    api.get("/questions")  # the token's first use is recorded once
    few = count_queries(lambda: api.get("/questions"))
    for n in range(3, 9):
        _ask(org, customer, f"Question number {n} about trucks", tags=[f"tag{n}", "common"])
    assert count_queries(lambda: api.get("/questions")) == few
    answers = _ask(org, customer, "Which trucks have a loading ramp?")
    qa.answer_post(question=answers, author=customer, body="The big ones.")
    one = count_queries(lambda: api.get(f"/questions/{answers.number}/answers"))
    for n in range(4):
        bob = factories.make_customer(org, f"Bob {n}", f"bob{n}@example.com")
        qa.answer_post(question=answers, author=bob, body=f"Answer {n}.")
    assert count_queries(lambda: api.get(f"/questions/{answers.number}/answers")) == one
