from __future__ import annotations

from typing import Any

import pytest

from sayso.community import qa
from sayso.community.models import Answer, Question
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def answer(org: Any, customer: Any) -> Answer:
    bob = factories.make_customer(org, "Bob", "bob@example.com")
    question, _ = qa.question_ask(
        organization=org, author=customer, title="Which trucks have a loading ramp?"
    )
    answer, _ = qa.answer_post(question=question, author=bob, body="The big ones.")
    return answer


def _question(api: Any, answer: Answer) -> Any:
    return api.get(f"/questions/{answer.question.number}").json()


def test_the_asker_accepts_and_takes_it_back(api: Any, customer: Any, answer: Answer) -> None:
    accepted = api.post(f"/answers/{answer.pk}/accept", {"customer_id": customer.pk})
    assert accepted.status_code == 200
    assert accepted.json()["accepted"] is True and accepted.json()["accepted_at"]
    question = _question(api, answer)
    assert question["solved"] is True and question["accepted_count"] == 1
    again = api.post(f"/answers/{answer.pk}/accept", {"customer_id": customer.pk})
    assert (
        again.status_code == 200 and again.json()["accepted_at"] == accepted.json()["accepted_at"]
    )
    taken_back = api.post(f"/answers/{answer.pk}/unaccept", {"customer_id": customer.pk})
    assert taken_back.status_code == 200 and taken_back.json()["accepted"] is False
    assert _question(api, answer)["solved"] is False


def test_staff_accept_without_a_customer(api: Any, answer: Answer) -> None:
    response = api.post(f"/answers/{answer.pk}/accept")
    assert response.status_code == 200 and response.json()["accepted"] is True
    assert api.post(f"/answers/{answer.pk}/unaccept", {}).json()["accepted"] is False


def test_only_the_asker_may_accept(api: Any, org: Any, other_org: Any, answer: Answer) -> None:
    cy = factories.make_customer(org, "Cy", "cy@example.com")
    for action in ("accept", "unaccept"):
        refused = api.post(f"/answers/{answer.pk}/{action}", {"customer_id": cy.pk})
        assert refused.status_code == 403
        assert refused.json() == {
            "detail": "Only the person who asked or staff can accept an answer."
        }
    foreign = factories.make_customer(other_org, "Eve", "eve@example.com")
    missing = api.post(f"/answers/{answer.pk}/accept", {"customer_id": foreign.pk})
    assert missing.status_code == 404
    assert api.post(f"/answers/{answer.pk + 1}/accept").status_code == 404
    assert api.post(f"/answers/{2**63}/accept").status_code == 404
    assert Question.objects.get().accepted_count == 0


def test_a_held_answer_cannot_be_accepted(
    api: Any, customer: Any, agent: Any, answer: Answer
) -> None:
    qa.answer_hide(answer=answer, category="spam", actor=agent)
    refused = api.post(f"/answers/{answer.pk}/accept", {"customer_id": customer.pk})
    assert refused.status_code == 400
    assert refused.json() == {"detail": "This answer is not public."}
