from __future__ import annotations

from typing import Any

import pytest

from sayso.status import services

pytestmark = pytest.mark.django_db


def test_the_status_page_as_json_and_another_organization_sees_none_of_it(
    api: Any, rival_api: Any, org: Any, agent: Any
) -> None:
    assert api.get("/status").json() == {
        "overall": "operational",
        "components": [],
        "open_incidents": [],
    }
    api_component = services.component_create(organization=org, name="API")
    services.incident_open(
        organization=org,
        title="API errors",
        body="Looking",
        impact="critical",
        component_ids=[api_component.pk],
        actor=agent,
    )
    data = api.get("/status").json()
    assert data["overall"] == "major_outage"
    assert [c["status"] for c in data["components"]] == ["major_outage"]
    [incident] = data["open_incidents"]
    assert incident["title"] == "API errors" and incident["updates"][0]["body"] == "Looking"
    assert incident["url"].endswith(f"/o/{org.slug}/status/incidents/{incident['id']}/")
    assert rival_api.get("/status").json()["components"] == []
    assert rival_api.get("/status").json()["open_incidents"] == []
