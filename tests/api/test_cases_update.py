from __future__ import annotations

from typing import Any

import pytest

from sayso.customers.models import TimelineEvent
from tests import factories

pytestmark = pytest.mark.django_db


def test_changes_status_priority_and_subject(api: Any, org: Any) -> None:
    case = factories.make_case(org, subject="Old subject")

    response = api.patch(
        f"/cases/{case.number}", {"status": "resolved", "priority": "low", "subject": "New one"}
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["priority"], body["subject"]) == ("resolved", "low", "New one")
    assert body["resolved_at"] is not None
    assert TimelineEvent.objects.filter(case=case, kind="case_status").exists()

    reopened = api.patch(f"/cases/{case.number}", {"status": "open"}).json()

    assert reopened["resolved_at"] is None
    assert reopened["subject"] == "New one"


def test_an_unknown_status_is_a_schema_error(api: Any, org: Any) -> None:
    case = factories.make_case(org)

    assert api.patch(f"/cases/{case.number}", {"status": "archived"}).status_code == 422


def test_another_organizations_case_is_not_found(rival_api: Any, org: Any) -> None:
    case = factories.make_case(org)

    response = rival_api.patch(f"/cases/{case.number}", {"status": "closed"})

    assert response.status_code == 404
    case.refresh_from_db()
    assert case.status == "open"
