"""Alerts shown to staff in the inbox (and sent to them by email)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from sayso.core.models import Organization, TimeStampedModel


class AlertKind(models.TextChoices):
    COMMITMENT_REMINDER = "commitment_reminder", "Commitment due soon"
    COMMITMENT_BREACHED = "commitment_breached", "Commitment breached"
    HANDOFF = "handoff", "Case handed to you"
    ASSIGNED = "assigned", "Case assigned to you"
    CASE_MESSAGE = "case_message", "New message on your case"
    MESSAGE_UNDELIVERED = "message_undelivered", "Your email was not delivered"


class Alert(TimeStampedModel):
    """Something a staff member must see, kept in their inbox until read."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="alerts")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alerts"
    )
    kind = models.CharField(max_length=40, choices=AlertKind.choices)
    text = models.CharField(max_length=500)
    case = models.ForeignKey(
        "conversations.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    commitment = models.ForeignKey(
        "conversations.Commitment",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    # Makes sending the same alert twice (a retried task) a no-op.
    dedupe_key = models.CharField(max_length=200)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta(TimeStampedModel.Meta):
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], name="alert_unique_per_recipient"
            )
        ]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.text
