"""The one customer record: customers, their identities, merges, and the timeline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from sayso.core.models import Organization, TimeStampedModel
from sayso.customers.public_names import PUBLIC_NAME_MAX, pseudonym


class Customer(TimeStampedModel):
    """A person or company the organization has a relationship with, across all channels."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="customers"
    )
    # What the staff know the customer by: may be an address, a phone number or a handle.
    display_name = models.CharField(max_length=200)
    # The only name shown in public (community pages, feeds, the public side of the API):
    # chosen by the customer, or derived from a person's name, or a pseudonym; never an
    # address (``customers.public_names``). A customer created without one gets a pseudonym.
    public_name = models.CharField(max_length=PUBLIC_NAME_MAX, default=pseudonym)
    # When the customer chose it themselves (in the portal); None while it was derived.
    public_name_chosen_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)
    # First heard of through listening (a post, a feed entry, the widget): not yet a customer
    # the organization has served. Cleared when staff say otherwise.
    is_prospect = models.BooleanField(default=False)
    # Set when the customer's personal data was erased (sayso/privacy): the row stays, nameless,
    # so that what others built on it (votes, public posts kept by policy) keeps its counts.
    erased_at = models.DateTimeField(null=True, blank=True)
    # Set while this customer is merged into another; cleared by unmerge.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )

    class Meta(TimeStampedModel.Meta):
        indexes = [models.Index(fields=["organization", "display_name"])]

    def __str__(self) -> str:
        return self.display_name

    @property
    def is_active(self) -> bool:
        return self.merged_into_id is None


class IdentityKind(models.TextChoices):
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    MASTODON = "mastodon", "Mastodon"
    BLUESKY = "bluesky", "Bluesky"
    URL = "url", "Blog or website"
    OTHER = "other", "Other"
    # An address someone typed (into the widget) and has not proved they hold: never matched
    # with an email identity, never spoken for by anyone but the unverified contact holding it
    # (``customers.services.identity_claim_send`` / ``identity_claim_confirm``).
    EMAIL_CLAIMED = "email_claimed", "Email (unverified)"


class Identity(TimeStampedModel):
    """One way to reach or recognise a customer: an email, a handle, a blog URL, …

    ``value`` is normalized (see ``customers.identities``) so that the same address written
    two ways is recognised as one.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="identities"
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=20, choices=IdentityKind.choices)
    value = models.CharField(max_length=320)
    label = models.CharField(max_length=200, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta(TimeStampedModel.Meta):
        verbose_name_plural = "identities"
        # No uniqueness per customer: a merge moves every identity as it is (so that unmerge
        # restores it exactly), and the same value may then appear twice on one customer.
        indexes = [
            models.Index(fields=["organization", "kind", "value"]),
            models.Index(fields=["customer", "kind"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class IdentityClaim(TimeStampedModel):
    """A confirmation link sent to an address that someone typed (only its digest is stored).

    ``contact`` is the unverified contact whose messages were sent with the address; using the
    link proves the address, and the contact is merged into the customer who holds it (or
    becomes that customer). ``merge`` is that merge, so that staff can undo it.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="identity_claims"
    )
    contact = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="claims")
    value = models.CharField(max_length=320)
    digest = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    confirmed_as = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    merge = models.ForeignKey(
        "CustomerMerge", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(TimeStampedModel.Meta):
        indexes = [models.Index(fields=["contact", "expires_at"])]

    def __str__(self) -> str:
        return f"claim of {self.value}"


class CustomerMerge(TimeStampedModel):
    """A merge of ``source`` into ``target``; ``moved`` lists every row moved, for unmerge."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="merges")
    source = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="merges_as_source")
    target = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="merges_as_target")
    moved = models.JSONField(default=dict)
    source_snapshot = models.JSONField(default=dict)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(TimeStampedModel.Meta):
        pass

    def __str__(self) -> str:
        return f"merge {self.source_id} → {self.target_id}"


class TimelineKind(models.TextChoices):
    MESSAGE = "message", "Message"
    CASE_OPENED = "case_opened", "Case opened"
    CASE_STATUS = "case_status", "Case status changed"
    CASE_PRIORITY = "case_priority", "Case priority changed"
    HANDOFF = "handoff", "Hand-off"
    COMMITMENT_MADE = "commitment_made", "Commitment made"
    COMMITMENT_KEPT = "commitment_kept", "Commitment kept"
    COMMITMENT_BREACHED = "commitment_breached", "Commitment breached"
    COMMITMENT_CANCELLED = "commitment_cancelled", "Commitment cancelled"
    MERGE = "merge", "Customers merged"
    UNMERGE = "unmerge", "Merge undone"
    IDENTITY_ADDED = "identity_added", "Identity added"
    INCIDENT_LINKED = "incident_linked", "Linked to a status incident"
    CONSENT_CHANGED = "consent_changed", "Consent changed"
    OUTREACH_SENT = "outreach_sent", "Contacted by the organization"
    OUTREACH_BLOCKED = "outreach_blocked", "Contact attempt blocked"
    INTENT_PUBLISHED = "intent_published", "Intent published"
    INTENT_CLOSED = "intent_closed", "Intent closed"
    OFFER_RECEIVED = "offer_received", "Offer received"
    OFFER_ACCEPTED = "offer_accepted", "Offer accepted"
    OFFER_DECLINED = "offer_declined", "Offer declined"
    DEAL_OPENED = "deal_opened", "Deal opened"
    DEAL_STAGE = "deal_stage", "Deal stage changed"
    DEAL_PAUSED = "deal_paused", "Deal paused"
    DEAL_RESUMED = "deal_resumed", "Deal resumed"
    DEAL_WITHDRAWN = "deal_withdrawn", "Deal withdrawn"
    DATA_EXPORTED = "data_exported", "Data exported"
    ERASURE_REQUESTED = "erasure_requested", "Erasure requested"
    ERASURE_CANCELLED = "erasure_cancelled", "Erasure cancelled"


class TimelineEvent(models.Model):
    """One entry in a customer's single timeline, written only by ``timeline_record``."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="timeline_events"
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="timeline")
    kind = models.CharField(max_length=40, choices=TimelineKind.choices)
    occurred_at = models.DateTimeField(default=timezone.now)
    summary = models.CharField(max_length=500)
    # Whether the customer may see this entry (internal notes and hand-offs are staff-only).
    customer_visible = models.BooleanField(default=False)
    case = models.ForeignKey(
        "conversations.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    message = models.ForeignKey(
        "conversations.Message", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    commitment = models.ForeignKey(
        "conversations.Commitment",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(max_length=20, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["customer", "occurred_at", "id"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.summary}"
