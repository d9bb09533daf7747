"""The Statuspage-compatible JSON (/o/<org>/status/api/v2/…): Statuspage's field names and
enums, component groups, scheduled maintenance, CORS, one organization's page only — and read
by a Statuspage client library (aRez's ``arez.statuspage``) over HTTP, as clients read it."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sayso.status import maintenance, services
from sayso.status.models import Component

pytestmark = pytest.mark.django_db

PAGE_FIELDS = {"id", "name", "url", "time_zone", "updated_at"}
COMPONENT_FIELDS = {
    "id",
    "name",
    "status",
    "created_at",
    "updated_at",
    "position",
    "description",
    "showcase",
    "start_date",
    "group_id",
    "page_id",
    "group",
    "only_show_if_degraded",
}
INCIDENT_FIELDS = {
    "id",
    "name",
    "status",
    "created_at",
    "updated_at",
    "monitoring_at",
    "resolved_at",
    "impact",
    "shortlink",
    "started_at",
    "page_id",
    "incident_updates",
    "components",
    "scheduled_for",
    "scheduled_until",
}
UPDATE_FIELDS = {
    "id",
    "status",
    "body",
    "incident_id",
    "created_at",
    "updated_at",
    "display_at",
    "affected_components",
    "deliver_notifications",
}
COMPONENT_STATUSES = {
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
}
INCIDENT_STATUSES = {"investigating", "identified", "monitoring", "resolved", "postmortem"}
MAINTENANCE_STATUSES = {"scheduled", "in_progress", "verifying", "completed"}
IMPACTS = {"none", "minor", "major", "critical"}


def _json(org: Any, kind: str) -> dict[str, Any]:
    path = f"/o/{org.slug}/status/api/v2/{kind}.json"
    response = Client().get(path, HTTP_ORIGIN="https://dashboards.example")
    assert response.status_code == 200, path
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    return response.json()


def _timestamp(value: str) -> datetime:
    # Statuspage's own form, which its clients parse with this very pattern.
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z")


def _page_of(org: Any, agent: Any) -> dict[str, Any]:
    """A page with a group of two components, a loose one, an open incident, a resolved one
    with a post-mortem, and maintenance upcoming and in progress."""
    api = services.component_create(organization=org, name="API")
    europe = services.component_group_create(organization=org, name="Europe")
    berlin = services.component_create(organization=org, name="Berlin depot", group_id=europe.pk)
    paris = services.component_create(organization=org, name="Paris depot", group_id=europe.pk)
    open_incident, _ = services.incident_open(
        organization=org,
        title="Bookings slow in Berlin",
        body="Looking into it.",
        impact="major",
        component_ids=[berlin.pk],
        actor=agent,
    )
    services.incident_update_post(
        incident=open_incident, status="monitoring", body="A fix is out.", actor=agent
    )
    old, _ = services.incident_open(
        organization=org, title="API errors", body="Errors.", impact="minor", actor=agent
    )
    services.incident_update_post(incident=old, status="resolved", body="Fixed.", actor=agent)
    services.incident_postmortem_publish(incident=old, body="What happened.", actor=agent)
    now = timezone.now()
    upcoming, _ = maintenance.maintenance_schedule(
        organization=org,
        title="Database upgrade",
        body="Bookings read-only for an hour.",
        scheduled_for=now + timedelta(days=2),
        scheduled_until=now + timedelta(days=2, hours=1),
        component_ids=[api.pk],
        actor=agent,
    )
    active, _ = maintenance.maintenance_schedule(
        organization=org,
        title="Paris depot network work",
        body="The depot's phones are off.",
        scheduled_for=now - timedelta(minutes=5),
        scheduled_until=now + timedelta(hours=2),
        component_ids=[paris.pk],
        actor=agent,
    )
    return {
        "api": api,
        "europe": europe,
        "berlin": berlin,
        "paris": paris,
        "open": open_incident,
        "old": old,
        "upcoming": upcoming,
        "active": active,
    }


def test_summary_has_statuspage_fields_and_enums_groups_incidents_and_maintenance(
    org: Any, agent: Any
) -> None:
    made = _page_of(org, agent)
    summary = _json(org, "summary")
    assert set(summary) == {"page", "status", "components", "incidents", "scheduled_maintenances"}
    assert set(summary["page"]) == PAGE_FIELDS and summary["page"]["id"] == org.slug
    assert summary["page"]["url"].endswith(reverse("status", kwargs={"org": org.slug}))
    _timestamp(summary["page"]["updated_at"])
    assert summary["status"] == {"indicator": "major", "description": "Partial System Outage"}

    components = {c["name"]: c for c in summary["components"]}
    assert set(components) == {"API", "Europe", "Berlin depot", "Paris depot"}
    for item in summary["components"]:
        assert set(item) >= COMPONENT_FIELDS
        assert item["status"] in COMPONENT_STATUSES
        _timestamp(item["created_at"])
    europe = components["Europe"]
    assert europe["group"] is True and europe["id"] == f"g{made['europe'].pk}"
    assert europe["components"] == [f"c{made['berlin'].pk}", f"c{made['paris'].pk}"]
    assert europe["status"] == "partial_outage"  # its worst member
    assert components["Berlin depot"]["group_id"] == europe["id"]
    assert components["Berlin depot"]["status"] == "partial_outage"
    assert components["Paris depot"]["status"] == "under_maintenance"
    assert components["API"]["group_id"] is None and components["API"]["status"] == "operational"

    (incident,) = summary["incidents"]  # unresolved only
    assert set(incident) >= INCIDENT_FIELDS
    assert incident["name"] == "Bookings slow in Berlin"
    assert incident["status"] == "monitoring" and incident["impact"] == "major"
    assert incident["monitoring_at"] is not None and incident["resolved_at"] is None
    assert [u["status"] for u in incident["incident_updates"]] == ["monitoring", "investigating"]
    for update in incident["incident_updates"]:
        assert set(update) >= UPDATE_FIELDS and update["incident_id"] == incident["id"]
    assert [c["id"] for c in incident["components"]] == [f"c{made['berlin'].pk}"]

    maintenances = {m["name"]: m for m in summary["scheduled_maintenances"]}
    assert set(maintenances) == {"Database upgrade", "Paris depot network work"}
    for item in maintenances.values():
        assert item["impact"] == "maintenance" and item["status"] in MAINTENANCE_STATUSES
        assert _timestamp(item["scheduled_until"]) > _timestamp(item["scheduled_for"])
    assert maintenances["Database upgrade"]["status"] == "scheduled"
    assert maintenances["Paris depot network work"]["status"] == "in_progress"


def test_every_document_answers_with_what_its_name_says(org: Any, agent: Any) -> None:
    made = _page_of(org, agent)
    assert set(_json(org, "status")) == {"page", "status"}
    assert len(_json(org, "components")["components"]) == 4
    incidents = _json(org, "incidents")["incidents"]
    assert [i["name"] for i in incidents] == ["API errors", "Bookings slow in Berlin"] or [
        i["name"] for i in incidents
    ] == ["Bookings slow in Berlin", "API errors"]
    statuses = {i["name"]: i["status"] for i in incidents}
    assert statuses["API errors"] == "postmortem"  # resolved, post-mortem published
    for item in incidents:
        assert item["status"] in INCIDENT_STATUSES and item["impact"] in IMPACTS
    unresolved = _json(org, "incidents/unresolved")["incidents"]
    assert [i["id"] for i in unresolved] == [f"i{made['open'].pk}"]
    every = _json(org, "scheduled-maintenances")["scheduled_maintenances"]
    assert {m["id"] for m in every} == {f"m{made['upcoming'].pk}", f"m{made['active'].pk}"}
    upcoming = _json(org, "scheduled-maintenances/upcoming")["scheduled_maintenances"]
    assert [m["id"] for m in upcoming] == [f"m{made['upcoming'].pk}"]
    active = _json(org, "scheduled-maintenances/active")["scheduled_maintenances"]
    assert [m["id"] for m in active] == [f"m{made['active'].pk}"]


def test_an_all_clear_page_says_so_and_maintenance_alone_says_maintenance(
    org: Any, agent: Any
) -> None:
    api = services.component_create(organization=org, name="API")
    assert _json(org, "status")["status"] == {
        "indicator": "none",
        "description": "All Systems Operational",
    }
    services.component_update(component=api, status="maintenance")
    assert _json(org, "status")["status"]["indicator"] == "maintenance"
    services.component_update(component=api, status="major_outage")
    assert _json(org, "status")["status"] == {
        "indicator": "critical",
        "description": "Major System Outage",
    }


def test_another_organizations_page_is_not_in_the_json_and_unknown_pages_are_404(
    org: Any, other_org: Any, agent: Any
) -> None:
    services.component_create(organization=other_org, name="Rival secret component")
    services.incident_open(organization=other_org, title="Rival outage", body="x", actor=None)
    summary = Client().get(f"/o/{org.slug}/status/api/v2/summary.json").text
    assert "Rival" not in summary
    assert Client().get("/o/nobody/status/api/v2/summary.json").status_code == 404
    assert Client().get(f"/o/{org.slug}/status/api/v2/nothing.json").status_code == 404
    assert Client().post(f"/o/{org.slug}/status/api/v2/summary.json").status_code == 405


def test_a_browser_on_another_site_may_ask_first(org: Any) -> None:
    response = Client().options(
        f"/o/{org.slug}/status/api/v2/summary.json",
        HTTP_ORIGIN="https://dashboards.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response["Access-Control-Allow-Methods"]


@pytest.mark.django_db(transaction=True)
def test_a_statuspage_client_library_reads_the_page_over_http(live_server: Any) -> None:
    from arez.statuspage import StatusPage

    from tests import factories

    org = factories.make_org("Haulright Trucks", "haulright")
    agent = factories.make_member(org, factories.Role.AGENT, username="agent").user
    made = _page_of(org, agent)

    async def read() -> Any:
        page = StatusPage(f"{live_server.url}/o/{org.slug}/status")
        async with page:
            return await page.get_status()

    # A thread of its own: while the suite's Chromium lives, Playwright keeps an event loop
    # running in the main thread, where asyncio.run() refuses to start another.
    with ThreadPoolExecutor(max_workers=1) as pool:
        status = pool.submit(asyncio.run, read()).result(timeout=60)
    assert status.name == "Haulright Trucks" and status.id == org.slug
    assert status.status == "Partial System Outage" and status.impact == "Major"
    europe = status.group("Europe")
    assert europe is not None and europe.status == "Partial Outage"
    assert {c.name for c in europe.components} == {"Berlin depot", "Paris depot"}
    berlin = status.component("Berlin depot")
    assert berlin is not None and berlin.group is europe
    assert [i.name for i in berlin.incidents] == ["Bookings slow in Berlin"]
    assert berlin.incidents[0].last_update.status == "Monitoring"
    (loose,) = [c for c in status.components if c.group is None]
    assert loose.name == "API" and [m.name for m in loose.maintenances] == ["Database upgrade"]
    paris = status.component("Paris depot")
    assert paris is not None and paris.status == "Under Maintenance"
    assert Component.objects.get(pk=made["paris"].pk).status == "maintenance"
