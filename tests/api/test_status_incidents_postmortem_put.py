from __future__ import annotations

from typing import Any

import pytest

from sayso.status import services

pytestmark = pytest.mark.django_db


def test_publishes_the_postmortem_of_a_resolved_incident_only(
    api: Any, rival_api: Any, org: Any, agent: Any
) -> None:
    incident, _ = services.incident_open(organization=org, title="Down", body="x", actor=agent)
    path = f"/status/incidents/{incident.pk}/postmortem"
    early = api.put(path, {"body": "Too early"})
    assert early.status_code == 400 and "resolved" in early.json()["detail"]
    services.incident_update_post(incident=incident, status="resolved", body="Ok", actor=agent)
    published = api.put(path, {"body": "## What happened\n\nA full disk."})
    assert published.status_code == 200
    assert "A full disk." in published.json()["postmortem"]
    assert published.json()["postmortem_published_at"] is not None
    assert api.put(path, {"body": ""}).status_code == 400
    assert rival_api.put(path, {"body": "Hacked"}).status_code == 404
    incident.refresh_from_db()
    assert incident.postmortem == "## What happened\n\nA full disk."
