from __future__ import annotations

from typing import Any

import pytest

from sayso.community import qa
from sayso.community.models import Answer, AnswerVote
from tests import factories
from tests.api.conftest import names_field

pytestmark = pytest.mark.django_db


@pytest.fixture
def answer(org: Any, customer: Any) -> Answer:
    bob = factories.make_customer(org, "Bob", "bob@example.com")
    question, _ = qa.question_ask(
        organization=org, author=customer, title="Which trucks have a loading ramp?"
    )
    answer, _ = qa.answer_post(question=question, author=bob, body="The big ones.")
    return answer


def test_votes_up_down_and_withdraws(api: Any, org: Any, customer: Any, answer: Answer) -> None:
    cy = factories.make_customer(org, "Cy", "cy@example.com")
    path = f"/answers/{answer.pk}/votes"
    up = api.post(path, {"customer_id": customer.pk, "value": 1})
    assert up.status_code == 200
    assert (up.json()["score"], up.json()["up_votes"], up.json()["down_votes"]) == (1, 1, 0)
    assert api.post(path, {"customer_id": customer.pk, "value": 1}).json()["score"] == 1
    down = api.post(path, {"customer_id": cy.pk, "value": -1}).json()
    assert (down["score"], down["up_votes"], down["down_votes"]) == (0, 1, 1)
    changed = api.post(path, {"customer_id": customer.pk, "value": -1}).json()
    assert (changed["score"], changed["up_votes"], changed["down_votes"]) == (-2, 0, 2)
    withdrawn = api.post(path, {"customer_id": cy.pk, "value": 0}).json()
    assert withdrawn["score"] == -1 and AnswerVote.objects.count() == 1


def test_bad_votes_are_refused(api: Any, other_org: Any, answer: Answer) -> None:
    foreign = factories.make_customer(other_org, "Eve", "eve@example.com")
    path = f"/answers/{answer.pk}/votes"
    own = api.post(path, {"customer_id": answer.author_id, "value": 1})
    assert own.status_code == 400
    assert own.json() == {"detail": "You cannot vote on your own answer."}
    assert api.post(path, {"customer_id": answer.author_id, "value": 2}).status_code == 422
    assert api.post(path, {"customer_id": answer.author_id}).status_code == 422
    assert api.post(path, {"customer_id": foreign.pk, "value": 1}).status_code == 404
    assert names_field(api.post(path, {"customer_id": 2**63, "value": 1}), "customer_id")
    for missing in (answer.pk + 1, 0, 2**63):
        assert (
            api.post(f"/answers/{missing}/votes", {"customer_id": 1, "value": 1}).status_code == 404
        )
    assert AnswerVote.objects.count() == 0


def test_a_deleted_answer_is_gone_and_a_hidden_one_takes_no_votes(
    api: Any, org: Any, customer: Any, agent: Any, answer: Answer
) -> None:
    other, _ = qa.answer_post(question=answer.question, author=customer, body="Ask them.")
    qa.answer_delete(answer=other, customer=customer)
    assert (
        api.post(f"/answers/{other.pk}/votes", {"customer_id": customer.pk, "value": 1}).status_code
        == 404
    )
    qa.answer_hide(answer=answer, category="abuse", actor=agent)
    refused = api.post(f"/answers/{answer.pk}/votes", {"customer_id": customer.pk, "value": 1})
    assert refused.status_code == 400 and "not public" in refused.json()["detail"]
