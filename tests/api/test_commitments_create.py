from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sayso.conversations.models import Commitment
from tests import factories

pytestmark = pytest.mark.django_db


def _due(hours: float) -> str:
    return (timezone.now() + timedelta(hours=hours)).isoformat()


def test_makes_a_commitment_owned_by_the_token_holder(api: Any, org: Any, agent: Any) -> None:
    case = factories.make_case(org)

    response = api.post(
        "/commitments",
        {"case_number": case.number, "description": "Call back with a quote", "due_at": _due(4)},
    )

    assert response.status_code == 201
    body = response.json()
    assert body["owner"]["id"] == agent.pk
    assert body["case_number"] == case.number
    assert body["status"] == "open"
    commitment = Commitment.objects.get(pk=body["id"])
    assert commitment.created_by == agent


def test_another_staff_member_can_own_it(api: Any, org: Any, manager: Any) -> None:
    case = factories.make_case(org)

    response = api.post(
        "/commitments",
        {
            "case_number": case.number,
            "owner_id": manager.pk,
            "description": "Approve the refund",
            "due_at": _due(1),
        },
    )

    assert response.status_code == 201
    assert response.json()["owner"]["id"] == manager.pk


@pytest.mark.parametrize(
    ("due_at", "detail"),
    [
        ("2001-01-01T00:00:00Z", "The due time must be in the future."),
        ("2999-01-01T09:00:00", "The due time needs a time zone."),
    ],
)
def test_a_due_time_in_the_past_or_without_zone_is_400(
    api: Any, org: Any, due_at: str, detail: str
) -> None:
    case = factories.make_case(org)

    response = api.post(
        "/commitments", {"case_number": case.number, "description": "Call", "due_at": due_at}
    )

    assert response.status_code == 400
    assert response.json() == {"detail": detail}
    assert not Commitment.objects.exists()


def test_an_empty_description_is_400(api: Any, org: Any) -> None:
    case = factories.make_case(org)

    response = api.post(
        "/commitments", {"case_number": case.number, "description": " ", "due_at": _due(2)}
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "Say what was promised."}


def test_cases_and_people_of_another_organization_are_not_found(
    api: Any, rival_api: Any, org: Any, outsider: Any
) -> None:
    case = factories.make_case(org)

    foreign_case = rival_api.post(
        "/commitments", {"case_number": case.number, "description": "x", "due_at": _due(2)}
    )
    foreign_owner = api.post(
        "/commitments",
        {
            "case_number": case.number,
            "owner_id": outsider.pk,
            "description": "x",
            "due_at": _due(2),
        },
    )

    assert foreign_case.status_code == 404
    assert foreign_case.json() == {"detail": f"Case {case.number} (case_number) not found."}
    assert foreign_owner.status_code == 404
    assert not Commitment.objects.exists()
