"""status_components_list, _create, _update and _delete."""

from __future__ import annotations

from typing import Any

import pytest

from sayso.status.models import Component
from tests.api.conftest import names_field

pytestmark = pytest.mark.django_db


def test_components_are_added_changed_and_removed(
    manager_api: Any, api: Any, rival_api: Any
) -> None:
    made = manager_api.post("/status/components", {"name": "Payments"})
    assert made.status_code == 201
    component = made.json()
    assert component["status"] == "operational" and component["position"] == 1
    path = f"/status/components/{component['id']}"
    changed = manager_api.patch(path, {"status": "degraded", "description": "Card payments"})
    assert changed.status_code == 200 and changed.json()["status"] == "degraded"
    assert [c["name"] for c in api.get("/status/components").json()] == ["Payments"]
    assert rival_api.patch(path, {"status": "operational"}).status_code == 404
    assert rival_api.delete(path).status_code == 404
    assert rival_api.get("/status/components").json() == []
    assert manager_api.delete(path).status_code == 204
    assert not Component.objects.exists()


def test_an_agent_sets_a_status_and_only_a_manager_shapes_the_page(
    api: Any, manager_api: Any
) -> None:
    """As on the web: whoever handles incidents sets a component's status; adding, renaming,
    moving and removing components is a manager's."""
    refused = api.post("/status/components", {"name": "Payments"})
    assert refused.status_code == 403 and "manager" in refused.text
    pk = manager_api.post("/status/components", {"name": "Payments"}).json()["id"]
    path = f"/status/components/{pk}"
    assert api.patch(path, {"status": "major_outage"}).status_code == 200
    for shaping in ({"name": "Billing"}, {"description": "Cards"}, {"position": 3}):
        assert api.patch(path, {"status": "operational", **shaping}).status_code == 403, shaping
    assert api.delete(path).status_code == 403
    component = Component.objects.get()
    assert (component.name, component.status, component.description) == (
        "Payments",
        "major_outage",
        "",
    )


def test_bad_input_answers_400_with_a_message(manager_api: Any) -> None:
    api = manager_api
    api.post("/status/components", {"name": "Payments"})
    for body, word in [
        ({"name": ""}, "empty"),
        ({"name": "payments"}, "already"),
    ]:
        response = api.post("/status/components", body)
        assert response.status_code == 400 and word in response.text, body
    assert names_field(api.post("/status/components", {"name": "x" * 101}), "name")
    pk = Component.objects.get().pk
    for body in [{"status": "on fire"}, {"position": -1}]:
        assert api.patch(f"/status/components/{pk}", body).status_code in {400, 422}
    assert Component.objects.get().status == "operational"
