"""Consent with proof, contact preferences, and every outreach attempt (sent or blocked).

A customer's choice for one channel and purpose is the newest ``ConsentRecord`` of that pair:
records are only ever added (``consent_record`` in ``services``), never changed or deleted, so
the history is the proof. ``ConsentNotice`` keeps every version of the text shown with a choice.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from sayso.core.models import ApiToken, Organization, TimeStampedModel
from sayso.customers.models import Customer


class ConsentChannel(models.TextChoices):
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    SMS = "sms", "SMS"
    MASTODON = "mastodon", "Mastodon"
    BLUESKY = "bluesky", "Bluesky"
    POST = "post", "Post"


class Purpose(models.TextChoices):
    SERVICE = "service", "Service: about your own cases"
    PRODUCT_NEWS = "product_news", "Product news"
    SALES = "sales", "Sales offers"
    RESEARCH = "research", "Surveys and research"
    PARTNERS = "partners", "Offers from partners"


# Purposes the guard knows beyond those a customer chooses: an answer to a customer's own
# published intent, granted by the checker its app registers (``guard.grant_register``).
INTENT_ANSWER = "intent_answer"
# A message about a deal the customer has with the organization (they accepted an offer, or
# staff opened it with them): granted by the deal itself while it is active (``deals.grants``).
DEAL_UPDATE = "deal_update"
GRANTED_PURPOSES = (INTENT_ANSWER, DEAL_UPDATE)
MARKETING_PURPOSES = (Purpose.PRODUCT_NEWS, Purpose.SALES, Purpose.RESEARCH, Purpose.PARTNERS)


class Choice(models.TextChoices):
    GRANTED = "granted", "Yes"
    REFUSED = "refused", "No"
    NOT_ASKED = "not_asked", "Not asked"


class Method(models.TextChoices):
    """How a choice was made."""

    PORTAL = "portal", "By the customer in the portal"
    WIDGET = "widget", "By the customer in the widget"
    STAFF = "staff", "By staff, on the customer's word"
    IMPORT = "import", "Imported"
    API = "api", "Through the API"


class ConsentNotice(TimeStampedModel):
    """The text shown to a customer when they choose for one purpose; editing makes a new
    version, and every choice keeps the version it was made under."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="consent_notices"
    )
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    version = models.PositiveIntegerField()
    text = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(TimeStampedModel.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "purpose", "version"], name="consent_notice_unique_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.purpose} notice v{self.version}"


class ConsentRecord(TimeStampedModel):
    """One decision: append-only (``save`` refuses to change a stored one)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="consent_records"
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(max_length=20, choices=ConsentChannel.choices)
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    choice = models.CharField(max_length=20, choices=Choice.choices)
    notice = models.ForeignKey(
        ConsentNotice, null=True, blank=True, on_delete=models.PROTECT, related_name="records"
    )
    method = models.CharField(max_length=20, choices=Method.choices)
    # Where the choice was made: the page's path, "widget", "staff", "import", "api".
    location = models.CharField(max_length=300)
    note = models.TextField(blank=True)
    by_customer = models.BooleanField(default=False)
    by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_token = models.ForeignKey(
        ApiToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    receipt_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta(TimeStampedModel.Meta):
        indexes = [models.Index(fields=["customer", "channel", "purpose", "created_at"])]

    def __str__(self) -> str:
        return f"{self.channel}/{self.purpose}: {self.choice}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("A consent record is never changed: record a new decision.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValueError("A consent record is never deleted: it is the proof of a decision.")


class ContactPreferences(TimeStampedModel):
    """When and how often the customer may be contacted (beyond service about their cases)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="contact_preferences"
    )
    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, related_name="contact_preferences"
    )
    time_zone = models.CharField(max_length=64, default="UTC")
    quiet_start = models.TimeField(null=True, blank=True)
    quiet_end = models.TimeField(null=True, blank=True)
    not_before = models.DateField(null=True, blank=True)
    max_per_week = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta(TimeStampedModel.Meta):
        verbose_name_plural = "contact preferences"

    def __str__(self) -> str:
        return f"preferences of customer {self.customer_id}"


class Outcome(models.TextChoices):
    SENT = "sent", "Sent"
    BLOCKED = "blocked", "Blocked"
    # In the customer's quiet hours: sent when they end (``next_allowed_at``), if the guard
    # still allows it then (``guard.outreach_release``).
    HELD = "held", "Held until quiet hours end"


class BlockReason(models.TextChoices):
    UNREACHABLE = "unreachable", "No address on that channel"
    NOT_CONNECTED = "not_connected", "Channel not connected"
    NO_CONSENT = "no_consent", "No consent"
    NOT_BEFORE = "not_before", "Not before the customer's date"
    QUIET_HOURS = "quiet_hours", "Quiet hours"
    FREQUENCY = "frequency", "Weekly limit reached"
    MERGED = "merged", "Customer record merged"
    SENDER_GONE = "sender_gone", "Sender no longer on the team"


class Segment(models.TextChoices):
    ALL = "all", "Every customer"
    PROSPECTS = "prospects", "Prospects (heard of through listening)"
    TEAM = "team", "Customers with a case of a team"
    LIST = "list", "A list of customers"


class CampaignStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    DONE = "done", "Done"


class Campaign(TimeStampedModel):
    """One message to a segment of customers, each sent through the guard in the background."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="campaigns"
    )
    name = models.CharField(max_length=200)
    channel = models.CharField(max_length=20, choices=ConsentChannel.choices)
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    segment = models.CharField(max_length=20, choices=Segment.choices)
    team = models.ForeignKey(
        "core.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    customer_ids = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=20, choices=CampaignStatus.choices, default=CampaignStatus.QUEUED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta(TimeStampedModel.Meta):
        pass

    def __str__(self) -> str:
        return self.name


class OutreachAttempt(TimeStampedModel):
    """One message the organization meant to send a customer, and what the guard decided."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="outreach_attempts"
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="outreach_attempts"
    )
    channel = models.CharField(max_length=20, choices=ConsentChannel.choices)
    purpose = models.CharField(max_length=20)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    reason_code = models.CharField(max_length=20, choices=BlockReason.choices, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    next_allowed_at = models.DateTimeField(null=True, blank=True)
    by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_token = models.ForeignKey(
        ApiToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reference_kind = models.CharField(max_length=40, blank=True)
    reference_id = models.CharField(max_length=64, blank=True)
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="attempts"
    )
    case = models.ForeignKey(
        "conversations.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.ForeignKey(
        "conversations.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # A retried request (an API client's Idempotency-Key, a campaign's run for one customer)
    # finds the attempt it made instead of making another.
    idempotency_key = models.CharField(max_length=200, blank=True)

    class Meta(TimeStampedModel.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="outreach_unique_idempotency_key",
            )
        ]
        indexes = [
            models.Index(fields=["customer", "outcome", "created_at"]),
            models.Index(fields=["campaign", "outcome"]),
        ]

    def __str__(self) -> str:
        return f"{self.outcome} {self.channel}/{self.purpose} to customer {self.customer_id}"


class ReceiptKey(TimeStampedModel):
    """The public half of every key that signed a consent receipt, kept so that a receipt
    signed before a key rotation still verifies: the published key set lists each one not
    retired (``receipts.public_key_set``). The installation's, not one organization's: one
    signing key serves every organization (``SAYSO_RECEIPT_SIGNING_KEY``)."""

    kid = models.CharField(max_length=100, unique=True)
    algorithm = models.CharField(max_length=20)
    public_jwk = models.JSONField()
    # Set by ``sayso rotate-receipt-key --retire KID``: no longer published, so receipts
    # signed with it no longer verify against the published set.
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta(TimeStampedModel.Meta):
        pass

    def __str__(self) -> str:
        return f"receipt key {self.kid}"
