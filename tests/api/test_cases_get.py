from __future__ import annotations

from typing import Any

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def test_gets_a_case_by_its_number(api: Any, org: Any, agent: Any, customer: Any) -> None:
    case = factories.make_case(org, customer, subject="Late delivery", assignee=agent)

    response = api.get(f"/cases/{case.number}")

    assert response.status_code == 200
    body = response.json()
    assert body["number"] == case.number
    assert body["subject"] == "Late delivery"
    assert body["customer"] == {"id": customer.pk, "display_name": "Ada Lovelace"}
    assert body["assignee"] == {"id": agent.pk, "name": "Agent"}
    assert body["channel"] == "web"


def test_another_organizations_case_is_not_found(
    api: Any, rival_api: Any, org: Any, other_org: Any
) -> None:
    ours = factories.make_case(org)
    factories.make_case(other_org)  # the rival has a case with the same number

    response = rival_api.get(f"/cases/{ours.number}")

    assert response.status_code == 200
    assert response.json()["customer"]["id"] != ours.customer_id
    assert api.get("/cases/2").status_code == 404
    assert api.get("/cases/2").json() == {"detail": "Not found."}
