from __future__ import annotations

from typing import Any

import pytest

from sayso.community import qa
from sayso.community.models import MeToo, Question
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def question(org: Any, customer: Any) -> Question:
    question, _ = qa.question_ask(
        organization=org, author=customer, title="The app crashes when I open my bookings"
    )
    return question


def test_marks_once_and_takes_the_mark_back(api: Any, org: Any, question: Question) -> None:
    bob = factories.make_customer(org, "Bob", "bob@example.com")
    path = f"/questions/{question.number}/me-too"
    first = api.post(path, {"customer_id": bob.pk})
    again = api.post(path, {"customer_id": bob.pk, "has_problem": True})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["me_too_count"] == 1
    taken_back = api.post(path, {"customer_id": bob.pk, "has_problem": False})
    assert taken_back.status_code == 200 and taken_back.json()["me_too_count"] == 0
    assert not MeToo.objects.exists()


def test_lists_the_count_and_the_visible_people(
    api: Any, org: Any, customer: Any, question: Question
) -> None:
    bob = factories.make_customer(org, "Bob", "bob@example.com")
    cy = factories.make_customer(org, "Cy", "cy@example.com")
    for person in (bob, cy):
        qa.me_too(question=question, customer=person)
    qa.profile_update(customer=bob, visible=True)
    qa.profile_update(customer=customer, visible=True)
    response = api.get(f"/questions/{question.number}/me-too")
    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "people": [
            {"id": customer.pk, "public_name": "Ada L."},
            {"id": bob.pk, "public_name": "Bob"},
        ],
    }
    assert api.get("/questions/2/me-too").status_code == 404


def test_bad_marks_are_refused(
    api: Any, other_org: Any, customer: Any, agent: Any, question: Question
) -> None:
    path = f"/questions/{question.number}/me-too"
    asker = api.post(path, {"customer_id": customer.pk})
    assert asker.status_code == 400 and "You asked this question" in asker.json()["detail"]
    foreign = factories.make_customer(other_org, "Eve", "eve@example.com")
    assert api.post(path, {"customer_id": foreign.pk}).status_code == 404
    assert api.post(path, {}).status_code == 422
    assert api.post(f"/questions/{2**63}/me-too", {"customer_id": customer.pk}).status_code == 404
    qa.question_hide(question=question, category="spam", actor=agent)
    bob = factories.make_customer(question.organization, "Bob", "bob@example.com")
    hidden = api.post(path, {"customer_id": bob.pk})
    assert hidden.status_code == 400 and "hidden" in hidden.json()["detail"]
    assert not MeToo.objects.exists()
