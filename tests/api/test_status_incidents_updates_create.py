from __future__ import annotations

from typing import Any

import pytest

from sayso.status import services
from sayso.status.models import IncidentUpdate

pytestmark = pytest.mark.django_db


def test_posts_updates_resolves_and_a_retry_posts_once(api: Any, org: Any, agent: Any) -> None:
    component = services.component_create(organization=org, name="API")
    incident, _ = services.incident_open(
        organization=org, title="API errors", body="x", component_ids=[component.pk], actor=agent
    )
    path = f"/status/incidents/{incident.pk}/updates"
    first = api.post(path, {"status": "resolved", "body": "A rollback fixed it."})
    again = api.post(path, {"status": "resolved", "body": "A rollback fixed it."})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    got = api.get(f"/status/incidents/{incident.pk}").json()
    assert got["status"] == "resolved" and got["resolved_at"] is not None
    assert got["components"][0]["status"] == "operational"
    assert IncidentUpdate.objects.count() == 2


def test_bad_input_answers_400_or_404(api: Any, rival_api: Any, org: Any, agent: Any) -> None:
    incident, _ = services.incident_open(organization=org, title="Down", body="x", actor=agent)
    path = f"/status/incidents/{incident.pk}/updates"
    assert api.post(path, {"status": "resolved", "body": " "}).status_code == 400
    assert api.post(path, {"status": "fixed", "body": "x"}).status_code in {400, 422}
    assert rival_api.post(path, {"status": "resolved", "body": "Hacked"}).status_code == 404
    assert (
        api.post("/status/incidents/0/updates", {"status": "resolved", "body": "x"}).status_code
        == 404
    )
    assert IncidentUpdate.objects.count() == 1
