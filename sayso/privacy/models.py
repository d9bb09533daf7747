"""Erasure requests: asked by the customer in the portal or by staff on their behalf, carried
out after a waiting period during which either may cancel, then kept as an anonymous record
(which customer row, when, what was erased — never who they were)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from sayso.core.models import Organization, TimeStampedModel


class ErasureStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    CANCELLED = "cancelled", "Cancelled"
    DONE = "done", "Erased"
    FAILED = "failed", "Failed (retried)"


class ErasureRequest(TimeStampedModel):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="erasure_requests"
    )
    # Kept after the erasure: the row is anonymized, not deleted, so the request stays linked.
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="erasure_requests"
    )
    receipt_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(
        max_length=20, choices=ErasureStatus.choices, default=ErasureStatus.PENDING
    )
    due_at = models.DateTimeField()
    by_customer = models.BooleanField(default=False)
    by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # How a request that did not come through the portal arrived ("email", "phone", "letter").
    channel = models.CharField(max_length=40, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    # What was erased: counts per kind of record, no content.
    summary = models.JSONField(default=dict, blank=True)

    class Meta(TimeStampedModel.Meta):
        indexes = [models.Index(fields=["status", "due_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(status="pending"),
                name="erasure_one_pending_per_customer",
            )
        ]

    def __str__(self) -> str:
        return f"erasure of customer {self.customer_id}: {self.status}"


class ExportStatus(models.TextChoices):
    PREPARING = "preparing", "Being prepared"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class PersonalDataExport(TimeStampedModel):
    """A large export, built in the background (``privacy.tasks.export_build_task``) for the
    customer (portal) or a manager (customer page); a small one is built at once and never
    stored. Deleted with the customer's data at erasure."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="personal_data_exports"
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="personal_data_exports"
    )
    status = models.CharField(
        max_length=20, choices=ExportStatus.choices, default=ExportStatus.PREPARING
    )
    by_customer = models.BooleanField(default=False)
    by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    archive = models.BinaryField(blank=True, default=b"")
    size = models.PositiveIntegerField(default=0)
    # How far the task is (0-100) and what it is doing, shown while it prepares.
    progress = models.PositiveSmallIntegerField(default=0)
    step = models.CharField(max_length=120, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta(TimeStampedModel.Meta):
        indexes = [models.Index(fields=["customer", "created_at"])]

    def __str__(self) -> str:
        return f"export of customer {self.customer_id}: {self.status}"
