"""Writes of the status page. Opening an incident, posting its updates and publishing its
post-mortem tell everyone who follows the status page (or that incident) by email and in the
Atom feed; resolving it also tells, once, every open case linked to it.

Each write is one transaction. Retried writes do not double: the same incident opened again
within minutes, or the same update posted twice, returns the first; linking a case twice keeps
one link; a case hears of the resolution once whatever the retries.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from sayso.community.following import Event, announce
from sayso.core.ids import is_object_id
from sayso.core.markup import plain_text, render_markdown
from sayso.core.models import Organization
from sayso.core.services import audit_record
from sayso.core.text_input import clean_text
from sayso.status.models import (
    BODY_MAX,
    NAME_MAX,
    POSTMORTEM_MAX,
    TITLE_MAX,
    Component,
    ComponentGroup,
    ComponentStatus,
    ComponentStatusChange,
    Incident,
    IncidentCase,
    IncidentImpact,
    IncidentStatus,
    IncidentUpdate,
)

STATUS = "status"  # the follow subject of the whole status page
REPEAT_WINDOW = timedelta(minutes=10)  # the same incident or update again within it is a retry
# What an incident does to its components when nobody says otherwise.
COMPONENT_STATUS_OF_IMPACT = {
    IncidentImpact.MINOR: ComponentStatus.DEGRADED,
    IncidentImpact.MAJOR: ComponentStatus.PARTIAL_OUTAGE,
    IncidentImpact.CRITICAL: ComponentStatus.MAJOR_OUTAGE,
}


def incident_subject(incident: Incident | int) -> str:
    return f"incident:{incident if isinstance(incident, int) else incident.pk}"


def _choice(value: str, choices: Any, field: str) -> str:
    if value not in choices.values:
        raise ValidationError(
            {field: f"Choose one of: {', '.join(str(label) for label in choices.labels)}."}
        )
    return value


def _actor(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _path(incident: Incident) -> str:
    return reverse("incident", kwargs={"org": incident.organization.slug, "pk": incident.pk})


def _index_later(incident: Incident) -> None:
    from sayso.intelligence import index_item_later

    index_item_later(organization=incident.organization, kind="incident", object_id=incident.pk)


# --- components ------------------------------------------------------------------------------


@transaction.atomic
def component_create(
    *,
    organization: Organization,
    name: str,
    description: str = "",
    group_id: int | None = None,
    actor: Any = None,
) -> Component:
    name = clean_text(name, field="name", maximum=NAME_MAX, required=True)
    if Component.objects.filter(organization=organization, name__iexact=name).exists():
        raise ValidationError({"name": f"There is already a component “{name}”."})
    position = (
        Component.objects.filter(organization=organization).aggregate(p=Max("position"))["p"] or 0
    ) + 1
    component = Component.objects.create(
        organization=organization,
        name=name,
        description=clean_text(description, field="description", maximum=500, required=False),
        position=position,
        group=_group(organization, group_id),
    )
    ComponentStatusChange.objects.create(
        organization=organization,
        component=component,
        status=component.status,
        changed_at=component.created_at,
    )
    audit_record(
        organization=organization, actor=actor, action="status.component_create", obj=component
    )
    return component


@transaction.atomic
def component_update(
    *,
    component: Component,
    name: str | None = None,
    description: str | None = None,
    status: str | None = None,
    position: int | None = None,
    group_id: int | None = None,
    ungroup: bool = False,
    actor: Any = None,
) -> Component:
    """Change what is given; ``group_id`` moves the component into a group, ``ungroup`` out of
    any. A new status is recorded in the component's history (its uptime bars)."""
    component = Component.objects.select_for_update().get(pk=component.pk)
    before = component.status
    if name is not None:
        name = clean_text(name, field="name", maximum=NAME_MAX, required=True)
        taken = Component.objects.filter(
            organization_id=component.organization_id, name__iexact=name
        ).exclude(pk=component.pk)
        if taken.exists():
            raise ValidationError({"name": f"There is already a component “{name}”."})
        component.name = name
    if description is not None:
        component.description = clean_text(
            description, field="description", maximum=500, required=False
        )
    if status is not None:
        component.status = _choice(status, ComponentStatus, "status")
    if group_id is not None:
        component.group = _group(component.organization, group_id)
    elif ungroup:
        component.group = None
    if position is not None:
        if not 0 <= position < 100_000:
            raise ValidationError({"position": "Give a position from 0 to 99,999."})
        component.position = position
    component.save()
    if component.status != before:
        component_history_record(components=[component], status=component.status)
    audit_record(
        organization=component.organization,
        actor=actor,
        action="status.component_update",
        obj=component,
        data={"status": component.status},
    )
    return component


@transaction.atomic
def component_delete(*, component: Component, actor: Any = None) -> None:
    audit_record(
        organization=component.organization,
        actor=actor,
        action="status.component_delete",
        data={"name": component.name},
    )
    component.delete()


def components_of(organization: Organization, ids: Iterable[int]) -> list[Component]:
    """The organization's components with these ids (a ValidationError for any other)."""
    wanted = sorted({int(pk) for pk in ids})
    found = list(Component.objects.filter(organization=organization, pk__in=wanted))
    if len(found) != len(wanted):
        raise ValidationError({"components": "A component is not on this status page."})
    return found


def _set_components(incident: Incident, status: str) -> None:
    """Put the incident's components in ``status``; when it is resolved, back to operational
    unless another unresolved incident still affects them."""
    affected = list(incident.components.all())
    if not affected:
        return
    if status == ComponentStatus.OPERATIONAL:
        busy = set(
            Incident.components.through.objects.filter(
                component_id__in=[c.pk for c in affected],
                incident__resolved_at__isnull=True,
            )
            .exclude(incident_id=incident.pk)
            .values_list("component_id", flat=True)
        )
        affected = [c for c in affected if c.pk not in busy]
    components_status_set(components=affected, status=status)


def components_status_set(*, components: list[Component], status: str) -> None:
    """Put ``components`` in ``status`` and record the change in the history of those whose
    status it changes (their uptime bars)."""
    changed = [c for c in components if c.status != status]
    Component.objects.filter(pk__in=[c.pk for c in components]).update(
        status=status, updated_at=timezone.now()
    )
    for component in components:
        component.status = status
    component_history_record(components=changed, status=status)


def component_history_record(
    *, components: list[Component], status: str, at: datetime | None = None
) -> None:
    """One history row per component: its status from ``at`` (now) on."""
    when = at or timezone.now()
    ComponentStatusChange.objects.bulk_create(
        ComponentStatusChange(
            organization_id=c.organization_id, component=c, status=status, changed_at=when
        )
        for c in components
    )


# --- component groups ------------------------------------------------------------------------


def _group(organization: Organization, group_id: int | None) -> ComponentGroup | None:
    if group_id is None:
        return None
    found = (
        ComponentGroup.objects.filter(organization=organization, pk=group_id).first()
        if is_object_id(group_id)
        else None
    )
    if found is None:
        raise ValidationError({"group": "That group is not on this status page."})
    return found


@transaction.atomic
def component_group_create(
    *, organization: Organization, name: str, description: str = "", actor: Any = None
) -> ComponentGroup:
    name = clean_text(name, field="name", maximum=NAME_MAX, required=True)
    if ComponentGroup.objects.filter(organization=organization, name__iexact=name).exists():
        raise ValidationError({"name": f"There is already a group “{name}”."})
    position = (
        ComponentGroup.objects.filter(organization=organization).aggregate(p=Max("position"))["p"]
        or 0
    ) + 1
    group = ComponentGroup.objects.create(
        organization=organization,
        name=name,
        description=clean_text(description, field="description", maximum=500, required=False),
        position=position,
    )
    audit_record(organization=organization, actor=actor, action="status.group_create", obj=group)
    return group


@transaction.atomic
def component_group_delete(*, group: ComponentGroup, actor: Any = None) -> None:
    """Remove a group; its components stay, ungrouped."""
    audit_record(
        organization=group.organization,
        actor=actor,
        action="status.group_delete",
        obj=group,
        data={"name": group.name},
    )
    group.delete()


# --- incidents -------------------------------------------------------------------------------


@transaction.atomic
def incident_open(
    *,
    organization: Organization,
    title: str,
    body: str,
    impact: str = IncidentImpact.MINOR,
    status: str = IncidentStatus.INVESTIGATING,
    component_ids: Iterable[int] = (),
    component_status: str | None = None,
    expected_fix_at: datetime | None = None,
    started_at: datetime | None = None,
    actor: Any = None,
) -> tuple[Incident, bool]:
    """Open an incident with its first update; its components take ``component_status`` (by
    default one that matches the impact) and followers of the status page are told. Opening
    the same title again within minutes, while it is unresolved, returns the first (False)."""
    title = clean_text(title, field="title", maximum=TITLE_MAX, required=True)
    body = clean_text(body, field="body", maximum=BODY_MAX, required=True)
    impact = _choice(impact, IncidentImpact, "impact")
    status = _choice(status, IncidentStatus, "status")
    if status == IncidentStatus.RESOLVED:
        raise ValidationError({"status": "Open an incident that is not resolved yet."})
    if component_status is not None:
        component_status = _choice(component_status, ComponentStatus, "component_status")
    now = timezone.now()
    if started_at is not None and started_at > now + timedelta(minutes=5):
        raise ValidationError({"started_at": "An incident cannot start in the future."})
    components = components_of(organization, component_ids)
    repeat = (
        Incident.objects.filter(
            organization=organization,
            title=title,
            resolved_at__isnull=True,
            created_at__gte=now - REPEAT_WINDOW,
        )
        .order_by("id")
        .first()
    )
    if repeat is not None:
        return repeat, False
    incident = Incident.objects.create(
        organization=organization,
        title=title,
        impact=impact,
        status=status,
        started_at=min(started_at or now, now),
        expected_fix_at=expected_fix_at,
        created_by=_actor(actor),
    )
    incident.components.set(components)
    IncidentUpdate.objects.create(
        organization=organization,
        incident=incident,
        status=status,
        body=body,
        body_html=str(render_markdown(body)),
        author=_actor(actor),
    )
    _set_components(
        incident, component_status or COMPONENT_STATUS_OF_IMPACT[IncidentImpact(impact)]
    )
    audit_record(
        organization=organization, actor=actor, action="status.incident_open", obj=incident
    )
    announce(
        organization=organization,
        subjects=[STATUS],
        event=Event(
            key=f"incident-open:{incident.pk}",
            title=f"{IncidentStatus(status).label}: {incident.title}",
            text=plain_text(body, limit=1500),
            url=_path(incident),
        ),
    )
    _index_later(incident)
    return incident, True


@transaction.atomic
def incident_update_post(
    *,
    incident: Incident,
    status: str,
    body: str,
    component_status: str | None = None,
    expected_fix_at: datetime | None = None,
    actor: Any = None,
) -> tuple[IncidentUpdate, bool]:
    """Post an update that puts the incident in ``status``. Resolving it sets its components
    back to operational (unless another incident holds them) and tells each open case linked
    to it; a later update that is not "resolved" reopens it. The same update posted again
    within minutes returns the first (False)."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    status = _choice(status, IncidentStatus, "status")
    body = clean_text(body, field="body", maximum=BODY_MAX, required=True)
    if component_status is not None:
        component_status = _choice(component_status, ComponentStatus, "component_status")
    now = timezone.now()
    last = incident.updates.order_by("-created_at", "-id").first()
    if (
        last is not None
        and last.status == status
        and last.body == body
        and last.created_at >= now - REPEAT_WINDOW
    ):
        return last, False
    update = IncidentUpdate.objects.create(
        organization_id=incident.organization_id,
        incident=incident,
        status=status,
        body=body,
        body_html=str(render_markdown(body)),
        author=_actor(actor),
    )
    resolving = status == IncidentStatus.RESOLVED and incident.resolved_at is None
    reopening = status != IncidentStatus.RESOLVED and incident.resolved_at is not None
    incident.status = status
    if resolving:
        incident.resolved_at = now
        incident.expected_fix_at = None
    elif reopening:
        incident.resolved_at = None
    if expected_fix_at is not None and status != IncidentStatus.RESOLVED:
        incident.expected_fix_at = expected_fix_at
    incident.save()
    if resolving:
        _set_components(incident, ComponentStatus.OPERATIONAL)
    elif component_status is not None or reopening:
        _set_components(
            incident,
            component_status or COMPONENT_STATUS_OF_IMPACT[IncidentImpact(incident.impact)],
        )
    audit_record(
        organization=incident.organization,
        actor=actor,
        action="status.incident_update",
        obj=incident,
        data={"status": status},
    )
    announce(
        organization=incident.organization,
        subjects=[STATUS, incident_subject(incident)],
        event=Event(
            key=f"incident-update:{update.pk}",
            title=f"{IncidentStatus(status).label}: {incident.title}",
            text=plain_text(body, limit=1500),
            url=_path(incident),
        ),
    )
    if resolving:
        _tell_cases_resolved(incident=incident, update=update, actor=actor)
    _index_later(incident)
    return update, True


def _tell_cases_resolved(*, incident: Incident, update: IncidentUpdate, actor: Any) -> int:
    """Post the resolution to every linked case not closed and not told yet (to the customer,
    by email when they have an address), once each."""
    from sayso.conversations.models import CaseStatus
    from sayso.conversations.services import message_reply

    if _actor(actor) is None:
        return 0  # a reply needs a staff author (the web and the API always have one)
    url = f"{settings.SAYSO_BASE_URL}{_path(incident)}"
    told = 0
    links = (
        IncidentCase.objects.select_for_update()
        .filter(incident=incident, told_resolved_at__isnull=True)
        .select_related("case", "case__organization")
        .order_by("id")
    )
    for link in links:
        if link.case.status == CaseStatus.CLOSED:
            continue
        message_reply(
            case=link.case,
            author=actor,
            body=(
                f"The problem you wrote to us about — “{incident.title}” — is resolved.\n\n"
                f"{plain_text(update.body, limit=2000)}\n\n"
                f"What happened, and every update: {url}"
            ),
        )
        link.told_resolved_at = timezone.now()
        link.save(update_fields=["told_resolved_at", "updated_at"])
        told += 1
    return told


@transaction.atomic
def incident_edit(
    *,
    incident: Incident,
    title: str | None = None,
    impact: str | None = None,
    component_ids: Iterable[int] | None = None,
    actor: Any = None,
) -> Incident:
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if title is not None:
        incident.title = clean_text(title, field="title", maximum=TITLE_MAX, required=True)
    if impact is not None:
        incident.impact = _choice(impact, IncidentImpact, "impact")
    incident.save()
    if component_ids is not None:
        incident.components.set(components_of(incident.organization, component_ids))
    audit_record(
        organization=incident.organization, actor=actor, action="status.incident_edit", obj=incident
    )
    _index_later(incident)
    return incident


@transaction.atomic
def incident_postmortem_publish(*, incident: Incident, body: str, actor: Any = None) -> Incident:
    """Publish (or correct) the post-mortem of a resolved incident. Followers hear of the first
    publication only."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if incident.resolved_at is None:
        raise ValidationError("Publish the post-mortem once the incident is resolved.")
    body = clean_text(body, field="postmortem", maximum=POSTMORTEM_MAX, required=True)
    first = incident.postmortem_published_at is None
    incident.postmortem = body
    incident.postmortem_html = str(render_markdown(body))
    if first:
        incident.postmortem_published_at = timezone.now()
    incident.save()
    audit_record(
        organization=incident.organization,
        actor=actor,
        action="status.postmortem_publish",
        obj=incident,
    )
    if first:
        announce(
            organization=incident.organization,
            subjects=[STATUS, incident_subject(incident)],
            event=Event(
                key=f"incident-postmortem:{incident.pk}",
                title=f"Post-mortem: {incident.title}",
                text=plain_text(body, limit=1500),
                url=_path(incident),
            ),
        )
    return incident


# --- affected cases --------------------------------------------------------------------------


@transaction.atomic
def incident_cases_link(
    *, incident: Incident, cases: Iterable[Any], actor: Any = None
) -> list[IncidentCase]:
    """Link cases of the incident's organization to it (a case linked twice keeps one link);
    the customers see the incident on their case, and are told when it is resolved. Returns
    the new links."""
    from sayso.customers.models import TimelineKind
    from sayso.customers.services import timeline_record

    made = []
    for case in cases:
        if case.organization_id != incident.organization_id:
            raise ValidationError({"cases": "A case is not in this organization."})
        if IncidentCase.objects.filter(incident=incident, case=case).exists():
            continue
        try:
            with transaction.atomic():
                made.append(
                    IncidentCase.objects.create(
                        organization_id=incident.organization_id,
                        incident=incident,
                        case=case,
                        actor=_actor(actor),
                    )
                )
        except IntegrityError:
            continue
        timeline_record(
            customer=case.customer,
            kind=TimelineKind.INCIDENT_LINKED,
            summary=f"Case #{case.number} is part of the incident “{incident.title}”",
            customer_visible=True,
            case=case,
            actor=_actor(actor),
            data={"incident": incident.pk},
        )
    if made:
        audit_record(
            organization=incident.organization,
            actor=actor,
            action="status.incident_cases_link",
            obj=incident,
            data={"cases": [link.case.number for link in made]},
        )
    return made


@transaction.atomic
def incident_case_unlink(*, link: IncidentCase, actor: Any = None) -> None:
    audit_record(
        organization=link.incident.organization,
        actor=actor,
        action="status.incident_case_unlink",
        obj=link.incident,
        data={"case": link.case.number},
    )
    link.delete()
