from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sayso.status import services
from sayso.status.models import Incident
from tests.api.conftest import names_field

pytestmark = pytest.mark.django_db


def test_opens_an_incident_and_a_retry_returns_it(api: Any, org: Any, agent: Any) -> None:
    component = services.component_create(organization=org, name="Mobile app")
    fix_by = (timezone.now() + timedelta(hours=3)).isoformat()
    body = {
        "title": "Receipts are late",
        "body": "Receipts arrive **hours** late.",
        "impact": "minor",
        "component_ids": [component.pk],
        "expected_fix_at": fix_by,
    }
    first = api.post("/status/incidents", body)
    again = api.post("/status/incidents", body)
    assert (first.status_code, again.status_code) == (201, 200)
    data = first.json()
    assert again.json()["id"] == data["id"]
    assert data["status"] == "investigating" and data["resolved_at"] is None
    assert data["components"][0]["status"] == "degraded"
    assert data["expected_fix_at"] is not None
    assert [u["author"]["id"] for u in data["updates"]] == [agent.pk]
    assert Incident.objects.count() == 1


def test_bad_input_answers_400_and_opens_nothing(api: Any, other_org: Any, org: Any) -> None:
    foreign = services.component_create(organization=other_org, name="Theirs")
    future = (timezone.now() + timedelta(days=2)).isoformat()
    for body in [
        {"title": "", "body": "x"},
        {"title": "Down", "body": ""},
        {"title": "Down", "body": "x", "status": "resolved"},
        {"title": "Down", "body": "x", "component_ids": [foreign.pk]},
        {"title": "Down", "body": "x", "started_at": future},
    ]:
        response = api.post("/status/incidents", body)
        assert response.status_code == 400, (body, response.content)
        assert response.json()["detail"], body
    assert names_field(api.post("/status/incidents", {"title": "x" * 201, "body": "x"}), "title")
    too_big = api.post(
        "/status/incidents", {"title": "Down", "body": "x", "component_ids": [2**63]}
    )
    assert names_field(too_big, 0)
    for body in [{"title": "Down"}, {"title": "Down", "body": "x", "impact": "huge"}]:
        assert api.post("/status/incidents", body).status_code in {400, 422}
    assert not Incident.objects.exists()
