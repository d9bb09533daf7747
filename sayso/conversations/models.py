"""Cases, the messages they hold from every channel, commitments, and hand-offs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from sayso.core.models import Organization, Team, TimeStampedModel
from sayso.customers.models import Customer, Identity


class CaseStatus(models.TextChoices):
    OPEN = "open", "Open"
    PENDING = "pending", "Pending"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


PRIORITY_RANK = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.URGENT: 3}


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    WEB = "web", "Web form"
    PORTAL = "portal", "Customer portal"
    PHONE = "phone", "Phone"
    API = "api", "API"
    MASTODON = "mastodon", "Mastodon"
    BLUESKY = "bluesky", "Bluesky"
    RSS = "rss", "Blog / RSS"
    WIDGET = "widget", "Widget"
    STAFF = "staff", "Staff"


class Case(TimeStampedModel):
    """One problem or request of one customer, however many channels it arrives through."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="cases")
    number = models.PositiveIntegerField()
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="cases")
    subject = models.CharField(max_length=300)
    status = models.CharField(max_length=20, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    priority = models.CharField(max_length=20, choices=Priority.choices, default=Priority.NORMAL)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.WEB)
    last_message_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta(TimeStampedModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="case_unique_number")
        ]
        indexes = [
            models.Index(fields=["organization", "status", "last_message_at"]),
            models.Index(fields=["organization", "assignee", "status"]),
            # The inbox's counts (migration 0004).
            models.Index(
                fields=["organization", "status", "assignee"], name="case_org_status_assignee"
            ),
            models.Index(fields=["organization", "last_message_at"]),
            models.Index(fields=["customer", "last_message_at"]),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.subject}"


class Direction(models.TextChoices):
    INBOUND = "inbound", "From the customer"
    OUTBOUND = "outbound", "To the customer"
    INTERNAL = "internal", "Internal"


class Visibility(models.TextChoices):
    PUBLIC = "public", "Public reply"
    PRIVATE = "private", "Private to the customer"
    INTERNAL = "internal", "Internal note"


class Message(TimeStampedModel):
    """One message on a case, from any channel, stored once per channel's own id."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="messages"
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="messages")
    direction = models.CharField(max_length=20, choices=Direction.choices)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    visibility = models.CharField(
        max_length=20, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    author_identity = models.ForeignKey(
        Identity, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="authored_messages",
    )
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    # The channel's own id (an email Message-ID, a post URL, …). Unique per channel.
    external_id = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField()
    # Outbound email delivery.
    delivered_at = models.DateTimeField(null=True, blank=True)
    delivery_error = models.CharField(max_length=500, blank=True)
    # Set when a bounce reports that the sent email never reached the customer (the reason is
    # in ``delivery_error``); see ``AutomatedMail``.
    undelivered_at = models.DateTimeField(null=True, blank=True)
    headers = models.JSONField(default=dict, blank=True)

    class Meta(TimeStampedModel.Meta):
        ordering = ["sent_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "channel", "external_id"],
                condition=~Q(external_id=""),
                name="message_unique_external_id",
            )
        ]
        indexes = [models.Index(fields=["case", "sent_at"])]

    def __str__(self) -> str:
        return f"{self.channel} {self.direction} on case {self.case_id}"


class AutomatedKind(models.TextChoices):
    BOUNCE = "bounce", "Bounce (not delivered)"
    DELAY = "delay", "Delivery delayed"
    DELIVERY_NOTICE = "delivery_notice", "Delivery notice"
    READ_RECEIPT = "read_receipt", "Read receipt"
    ABUSE_REPORT = "abuse_report", "Abuse report"
    AUTO_REPLY = "auto_reply", "Auto-reply"
    NOTICE = "notice", "Automated notice"
    BULK = "bulk", "Bulk or list mail"


class AutomatedMail(TimeStampedModel):
    """Inbound mail no person wrote (a bounce, an auto-reply, a newsletter, …), kept for staff
    with what was recognised and why. It never becomes a customer's message: it is linked to
    the case and the sent message it reports on when those are found, else kept unlinked."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="automated_mail"
    )
    kind = models.CharField(max_length=20, choices=AutomatedKind.choices)
    reason = models.CharField(max_length=500)
    sender = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    # The automated mail's own Message-ID (or a digest of its bytes): stored once.
    external_id = models.CharField(max_length=500)
    received_at = models.DateTimeField()
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="automated_mail"
    )
    reported_message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="automated_mail"
    )
    # Reported Message-IDs, recipients, status and diagnostic codes, return date.
    details = models.JSONField(default=dict, blank=True)

    class Meta(TimeStampedModel.Meta):
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "external_id"], name="automated_mail_unique_external_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.sender or 'unknown sender'}"


class CommitmentStatus(models.TextChoices):
    OPEN = "open", "Open"
    KEPT = "kept", "Kept"
    BREACHED = "breached", "Breached"
    CANCELLED = "cancelled", "Cancelled"


class Commitment(TimeStampedModel):
    """A promise to a customer, with an owner and a due time."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="commitments"
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="commitments")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="commitments")
    description = models.CharField(max_length=500)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="commitments"
    )
    due_at = models.DateTimeField()
    status = models.CharField(
        max_length=20, choices=CommitmentStatus.choices, default=CommitmentStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reminded_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closing_note = models.CharField(max_length=500, blank=True)

    class Meta(TimeStampedModel.Meta):
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["status", "due_at"])]

    def __str__(self) -> str:
        return self.description


class Handoff(TimeStampedModel):
    """A case passed from one person or team to another, with a note for the new owner."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="handoffs"
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="handoffs")
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(TimeStampedModel.Meta):
        pass

    def __str__(self) -> str:
        return f"hand-off of case {self.case_id}"
