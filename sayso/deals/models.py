"""Intents (what a customer wants to buy, on their schedule), offers that answer them, the
organization's public selling process (stages and promises), and deals moving through it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from sayso.core.models import Organization, TimeStampedModel
from sayso.customers.models import Customer

CURRENCY_LENGTH = 3


class ServedCategory(TimeStampedModel):
    """A category of things the organization sells ("Truck rental"). ``key`` is the name
    folded (``categories.category_key``), so that two organizations that both serve "Truck
    rental" see the intents published to every organization serving it."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="served_categories"
    )
    name = models.CharField(max_length=120)
    key = models.CharField(max_length=120, db_index=True)

    class Meta(TimeStampedModel.Meta):
        ordering = ["name", "id"]
        verbose_name_plural = "served categories"
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="category_unique_key")
        ]

    def __str__(self) -> str:
        return self.name


class IntentVisibility(models.TextChoices):
    ORGANIZATION = "organization", "Only this organization"
    CATEGORY = "category", "Every organization here that serves the category"


class IntentStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACCEPTED = "accepted", "Offer accepted"
    CLOSED = "closed", "Closed (deadline passed)"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ReplyChannel(models.TextChoices):
    # The outreach guard's channels an offer may come by (a phone call is placed by a person,
    # the guard clears it). Every offer is in the portal too.
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"


class Intent(TimeStampedModel):
    """Something a customer wants to buy, published by them: answerable with offers until its
    deadline, by the organizations it is visible to, and by nobody after."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="intents")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="intents")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    category = models.ForeignKey(
        ServedCategory, null=True, blank=True, on_delete=models.SET_NULL, related_name="intents"
    )
    # The folded category name, kept when the category row goes: what other organizations'
    # categories are matched against.
    category_key = models.CharField(max_length=120, blank=True, db_index=True)
    category_text = models.CharField(max_length=120, blank=True)
    details = models.CharField(max_length=500, blank=True)
    window_start = models.DateField(null=True, blank=True)
    window_end = models.DateField(null=True, blank=True)
    budget = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=CURRENCY_LENGTH, default="USD")
    reply_channel = models.CharField(
        max_length=20, choices=ReplyChannel.choices, default=ReplyChannel.EMAIL
    )
    deadline = models.DateTimeField(db_index=True)
    visibility = models.CharField(
        max_length=20, choices=IntentVisibility.choices, default=IntentVisibility.ORGANIZATION
    )
    status = models.CharField(
        max_length=20, choices=IntentStatus.choices, default=IntentStatus.OPEN, db_index=True
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    submission_id = models.CharField(max_length=64, blank=True)

    class Meta(TimeStampedModel.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "submission_id"],
                condition=~models.Q(submission_id=""),
                name="intent_unique_submission",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_answerable(self) -> bool:
        return self.status == IntentStatus.OPEN and timezone.now() < self.deadline


class OfferStatus(models.TextChoices):
    SENT = "sent", "Sent"
    BLOCKED = "blocked", "Blocked"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class Offer(TimeStampedModel):
    """An organization's answer to an intent: a price, terms and how long it holds. Sent through
    the outreach guard; one the guard blocked is kept with the reason, and never shown to the
    customer."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="offers")
    intent = models.ForeignKey(Intent, on_delete=models.CASCADE, related_name="offers")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    price = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=CURRENCY_LENGTH)
    terms = models.TextField(blank=True)
    valid_until = models.DateTimeField()
    status = models.CharField(max_length=20, choices=OfferStatus.choices)
    blocked_reason = models.CharField(max_length=500, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    submission_id = models.CharField(max_length=64, blank=True)

    class Meta(TimeStampedModel.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "submission_id"],
                condition=~models.Q(submission_id=""),
                name="offer_unique_submission",
            )
        ]
        indexes = [models.Index(fields=["intent", "status"])]

    def __str__(self) -> str:
        return f"{self.price} {self.currency} for {self.intent}"

    @property
    def is_valid(self) -> bool:
        return timezone.now() < self.valid_until


class SellingStage(TimeStampedModel):
    """One step of how the organization sells, published: what happens, how long it usually
    takes, and what it costs the customer to leave at this step."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="selling_stages"
    )
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=120)
    what_happens = models.TextField(blank=True)
    usual_duration = models.CharField(max_length=120, blank=True)
    cost_to_leave = models.CharField(max_length=300, blank=True)

    class Meta(TimeStampedModel.Meta):
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="stage_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class SellingPromise(TimeStampedModel):
    """A promise the organization makes about how it sells ("no calls after a quote unless you
    ask"), published with the stages."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="selling_promises"
    )
    position = models.PositiveIntegerField(default=0)
    text = models.CharField(max_length=300)

    class Meta(TimeStampedModel.Meta):
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class DealStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused by the customer"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Deal(TimeStampedModel):
    """An opportunity with one customer, moving through the organization's stages."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="deals")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="deals")
    title = models.CharField(max_length=200)
    # None while the organization has published no stages yet.
    stage = models.ForeignKey(
        SellingStage, null=True, blank=True, on_delete=models.PROTECT, related_name="deals"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=CURRENCY_LENGTH, default="USD")
    expected_on = models.DateField(null=True, blank=True)
    next_step = models.CharField(max_length=300, blank=True)
    status = models.CharField(
        max_length=20, choices=DealStatus.choices, default=DealStatus.ACTIVE, db_index=True
    )
    status_reason = models.CharField(max_length=500, blank=True)
    # The accepted offer it came from: at most one deal per offer (accepting twice is one deal).
    offer = models.OneToOneField(
        Offer, null=True, blank=True, on_delete=models.SET_NULL, related_name="deal"
    )
    # The case its promises (commitments) hang on, opened with the first promise.
    case = models.ForeignKey(
        "conversations.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(TimeStampedModel.Meta):
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self) -> str:
        return self.title
