"""Signed webhooks (Standard Webhooks): endpoints an organization subscribes to event types,
the events written for them, and each delivery with the log of its attempts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from sayso.core.models import Organization, TimeStampedModel


class Endpoint(TimeStampedModel):
    """A URL of the organization's that receives the events it subscribes to, signed with its
    own secret (``whsec_…``, sealed with ``sayso.core.encryption``)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=500, blank=True)
    # The event types it receives; empty: every type.
    event_types = models.JSONField(default=list, blank=True)
    secret_sealed = models.TextField()
    # The secret before the latest rotation, still signed with until it expires (so that a
    # receiver can change secrets without losing a message).
    previous_secret_sealed = models.TextField(blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=500, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    # The first failed attempt since the last success (None while it answers).
    failing_since = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(TimeStampedModel.Meta):
        indexes = [models.Index(fields=["organization", "enabled"])]

    def __str__(self) -> str:
        return self.url

    def subscribes(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types


class Event(TimeStampedModel):
    """One event as sent: its ``webhook-id`` and the exact JSON body that is signed. Written
    in the transaction of the change it tells, so it exists exactly when the change does."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="webhook_events"
    )
    webhook_id = models.CharField(max_length=40, unique=True)
    event_type = models.CharField(max_length=60)
    payload = models.TextField()

    def __str__(self) -> str:
        return f"{self.event_type} {self.webhook_id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class Delivery(TimeStampedModel):
    """One event on its way to one endpoint: retried on the Standard Webhooks schedule until it
    succeeds, fails for good, or its endpoint is disabled."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(
        max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempt_count = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # While an attempt is under way: until when it holds the delivery. A worker that dies
    # mid-attempt leaves it; once it has passed, the delivery is tried again.
    lease_until = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Why it failed or was cancelled.
    reason = models.CharField(max_length=500, blank=True)
    # "Send again": a new delivery of the same event (the same webhook-id).
    resend_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(TimeStampedModel.Meta):
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due",
                condition=Q(status="pending"),
            ),
            models.Index(fields=["endpoint", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"delivery {self.pk} of {self.event_id} to {self.endpoint_id}"


class AttemptOutcome(models.TextChoices):
    SENDING = "sending", "Sending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    INTERRUPTED = "interrupted", "Interrupted"


class Attempt(models.Model):
    """One request of a delivery, as sent and as answered (the delivery log)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    outcome = models.CharField(
        max_length=20, choices=AttemptOutcome.choices, default=AttemptOutcome.SENDING
    )
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    request_url = models.URLField(max_length=2000)
    request_headers = models.JSONField(default=dict)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    # The answer's first kilobyte (decoded as UTF-8 with replacement).
    response_body = models.TextField(blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["delivery", "number", "id"]
        indexes = [models.Index(fields=["started_at"])]

    def __str__(self) -> str:
        return f"attempt {self.number} of delivery {self.delivery_id}"
