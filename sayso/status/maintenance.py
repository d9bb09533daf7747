"""Scheduled maintenance: planned work announced ahead on the status page, in its feed and to
its followers. While it is in progress its components are "under maintenance"; it starts and
completes by itself at the scheduled times (``maintenances_advance``, periodic) unless staff
move it on first. Retried writes do not double: the same maintenance scheduled again for the
same start returns the first, the same update posted twice is kept once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from sayso.community.following import Event, announce
from sayso.core.markup import plain_text, render_markdown
from sayso.core.models import Organization
from sayso.core.services import audit_record
from sayso.core.text_input import clean_text
from sayso.status.models import (
    BODY_MAX,
    TITLE_MAX,
    ComponentStatus,
    Maintenance,
    MaintenanceStatus,
    MaintenanceUpdate,
)
from sayso.status.services import STATUS, components_of, components_status_set

LONGEST = timedelta(days=14)  # one maintenance window at most
AHEAD = timedelta(days=366)  # announced at most a year ahead
STARTED_TEXT = "The scheduled maintenance is in progress. We will post updates as it goes."
COMPLETED_TEXT = "The scheduled maintenance is complete."


def _actor(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _path(maintenance: Maintenance) -> str:
    return reverse(
        "maintenance", kwargs={"org": maintenance.organization.slug, "pk": maintenance.pk}
    )


def _window(scheduled_for: datetime, scheduled_until: datetime) -> None:
    if timezone.is_naive(scheduled_for) or timezone.is_naive(scheduled_until):
        raise ValidationError({"scheduled_for": "Give the times with their time zone."})
    if scheduled_until <= scheduled_for:
        raise ValidationError({"scheduled_until": "The maintenance must end after it starts."})
    if scheduled_until - scheduled_for > LONGEST:
        raise ValidationError({"scheduled_until": "A maintenance window lasts 14 days at most."})
    now = timezone.now()
    if scheduled_until <= now:
        raise ValidationError({"scheduled_until": "This maintenance window is already over."})
    if scheduled_for > now + AHEAD:
        raise ValidationError({"scheduled_for": "Announce maintenance at most a year ahead."})


@transaction.atomic
def maintenance_schedule(
    *,
    organization: Organization,
    title: str,
    body: str,
    scheduled_for: datetime,
    scheduled_until: datetime,
    component_ids: Iterable[int] = (),
    actor: Any = None,
) -> tuple[Maintenance, bool]:
    """Announce planned work; followers of the status page are told. The same title for the
    same start again returns the first (False)."""
    title = clean_text(title, field="title", maximum=TITLE_MAX, required=True)
    body = clean_text(body, field="body", maximum=BODY_MAX, required=True)
    _window(scheduled_for, scheduled_until)
    components = components_of(organization, component_ids)
    repeat = Maintenance.objects.filter(
        organization=organization, title=title, scheduled_for=scheduled_for
    ).first()
    if repeat is not None:
        return repeat, False
    maintenance = Maintenance.objects.create(
        organization=organization,
        title=title,
        scheduled_for=scheduled_for,
        scheduled_until=scheduled_until,
        created_by=_actor(actor),
    )
    maintenance.components.set(components)
    _update_create(maintenance, MaintenanceStatus.SCHEDULED, body, actor)
    audit_record(
        organization=organization,
        actor=actor,
        action="status.maintenance_schedule",
        obj=maintenance,
    )
    when = timezone.localtime(scheduled_for).strftime("%d %b %Y %H:%M %Z")
    announce(
        organization=organization,
        subjects=[STATUS],
        event=Event(
            key=f"maintenance-schedule:{maintenance.pk}",
            title=f"Scheduled maintenance ({when}): {maintenance.title}",
            text=plain_text(body, limit=1500),
            url=_path(maintenance),
        ),
    )
    if scheduled_for <= timezone.now():
        _move(maintenance, MaintenanceStatus.IN_PROGRESS, STARTED_TEXT, actor)
    return maintenance, True


def _update_create(
    maintenance: Maintenance, status: str, body: str, actor: Any
) -> MaintenanceUpdate:
    return MaintenanceUpdate.objects.create(
        organization_id=maintenance.organization_id,
        maintenance=maintenance,
        status=status,
        body=body,
        body_html=str(render_markdown(body)),
        author=_actor(actor),
    )


def _move(maintenance: Maintenance, status: str, body: str, actor: Any) -> MaintenanceUpdate:
    """Post an update putting the maintenance in ``status``, with what that does to its
    components, and tell its followers."""
    now = timezone.now()
    update = _update_create(maintenance, status, body, actor)
    maintenance.status = status
    components = list(maintenance.components.all())
    if status in (MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING):
        maintenance.started_at = maintenance.started_at or now
        maintenance.completed_at = None
        components_status_set(
            components=[c for c in components if c.status == ComponentStatus.OPERATIONAL],
            status=ComponentStatus.MAINTENANCE,
        )
    elif status == MaintenanceStatus.COMPLETED:
        maintenance.completed_at = now
        components_status_set(
            components=[c for c in components if c.status == ComponentStatus.MAINTENANCE],
            status=ComponentStatus.OPERATIONAL,
        )
    maintenance.save()
    announce(
        organization=maintenance.organization,
        subjects=[STATUS],
        event=Event(
            key=f"maintenance-update:{update.pk}",
            title=f"{MaintenanceStatus(status).label}: {maintenance.title}",
            text=plain_text(body, limit=1500),
            url=_path(maintenance),
        ),
    )
    return update


@transaction.atomic
def maintenance_update_post(
    *, maintenance: Maintenance, status: str, body: str, actor: Any = None
) -> tuple[MaintenanceUpdate, bool]:
    """Post an update (and move the maintenance on). A completed maintenance takes no more
    updates; the same update twice in a row is kept once (False)."""
    maintenance = Maintenance.objects.select_for_update().get(pk=maintenance.pk)
    if status not in MaintenanceStatus.values:
        raise ValidationError(
            {"status": "Choose one of: " + ", ".join(MaintenanceStatus.values) + "."}
        )
    body = clean_text(body, field="body", maximum=BODY_MAX, required=True)
    if maintenance.status == MaintenanceStatus.COMPLETED:
        raise ValidationError("This maintenance is complete.")
    if status == MaintenanceStatus.SCHEDULED and maintenance.status != status:
        raise ValidationError({"status": "A maintenance that started cannot be scheduled again."})
    last = maintenance.updates.order_by("-created_at", "-id").first()
    if last is not None and last.status == status and last.body == body:
        return last, False
    update = _move(maintenance, status, body, actor)
    audit_record(
        organization=maintenance.organization,
        actor=actor,
        action="status.maintenance_update",
        obj=maintenance,
        data={"status": status},
    )
    return update, True


def maintenances_advance(*, now: datetime | None = None) -> int:
    """Start every maintenance whose window has begun and complete every one whose window is
    over (periodic; safe to run any number of times). Returns how many moved."""
    now = now or timezone.now()
    moved = 0
    due = (
        Maintenance.objects.filter(completed_at__isnull=True)
        .filter(scheduled_for__lte=now)
        .values_list("pk", flat=True)
    )
    for pk in list(due[:500]):
        with transaction.atomic():
            maintenance = (
                Maintenance.objects.select_for_update()
                .select_related("organization")
                .filter(pk=pk, completed_at__isnull=True)
                .first()
            )
            if maintenance is None:
                continue
            if maintenance.scheduled_until <= now:
                _move(maintenance, MaintenanceStatus.COMPLETED, COMPLETED_TEXT, None)
                moved += 1
            elif maintenance.status == MaintenanceStatus.SCHEDULED:
                _move(maintenance, MaintenanceStatus.IN_PROGRESS, STARTED_TEXT, None)
                moved += 1
    return moved
