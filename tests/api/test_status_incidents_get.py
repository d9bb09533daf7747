"""status_incidents_get, status_incidents_list and status_incidents_update."""

from __future__ import annotations

from typing import Any

import pytest

from sayso.status import services
from tests.api.conftest import names_field

pytestmark = pytest.mark.django_db


def test_lists_gets_and_changes_incidents_of_its_own_organization(
    api: Any, rival_api: Any, org: Any, agent: Any
) -> None:
    done, _ = services.incident_open(organization=org, title="Old", body="x", actor=agent)
    services.incident_update_post(incident=done, status="resolved", body="Ok", actor=agent)
    live, _ = services.incident_open(organization=org, title="Now", body="y", actor=agent)
    assert [i["title"] for i in api.get("/status/incidents").json()["items"]] == ["Now", "Old"]
    assert [i["title"] for i in api.get("/status/incidents", resolved="false").json()["items"]] == [
        "Now"
    ]
    assert [i["title"] for i in api.get("/status/incidents", resolved="true").json()["items"]] == [
        "Old"
    ]
    got = api.get(f"/status/incidents/{done.pk}").json()
    assert [u["status"] for u in got["updates"]] == ["resolved", "investigating"]
    component = services.component_create(organization=org, name="API")
    changed = api.patch(
        f"/status/incidents/{live.pk}",
        {"title": "Now, worse", "impact": "critical", "component_ids": [component.pk]},
    )
    assert changed.status_code == 200
    assert changed.json()["title"] == "Now, worse" and changed.json()["impact"] == "critical"
    assert [c["name"] for c in changed.json()["components"]] == ["API"]
    assert api.patch(f"/status/incidents/{live.pk}", {"title": ""}).status_code == 400
    assert names_field(api.patch(f"/status/incidents/{live.pk}", {"component_ids": [0]}), 0)
    for path in (f"/status/incidents/{live.pk}", "/status/incidents/99999"):
        assert rival_api.get(path).status_code == 404
    assert rival_api.patch(f"/status/incidents/{live.pk}", {"title": "Hacked"}).status_code == 404
    assert rival_api.get("/status/incidents").json()["items"] == []
