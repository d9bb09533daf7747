"""Alerts shown to staff in the inbox (and sent to them by email), and the outbox's mail
(``MailKind``, the kinds of mail, is ``sayso.core.mail``'s, imported here for its users)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from sayso.core.mail import MailKind
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


class MailState(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    RETRYING = "retrying", "Retrying"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class OutgoingMail(TimeStampedModel):
    """One email Sayso sends, from the moment it is decided (in the caller's transaction) until
    the mail server accepts it or refuses it for good. See ``sayso/notifications/outbox.py``."""

    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=MailKind.choices)
    # What made this mail ("alert:12"): queuing the same key again returns the first row.
    key = models.CharField(max_length=200, blank=True)
    recipient = models.CharField(max_length=320)
    from_email = models.CharField(max_length=500, blank=True)
    reply_to = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=500)
    body = models.TextField()
    html = models.TextField(blank=True)
    # Extra headers (In-Reply-To, References, List-Unsubscribe, …); Message-ID is its own field.
    headers = models.JSONField(default=dict, blank=True)
    # Generated when the mail is queued and sent with every attempt: a mail sent twice (a
    # worker killed after the server accepted it) reaches its reader as one.
    message_id = models.CharField(max_length=500, unique=True)
    case_message = models.ForeignKey(
        "conversations.Message",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="outgoing_mails",
    )
    case = models.ForeignKey(
        "conversations.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    alert = models.ForeignKey(
        Alert, null=True, blank=True, on_delete=models.CASCADE, related_name="outgoing_mails"
    )
    state = models.CharField(max_length=20, choices=MailState.choices, default=MailState.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    # A link that stops working (a sign-in link) is not sent after this time.
    send_before = models.DateTimeField(null=True, blank=True)
    # The body holds a secret (a one-time link): it is erased once the mail is done with.
    secret = models.BooleanField(default=False)
    last_error = models.CharField(max_length=1000, blank=True)
    smtp_response = models.CharField(max_length=1000, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta(TimeStampedModel.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "key"], condition=~models.Q(key=""), name="outgoing_mail_key"
            )
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"]),
            models.Index(fields=["organization", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient} ({self.state})"
