"""Reads of the status page: components, incidents and their updates, the cases an incident
affects, and the similar-item index's source for incidents."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from sayso.core.ids import is_object_id
from sayso.core.models import Organization
from sayso.intelligence import SourceItem
from sayso.status.models import (
    COMPONENT_SEVERITY,
    Component,
    ComponentGroup,
    ComponentStatus,
    Incident,
    IncidentCase,
    IncidentStatus,
    IncidentUpdate,
    Maintenance,
    MaintenanceStatus,
    MaintenanceUpdate,
)

HISTORY_DAYS = 90  # the status page's history of resolved incidents
SIMILAR_MIN_SCORE = 0.35  # as for questions and ideas: below it, a match is noise
SIMILAR_RECENT_DAYS = 30  # resolved incidents older than this are not "similar problems"


def _updates() -> Prefetch:
    return Prefetch(
        "updates", queryset=IncidentUpdate.objects.select_related("author").order_by("-created_at")
    )


def components(*, organization: Organization) -> list[Component]:
    return list(Component.objects.filter(organization=organization).order_by("position", "id"))


def component_get(*, organization: Organization, pk: int) -> Component | None:
    return Component.objects.filter(organization=organization, pk=pk).first()


def component_groups(*, organization: Organization) -> list[ComponentGroup]:
    return list(ComponentGroup.objects.filter(organization=organization).order_by("position", "id"))


def component_group_get(*, organization: Organization, pk: int) -> ComponentGroup | None:
    if not is_object_id(pk):
        return None
    return ComponentGroup.objects.filter(organization=organization, pk=pk).first()


@dataclass(frozen=True)
class ComponentSection:
    """A heading of the status page: a group with its components, or (``group`` None) the
    components in no group."""

    group: ComponentGroup | None
    components: list[Component]

    @property
    def status(self) -> str:
        return overall_status(self.components)


def component_sections(
    items: list[Component], groups: list[ComponentGroup]
) -> list[ComponentSection]:
    """The components as the page shows them: ungrouped ones first, then each group in order
    (an empty group is not shown)."""
    by_group: dict[int, list[Component]] = {}
    loose: list[Component] = []
    for component in items:
        if component.group_id is None:
            loose.append(component)
        else:
            by_group.setdefault(component.group_id, []).append(component)
    sections = [ComponentSection(None, loose)] if loose else []
    sections += [ComponentSection(g, by_group[g.pk]) for g in groups if g.pk in by_group]
    return sections


def overall_status(items: Collection[Component]) -> str:
    """The worst status among the components (operational when there are none)."""
    worst = ComponentStatus.OPERATIONAL
    for component in items:
        status = ComponentStatus(component.status)
        if COMPONENT_SEVERITY[status] > COMPONENT_SEVERITY[worst]:
            worst = status
    return worst


def incidents(*, organization: Organization, resolved: bool | None = None) -> QuerySet[Incident]:
    """Every incident (or those resolved, or not), newest first, with its components and
    updates."""
    found = Incident.objects.filter(organization=organization)
    if resolved is not None:
        found = found.filter(resolved_at__isnull=not resolved)
    return found.prefetch_related("components", _updates()).order_by("-started_at", "-id")


def incidents_open(*, organization: Organization) -> list[Incident]:
    """Unresolved incidents with their components and updates (the status page)."""
    return list(incidents(organization=organization, resolved=False))


def incidents_in_progress(*, organization: Organization) -> list[Incident]:
    """Unresolved incidents alone, newest first: the notice on the portal's pages, which
    shows only their title, status and expected fix."""
    return list(
        Incident.objects.filter(organization=organization, resolved_at__isnull=True).order_by(
            "-started_at", "-id"
        )
    )


def incidents_open_count(*, organization: Organization) -> int:
    return Incident.objects.filter(organization=organization, resolved_at__isnull=True).count()


def incidents_resolved(
    *, organization: Organization, days: int | None = None
) -> QuerySet[Incident]:
    found = incidents(organization=organization).filter(resolved_at__isnull=False)
    if days is not None:
        found = found.filter(started_at__gte=timezone.now() - timedelta(days=days))
    return found


def incident_get(*, organization: Organization, pk: int) -> Incident | None:
    if not is_object_id(pk):
        return None
    return incidents(organization=organization).filter(pk=pk).first()


def _maintenance_updates() -> Prefetch:
    return Prefetch(
        "updates",
        queryset=MaintenanceUpdate.objects.select_related("author").order_by("-created_at", "-id"),
    )


def maintenances(*, organization: Organization) -> QuerySet[Maintenance]:
    """Every maintenance, latest start first, with its components and updates."""
    return (
        Maintenance.objects.filter(organization=organization)
        .prefetch_related("components", _maintenance_updates())
        .order_by("-scheduled_for", "-id")
    )


def maintenances_upcoming(*, organization: Organization) -> list[Maintenance]:
    """Announced and not started, soonest first."""
    return sorted(
        maintenances(organization=organization).filter(status=MaintenanceStatus.SCHEDULED),
        key=lambda m: (m.scheduled_for, m.pk),
    )


def maintenances_active(*, organization: Organization) -> list[Maintenance]:
    """In progress or being verified."""
    return list(
        maintenances(organization=organization).filter(
            status__in=[MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING]
        )
    )


def maintenance_get(*, organization: Organization, pk: int) -> Maintenance | None:
    if not is_object_id(pk):
        return None
    return maintenances(organization=organization).filter(pk=pk).first()


@dataclass(frozen=True)
class StatusPage:
    components: list[Component]
    overall: str
    open: list[Incident]
    history: list[Incident]
    sections: list[ComponentSection]
    upcoming: list[Maintenance]
    active: list[Maintenance]


def status_page(*, organization: Organization) -> StatusPage:
    found = list(
        Component.objects.filter(organization=organization)
        .select_related("group")
        .order_by("position", "id")
    )
    return StatusPage(
        components=found,
        overall=overall_status(found),
        open=incidents_open(organization=organization),
        history=list(incidents_resolved(organization=organization, days=HISTORY_DAYS)[:50]),
        sections=component_sections(found, component_groups(organization=organization)),
        upcoming=maintenances_upcoming(organization=organization),
        active=maintenances_active(organization=organization),
    )


def cases_of_incident(*, incident: Incident) -> list[IncidentCase]:
    """The cases an incident affects (staff only: cases are private)."""
    return list(
        IncidentCase.objects.filter(incident=incident)
        .select_related("case", "case__customer")
        .order_by("case__number")
    )


def incidents_of_case(*, case: Any) -> list[Incident]:
    """The incidents a case is linked to (public: the customer sees them on their case)."""
    ids = IncidentCase.objects.filter(case=case).values("incident_id")
    return list(
        Incident.objects.filter(organization_id=case.organization_id, pk__in=ids).order_by(
            "-started_at"
        )
    )


# --- similar problems ------------------------------------------------------------------------


def similar_incidents(
    *, organization: Organization, text: str, k: int = 3, vector: Any = None
) -> list[tuple[Incident, float]]:
    """Incidents close in meaning to ``text`` (a question being typed): those still open, and
    those resolved in the last ``SIMILAR_RECENT_DAYS``; open ones first, each group best
    first. ``vector`` is ``text`` already embedded."""
    from sayso.intelligence import similar

    text = text.strip()
    if not text and vector is None:
        return []
    query: dict[str, Any] = {"vector": vector} if vector is not None else {"text": text[:2000]}
    found = similar(organization=organization, kind="incident", k=max(12, k), **query)
    scores = {item.object_id: item.score for item in found if item.score >= SIMILAR_MIN_SCORE}
    if not scores:
        return []
    since = timezone.now() - timedelta(days=SIMILAR_RECENT_DAYS)
    rows = Incident.objects.filter(organization=organization, pk__in=list(scores)).exclude(
        resolved_at__lt=since
    )
    ranked = sorted(rows, key=lambda i: (i.resolved_at is not None, -scores[i.pk]))
    return [(incident, scores[incident.pk]) for incident in ranked[:k]]


def incident_texts_for_index(
    organization: Organization, object_ids: Collection[int] | None = None
) -> Iterator[SourceItem]:
    """Each incident as its title and its latest update; metadata: resolved."""
    found = Incident.objects.filter(organization=organization)
    if object_ids is not None:
        found = found.filter(id__in=list(object_ids))
    latest = Prefetch("updates", queryset=IncidentUpdate.objects.order_by("-created_at"))
    for incident in found.order_by("id").prefetch_related(latest).iterator(chunk_size=500):
        updates = list(incident.updates.all())
        body = updates[0].body[:2000] if updates else ""
        text = "\n\n".join(part for part in (incident.title, body) if part.strip())
        yield SourceItem(
            incident.pk, text, {"resolved": incident.status == IncidentStatus.RESOLVED}
        )


def incident_count_for_index(organization: Organization) -> int:
    return Incident.objects.filter(organization=organization).count()


# Suggestions are reviewed by staff before they are linked: the list reaches wide (0.3), and
# only those that read very much like the incident (0.5) come ticked.
SUGGEST_MIN_SCORE = 0.3
SUGGEST_TICKED_SCORE = 0.5


def suggested_cases(*, incident: Incident, k: int = 50) -> list[tuple[Any, float]]:
    """Open or pending cases, written since a day before the incident started, that read like
    it (by meaning, from the incident's title and first update) and are not linked yet: the
    customers who probably wrote in about it, for staff to link in one go."""
    from sayso.conversations.models import Case, CaseStatus
    from sayso.intelligence import similar

    first = incident.updates.order_by("created_at", "id").first()
    text = "\n\n".join(part for part in (incident.title, first.body if first else "") if part)
    linked = set(IncidentCase.objects.filter(incident=incident).values_list("case_id", flat=True))
    found = similar(
        organization=incident.organization,
        kind="case",
        text=text[:2000],
        k=k + len(linked),
        filters={"status": [CaseStatus.OPEN, CaseStatus.PENDING]},
        exclude=linked,
    )
    scores = {item.object_id: item.score for item in found if item.score >= SUGGEST_MIN_SCORE}
    since = incident.started_at - timedelta(days=1)
    cases = Case.objects.filter(
        organization=incident.organization,
        pk__in=list(scores),
        status__in=[CaseStatus.OPEN, CaseStatus.PENDING],
        created_at__gte=since,
    ).select_related("customer")
    return sorted(((case, scores[case.pk]) for case in cases), key=lambda pair: -pair[1])[:k]
