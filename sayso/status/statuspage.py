"""The status page as Atlassian Statuspage's public JSON (``/api/v2/…``), so that the clients
built for it — aggregators, Grafana's Statuspage data source, monitoring plugins, client
libraries — read Sayso's status page as they read any other.

Field names and enums are Statuspage's: component ``operational | degraded_performance |
partial_outage | major_outage | under_maintenance``; incident ``investigating | identified |
monitoring | resolved | postmortem``; maintenance ``scheduled | in_progress | verifying |
completed``; impact ``none | minor | major | critical`` (``maintenance`` for maintenance); the
page's ``status.indicator`` ``none | minor | major | critical`` (``maintenance`` when only
maintenance is going on). Ids are strings, unique on the page ("c12" a component, "g3" a group,
"i7" an incident, "m2" a maintenance, "u40"/"mu5" their updates). Times are ISO 8601 with
milliseconds and an offset, as Statuspage writes them. Component groups are components with
``group: true`` and their members' ids in ``components``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Max
from django.urls import reverse

from sayso.core.models import Organization
from sayso.status import selectors
from sayso.status.models import (
    COMPONENT_SEVERITY,
    Component,
    ComponentGroup,
    ComponentStatus,
    Incident,
    IncidentImpact,
    IncidentStatus,
    IncidentUpdate,
    Maintenance,
    MaintenanceUpdate,
)

RECENT = 50  # incidents.json and scheduled-maintenances.json: the latest this many

COMPONENT_STATUS = {
    ComponentStatus.OPERATIONAL: "operational",
    ComponentStatus.DEGRADED: "degraded_performance",
    ComponentStatus.PARTIAL_OUTAGE: "partial_outage",
    ComponentStatus.MAJOR_OUTAGE: "major_outage",
    ComponentStatus.MAINTENANCE: "under_maintenance",
}
INDICATOR_RANK = {"none": 0, "maintenance": 1, "minor": 2, "major": 3, "critical": 4}
INDICATOR_OF_COMPONENT = {
    ComponentStatus.OPERATIONAL: "none",
    ComponentStatus.MAINTENANCE: "maintenance",
    ComponentStatus.DEGRADED: "minor",
    ComponentStatus.PARTIAL_OUTAGE: "major",
    ComponentStatus.MAJOR_OUTAGE: "critical",
}
INDICATOR_OF_IMPACT = {
    IncidentImpact.MINOR: "minor",
    IncidentImpact.MAJOR: "major",
    IncidentImpact.CRITICAL: "critical",
}
DESCRIPTION = {
    "none": "All Systems Operational",
    "maintenance": "Service Under Maintenance",
    "minor": "Minor Service Outage",
    "major": "Partial System Outage",
    "critical": "Major System Outage",
}


def timestamp(value: datetime | None) -> str | None:
    """``2026-12-07T05:00:00.123+00:00``, Statuspage's form."""
    if value is None:
        return None
    return value.isoformat(timespec="milliseconds")


def _url(path: str) -> str:
    return f"{settings.SAYSO_BASE_URL}{path}"


def page(organization: Organization) -> dict[str, Any]:
    latest = [
        Component.objects.filter(organization=organization).aggregate(t=Max("updated_at"))["t"],
        Incident.objects.filter(organization=organization).aggregate(t=Max("updated_at"))["t"],
        Maintenance.objects.filter(organization=organization).aggregate(t=Max("updated_at"))["t"],
    ]
    updated = max((t for t in latest if t is not None), default=organization.updated_at)
    return {
        "id": organization.slug,
        "name": organization.name,
        "url": _url(reverse("status", kwargs={"org": organization.slug})),
        "time_zone": settings.TIME_ZONE,
        "updated_at": timestamp(updated),
    }


def component(item: Component, slug: str) -> dict[str, Any]:
    return {
        "id": f"c{item.pk}",
        "name": item.name,
        "status": COMPONENT_STATUS[ComponentStatus(item.status)],
        "created_at": timestamp(item.created_at),
        "updated_at": timestamp(item.updated_at),
        "position": item.position,
        "description": item.description or None,
        "showcase": True,
        "start_date": item.created_at.date().isoformat(),
        "group_id": f"g{item.group_id}" if item.group_id else None,
        "page_id": slug,
        "group": False,
        "only_show_if_degraded": False,
    }


def group(item: ComponentGroup, members: list[Component], slug: str) -> dict[str, Any]:
    worst = selectors.overall_status(members)
    updated = max([item.updated_at, *(m.updated_at for m in members)])
    return {
        "id": f"g{item.pk}",
        "name": item.name,
        "status": COMPONENT_STATUS[ComponentStatus(worst)],
        "created_at": timestamp(item.created_at),
        "updated_at": timestamp(updated),
        "position": item.position,
        "description": item.description or None,
        "showcase": False,
        "start_date": None,
        "group_id": None,
        "page_id": slug,
        "group": True,
        "only_show_if_degraded": False,
        "components": [f"c{m.pk}" for m in members],
    }


def components(organization: Organization) -> list[dict[str, Any]]:
    """Every component and every group with members, in page order (groups after the
    components in no group, as the page shows them)."""
    found = list(Component.objects.filter(organization=organization).order_by("position", "id"))
    groups = selectors.component_groups(organization=organization)
    out = []
    for section in selectors.component_sections(found, groups):
        if section.group is not None:
            out.append(group(section.group, section.components, organization.slug))
        out += [component(c, organization.slug) for c in section.components]
    return out


def _update(item: IncidentUpdate | MaintenanceUpdate, parent: str, prefix: str) -> dict[str, Any]:
    return {
        "id": f"{prefix}{item.pk}",
        "status": item.status,
        "body": item.body,
        "incident_id": parent,
        "created_at": timestamp(item.created_at),
        "updated_at": timestamp(item.updated_at),
        "display_at": timestamp(item.created_at),
        "affected_components": None,
        "deliver_notifications": True,
        "custom_tweet": None,
        "tweet_id": None,
    }


def incident(item: Incident, slug: str) -> dict[str, Any]:
    """An incident with its updates newest first (prefetched by ``selectors.incidents``)."""
    updates = sorted(item.updates.all(), key=lambda u: (u.created_at, u.pk), reverse=True)
    monitoring = [u.created_at for u in updates if u.status == IncidentStatus.MONITORING]
    published = item.postmortem_published_at is not None
    updated = max([item.updated_at, *(u.created_at for u in updates)])
    return {
        "id": f"i{item.pk}",
        "name": item.title,
        "status": "postmortem" if published else item.status,
        "created_at": timestamp(item.created_at),
        "updated_at": timestamp(updated),
        "monitoring_at": timestamp(max(monitoring)) if monitoring else None,
        "resolved_at": timestamp(item.resolved_at),
        "impact": INDICATOR_OF_IMPACT[IncidentImpact(item.impact)],
        "shortlink": _url(reverse("incident", kwargs={"org": slug, "pk": item.pk})),
        "started_at": timestamp(item.started_at),
        "page_id": slug,
        "incident_updates": [_update(u, f"i{item.pk}", "u") for u in updates],
        "postmortem_body": item.postmortem or None,
        "postmortem_published_at": timestamp(item.postmortem_published_at),
        "components": [component(c, slug) for c in item.components.all()],
        "reminder_intervals": None,
        "scheduled_for": None,
        "scheduled_until": None,
        "scheduled_remind_prior": False,
        "scheduled_auto_in_progress": False,
        "scheduled_auto_completed": False,
    }


def maintenance(item: Maintenance, slug: str) -> dict[str, Any]:
    """A scheduled maintenance as Statuspage writes one: an incident with impact
    ``maintenance`` and its window."""
    updates = sorted(item.updates.all(), key=lambda u: (u.created_at, u.pk), reverse=True)
    updated = max([item.updated_at, *(u.created_at for u in updates)])
    return {
        "id": f"m{item.pk}",
        "name": item.title,
        "status": item.status,
        "created_at": timestamp(item.created_at),
        "updated_at": timestamp(updated),
        "monitoring_at": None,
        "resolved_at": timestamp(item.completed_at),
        "impact": "maintenance",
        "shortlink": _url(reverse("maintenance", kwargs={"org": slug, "pk": item.pk})),
        "started_at": timestamp(item.started_at or item.scheduled_for),
        "page_id": slug,
        "incident_updates": [_update(u, f"m{item.pk}", "mu") for u in updates],
        "postmortem_body": None,
        "postmortem_published_at": None,
        "components": [component(c, slug) for c in item.components.all()],
        "reminder_intervals": None,
        "scheduled_for": timestamp(item.scheduled_for),
        "scheduled_until": timestamp(item.scheduled_until),
        "scheduled_remind_prior": False,
        "scheduled_auto_in_progress": True,
        "scheduled_auto_completed": True,
    }


def status(items: Iterable[Component], open_incidents: Iterable[Incident]) -> dict[str, str]:
    """The page's one-line status: the worst of its components and of its open incidents."""
    indicator = "none"
    candidates = [INDICATOR_OF_COMPONENT[ComponentStatus(c.status)] for c in items]
    candidates += [INDICATOR_OF_IMPACT[IncidentImpact(i.impact)] for i in open_incidents]
    for candidate in candidates:
        if INDICATOR_RANK[candidate] > INDICATOR_RANK[indicator]:
            indicator = candidate
    return {"indicator": indicator, "description": DESCRIPTION[indicator]}


def _worst_first(items: list[Component]) -> list[Component]:
    return sorted(items, key=lambda c: -COMPONENT_SEVERITY[ComponentStatus(c.status)])


def document(organization: Organization, kind: str) -> dict[str, Any]:
    """The JSON document ``kind`` names (``summary``, ``status``, ``components``,
    ``incidents``, ``incidents/unresolved``, ``scheduled-maintenances``,
    ``scheduled-maintenances/upcoming``, ``scheduled-maintenances/active``)."""
    slug = organization.slug
    out: dict[str, Any] = {"page": page(organization)}
    if kind in ("summary", "status"):
        found = _worst_first(list(Component.objects.filter(organization=organization)))
        open_incidents = selectors.incidents_open(organization=organization)
        if kind == "summary":
            out["components"] = components(organization)
            out["incidents"] = [incident(i, slug) for i in open_incidents]
            out["scheduled_maintenances"] = [
                maintenance(m, slug)
                for m in selectors.maintenances_active(organization=organization)
                + selectors.maintenances_upcoming(organization=organization)
            ]
        out["status"] = status(found, open_incidents)
    elif kind == "components":
        out["components"] = components(organization)
    elif kind == "incidents":
        found_incidents = selectors.incidents(organization=organization)[:RECENT]
        out["incidents"] = [incident(i, slug) for i in found_incidents]
    elif kind == "incidents/unresolved":
        out["incidents"] = [
            incident(i, slug) for i in selectors.incidents_open(organization=organization)
        ]
    elif kind == "scheduled-maintenances":
        recent = selectors.maintenances(organization=organization)[:RECENT]
        out["scheduled_maintenances"] = [maintenance(m, slug) for m in recent]
    elif kind == "scheduled-maintenances/upcoming":
        out["scheduled_maintenances"] = [
            maintenance(m, slug) for m in selectors.maintenances_upcoming(organization=organization)
        ]
    elif kind == "scheduled-maintenances/active":
        out["scheduled_maintenances"] = [
            maintenance(m, slug) for m in selectors.maintenances_active(organization=organization)
        ]
    else:
        raise KeyError(kind)
    return out
