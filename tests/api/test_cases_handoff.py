from __future__ import annotations

from typing import Any

import pytest

from sayso.core.services import team_create
from sayso.notifications.models import Alert
from tests import factories

pytestmark = pytest.mark.django_db


def test_hands_a_case_to_a_colleague_who_is_alerted(
    api: Any, org: Any, agent: Any, manager: Any
) -> None:
    case = factories.make_case(org, assignee=agent)

    response = api.post(
        f"/cases/{case.number}/handoff",
        {"to_user_id": manager.pk, "note": "Customer wants a refund; over my limit."},
    )

    assert response.status_code == 201
    body = response.json()
    assert body["case_number"] == case.number
    assert body["from_user"] == {"id": agent.pk, "name": "Agent"}
    assert body["to_user"] == {"id": manager.pk, "name": "Manager"}
    assert body["by"]["id"] == agent.pk
    assert api.get(f"/cases/{case.number}").json()["assignee"]["id"] == manager.pk
    assert Alert.objects.filter(recipient=manager, case=case).exists()


def test_hands_a_case_to_a_team(api: Any, org: Any, manager: Any) -> None:
    team = team_create(organization=org, name="Denver depot", lead=manager)
    case = factories.make_case(org)

    response = api.post(f"/cases/{case.number}/handoff", {"to_team_id": team.pk, "note": "Local"})

    assert response.status_code == 201
    assert response.json()["to_team"] == {"id": team.pk, "name": "Denver depot"}
    assert api.get(f"/cases/{case.number}").json()["team"]["id"] == team.pk


def test_a_handoff_needs_a_note_and_a_target(api: Any, org: Any, manager: Any) -> None:
    case = factories.make_case(org)

    no_note = api.post(f"/cases/{case.number}/handoff", {"to_user_id": manager.pk, "note": " "})
    no_target = api.post(f"/cases/{case.number}/handoff", {"note": "Please take this"})

    assert no_note.status_code == 400
    assert "needs a note" in no_note.json()["detail"]
    assert no_target.status_code == 400
    assert no_target.json() == {"detail": "Hand the case to a person or a team."}


def test_people_and_teams_of_another_organization_are_not_found(
    api: Any, org: Any, other_org: Any, outsider: Any
) -> None:
    case = factories.make_case(org)
    their_team = team_create(organization=other_org, name="Rival team")

    to_user = api.post(f"/cases/{case.number}/handoff", {"to_user_id": outsider.pk, "note": "x"})
    to_team = api.post(f"/cases/{case.number}/handoff", {"to_team_id": their_team.pk, "note": "x"})

    assert to_user.status_code == 404
    assert to_user.json() == {"detail": f"Staff member {outsider.pk} (to_user_id) not found."}
    assert to_team.status_code == 404
    case.refresh_from_db()
    assert case.assignee_id is None


def test_another_organizations_case_is_not_found(rival_api: Any, org: Any, outsider: Any) -> None:
    case = factories.make_case(org)

    response = rival_api.post(
        f"/cases/{case.number}/handoff", {"to_user_id": outsider.pk, "note": "mine"}
    )

    assert response.status_code == 404
