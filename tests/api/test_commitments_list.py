from __future__ import annotations

from typing import Any

import pytest

from sayso.conversations import commitments
from tests import factories
from tests.api.conftest import count_queries, names_field

pytestmark = pytest.mark.django_db


def _ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [c["id"] for c in response.json()["items"]]


def test_lists_commitments_soonest_due_first(api: Any, org: Any, agent: Any) -> None:
    case = factories.make_case(org)
    later = factories.make_commitment(case, agent, hours=48, description="Send the invoice")
    sooner = factories.make_commitment(case, agent, hours=2)

    response = api.get("/commitments")

    assert _ids(response) == [sooner.pk, later.pk]
    item = response.json()["items"][1]
    assert item["description"] == "Send the invoice"
    assert item["case_number"] == case.number
    assert item["customer_id"] == case.customer_id
    assert item["owner"] == {"id": agent.pk, "name": "Agent"}
    assert item["status"] == "open"
    assert item["overdue"] is False


def test_filters_by_status_and_owner(api: Any, org: Any, agent: Any, manager: Any) -> None:
    case = factories.make_case(org)
    mine = factories.make_commitment(case, agent)
    theirs = factories.make_commitment(case, manager)
    kept = factories.make_commitment(case, agent, hours=3)
    commitments.commitment_keep(commitment=kept, actor=agent)

    assert _ids(api.get("/commitments", owner="me", status="open")) == [mine.pk]
    assert _ids(api.get("/commitments", owner=str(manager.pk))) == [theirs.pk]
    assert _ids(api.get("/commitments", status="kept")) == [kept.pk]
    assert names_field(api.get("/commitments", owner="boss"), "owner")
    assert api.get("/commitments", owner=str(2**63)).status_code == 400
    assert api.get("/commitments", status="forgotten").status_code == 422


def test_never_lists_another_organizations_commitments(
    api: Any, rival_api: Any, org: Any, agent: Any
) -> None:
    factories.make_commitment(factories.make_case(org), agent)

    assert rival_api.get("/commitments").json() == {"items": [], "count": 0}
    assert api.get("/commitments").json()["count"] == 1


def test_query_count_does_not_grow_with_the_page(api: Any, org: Any, agent: Any) -> None:
    factories.make_commitment(factories.make_case(org), agent)
    api.get("/commitments")
    few = count_queries(lambda: api.get("/commitments"))
    for _ in range(4):
        factories.make_commitment(factories.make_case(org), agent)

    assert count_queries(lambda: api.get("/commitments")) == few
