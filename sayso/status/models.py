"""The public status page: components, incidents with their updates, post-mortems, and the
customers' cases an incident affects."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from sayso.core.models import Organization, TimeStampedModel

TITLE_MAX = 200
BODY_MAX = 20_000
POSTMORTEM_MAX = 100_000
NAME_MAX = 100


class ComponentStatus(models.TextChoices):
    OPERATIONAL = "operational", "Operational"
    DEGRADED = "degraded", "Degraded performance"
    PARTIAL_OUTAGE = "partial_outage", "Partial outage"
    MAJOR_OUTAGE = "major_outage", "Major outage"
    MAINTENANCE = "maintenance", "Under maintenance"


# From best to worst: the page's overall status is its worst component's.
COMPONENT_SEVERITY = {
    ComponentStatus.OPERATIONAL: 0,
    ComponentStatus.MAINTENANCE: 1,
    ComponentStatus.DEGRADED: 2,
    ComponentStatus.PARTIAL_OUTAGE: 3,
    ComponentStatus.MAJOR_OUTAGE: 4,
}


class IncidentStatus(models.TextChoices):
    INVESTIGATING = "investigating", "Investigating"
    IDENTIFIED = "identified", "Identified"
    MONITORING = "monitoring", "Monitoring"
    RESOLVED = "resolved", "Resolved"


class IncidentImpact(models.TextChoices):
    MINOR = "minor", "Minor"
    MAJOR = "major", "Major"
    CRITICAL = "critical", "Critical"


class ComponentGroup(TimeStampedModel):
    """Components shown together under one heading ("Europe", "Mobile apps"); its status is
    its worst component's."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="status_component_groups"
    )
    name = models.CharField(max_length=NAME_MAX)
    description = models.CharField(max_length=500, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta(TimeStampedModel.Meta):
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="component_group_once")
        ]

    def __str__(self) -> str:
        return self.name


class Component(TimeStampedModel):
    """A part of the service customers rely on (the API, email delivery, the mobile app)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="status_components"
    )
    name = models.CharField(max_length=NAME_MAX)
    description = models.CharField(max_length=500, blank=True)
    status = models.CharField(
        max_length=20, choices=ComponentStatus.choices, default=ComponentStatus.OPERATIONAL
    )
    position = models.PositiveIntegerField(default=0)
    group = models.ForeignKey(
        ComponentGroup,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="components",
    )

    class Meta(TimeStampedModel.Meta):
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="component_name_once")
        ]

    def __str__(self) -> str:
        return self.name


class Incident(TimeStampedModel):
    """Something wrong, said in public: what is wrong, what is being done, when it is expected
    fixed (its updates), and afterwards what happened and what changes (the post-mortem)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="incidents"
    )
    title = models.CharField(max_length=TITLE_MAX)
    impact = models.CharField(
        max_length=10, choices=IncidentImpact.choices, default=IncidentImpact.MINOR
    )
    status = models.CharField(
        max_length=20, choices=IncidentStatus.choices, default=IncidentStatus.INVESTIGATING
    )
    components = models.ManyToManyField(Component, blank=True, related_name="incidents")
    started_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    # When the team expects it fixed (shown while it is not resolved).
    expected_fix_at = models.DateTimeField(null=True, blank=True)
    postmortem = models.TextField(blank=True)
    postmortem_html = models.TextField(blank=True)
    postmortem_published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(TimeStampedModel.Meta):
        indexes = [
            models.Index(fields=["organization", "resolved_at"]),
            models.Index(fields=["organization", "-started_at"]),
        ]

    def __str__(self) -> str:
        return self.title


class IncidentUpdate(TimeStampedModel):
    """One public update of an incident, with the status it put the incident in."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=20, choices=IncidentStatus.choices)
    body = models.TextField()
    body_html = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(TimeStampedModel.Meta):
        indexes = [models.Index(fields=["incident", "created_at"])]


class IncidentCase(TimeStampedModel):
    """A customer's case affected by an incident: the customer sees the incident on the case,
    and the case is told when the incident is resolved."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="case_links")
    case = models.ForeignKey(
        "conversations.Case", on_delete=models.CASCADE, related_name="incident_links"
    )
    # When the resolution was posted to the case (once, whatever the retries).
    told_resolved_at = models.DateTimeField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(TimeStampedModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["incident", "case"], name="incident_case_once")
        ]


class ComponentStatusChange(models.Model):
    """A component's status from ``changed_at`` on: the history its uptime bars are drawn
    from. Written by the status services whenever a status changes (and once at creation)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    component = models.ForeignKey(
        Component, on_delete=models.CASCADE, related_name="status_changes"
    )
    status = models.CharField(max_length=20, choices=ComponentStatus.choices)
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["changed_at", "id"]
        indexes = [models.Index(fields=["component", "changed_at"])]

    def __str__(self) -> str:
        return f"{self.component_id}: {self.status} from {self.changed_at:%Y-%m-%d %H:%M}"


class MaintenanceStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    IN_PROGRESS = "in_progress", "In progress"
    VERIFYING = "verifying", "Verifying"
    COMPLETED = "completed", "Completed"


class Maintenance(TimeStampedModel):
    """Planned work, announced ahead: when it starts and ends, what it touches. Its components
    are "under maintenance" while it is in progress; it starts and completes on schedule
    unless staff move it on by hand first."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="maintenances"
    )
    title = models.CharField(max_length=TITLE_MAX)
    status = models.CharField(
        max_length=20, choices=MaintenanceStatus.choices, default=MaintenanceStatus.SCHEDULED
    )
    components = models.ManyToManyField(Component, blank=True, related_name="maintenances")
    scheduled_for = models.DateTimeField()
    scheduled_until = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(TimeStampedModel.Meta):
        indexes = [
            models.Index(fields=["organization", "completed_at"]),
            models.Index(fields=["organization", "-scheduled_for"]),
        ]

    def __str__(self) -> str:
        return self.title


class MaintenanceUpdate(TimeStampedModel):
    """One public update of a maintenance, with the status it put the maintenance in."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    maintenance = models.ForeignKey(Maintenance, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=20, choices=MaintenanceStatus.choices)
    body = models.TextField()
    body_html = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(TimeStampedModel.Meta):
        indexes = [models.Index(fields=["maintenance", "created_at"])]
