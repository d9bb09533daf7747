from __future__ import annotations

from typing import Any

import pytest

from sayso.conversations import services
from tests import factories
from tests.api.conftest import count_queries, names_field

pytestmark = pytest.mark.django_db


def _numbers(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [case["number"] for case in response.json()["items"]]


def test_lists_active_cases_newest_activity_first(api: Any, org: Any, agent: Any) -> None:
    older = factories.make_case(org, subject="Older")
    newer = factories.make_case(org, subject="Newer")
    resolved = factories.make_case(org, subject="Done")
    services.case_update(case=resolved, actor=agent, status="resolved")

    response = api.get("/cases")

    assert _numbers(response) == [newer.number, older.number]
    item = response.json()["items"][0]
    assert item["subject"] == "Newer"
    assert item["status"] == "open"
    assert item["priority"] == "normal"
    assert item["customer"]["id"] == newer.customer_id
    assert item["assignee"] is None
    assert item["last_message_at"].endswith("Z")
    assert _numbers(api.get("/cases", status="all")) == [
        resolved.number,
        newer.number,
        older.number,
    ]
    assert _numbers(api.get("/cases", status="resolved")) == [resolved.number]


def test_filters_by_assignee_and_priority(api: Any, org: Any, agent: Any, manager: Any) -> None:
    mine = factories.make_case(org, assignee=agent)
    theirs = factories.make_case(org, assignee=manager)
    nobodys = factories.make_case(org)
    services.case_update(case=theirs, actor=agent, priority="urgent")

    assert _numbers(api.get("/cases", assignee="me")) == [mine.number]
    assert _numbers(api.get("/cases", assignee="none")) == [nobodys.number]
    assert _numbers(api.get("/cases", assignee=str(manager.pk))) == [theirs.number]
    assert _numbers(api.get("/cases", priority="urgent")) == [theirs.number]


def test_searches_subjects_and_message_bodies(api: Any, org: Any) -> None:
    brakes = factories.make_case(org, subject="Brakes squeal", body="Since Monday.")
    invoice = factories.make_case(org, subject="A question", body="The invoice total is wrong")
    factories.make_case(org, subject="Other")

    assert _numbers(api.get("/cases", q="brakes")) == [brakes.number]
    assert _numbers(api.get("/cases", q="invoice")) == [invoice.number]


def test_bad_filters_are_client_errors(api: Any) -> None:
    assert names_field(api.get("/cases", assignee="someone"), "assignee")
    assert names_field(api.get("/cases", assignee=str(2**70)), "assignee")
    assert api.get("/cases", assignee=str(2**63)).status_code == 400
    assert api.get("/cases", status="lost").status_code == 422
    assert api.get("/cases", priority="whenever").status_code == 422


def test_paginates(api: Any, org: Any) -> None:
    cases = [factories.make_case(org) for _ in range(4)]

    page = api.get("/cases", limit=2, offset=1).json()

    assert page["count"] == 4
    assert [c["number"] for c in page["items"]] == [cases[2].number, cases[1].number]


def test_never_lists_another_organizations_cases(
    api: Any, rival_api: Any, org: Any, other_org: Any
) -> None:
    ours = factories.make_case(org, subject="Shared words")
    theirs = factories.make_case(other_org, subject="Shared words")

    assert _numbers(api.get("/cases", status="all", q="shared")) == [ours.number]
    assert [c["customer"]["id"] for c in rival_api.get("/cases").json()["items"]] == [
        theirs.customer_id
    ]


def test_query_count_does_not_grow_with_the_page(api: Any, org: Any, agent: Any) -> None:
    factories.make_case(org, assignee=agent)
    api.get("/cases")
    few = count_queries(lambda: api.get("/cases"))
    for _ in range(5):
        factories.make_case(org, assignee=agent)

    assert count_queries(lambda: api.get("/cases")) == few
