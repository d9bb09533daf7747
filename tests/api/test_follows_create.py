from __future__ import annotations

from typing import Any

import pytest

from sayso.community import ideas
from sayso.community.following import idea_subject
from sayso.community.models import Follow
from tests import factories
from tests.community.test_followable import hidden_idea

pytestmark = pytest.mark.django_db


def test_follows_once_and_refuses_unknown_subjects(api: Any, org: Any, customer: Any) -> None:
    first = api.post("/follows", {"customer_id": customer.pk, "subject": "changelog"})
    again = api.post(
        "/follows", {"customer_id": customer.pk, "subject": "changelog", "delivery": "daily"}
    )
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"] and again.json()["delivery"] == "daily"
    for subject in ["idea:999", "nonsense", "idea:abc", "category:1"]:
        assert (
            api.post("/follows", {"customer_id": customer.pk, "subject": subject}).status_code
            == 400
        )
    assert Follow.objects.count() == 1


def test_the_api_refuses_each_with_its_reason(
    api: Any, org: Any, customer: Any, other_org: Any
) -> None:
    rival = factories.make_customer(other_org, "Rival", "rival@example.com")
    foreign, _ = ideas.idea_post(organization=other_org, author=rival, title="Vans")
    bob = factories.make_customer(org, "Bob", "bob@example.com")
    hidden = hidden_idea(org, bob)
    before = Follow.objects.count()
    for subject, reason in [
        ("junk", "Follow one of"),
        (idea_subject(foreign), "This organization has no idea"),
        (idea_subject(hidden), "This idea is not public"),
    ]:
        response = api.post("/follows", {"customer_id": customer.pk, "subject": subject})
        assert response.status_code == 400, subject
        assert reason in str(response.json()), response.json()
    assert Follow.objects.count() == before
    mine = api.post("/follows", {"customer_id": bob.pk, "subject": idea_subject(hidden)})
    assert mine.status_code == 201
