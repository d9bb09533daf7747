"""Following by email: follows, a customer's following settings, and the notices events leave."""

from __future__ import annotations

from django.db import models

from sayso.core.models import Organization, TimeStampedModel
from sayso.customers.models import Customer


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", "Each update by email"
    DAILY = "daily", "A daily digest"


class Follow(TimeStampedModel):
    """A customer following something public by email.

    ``subject`` names what is followed: ``idea:<id>``, ``category:<id>``, ``ideas`` (every new
    idea). Feeds need no follow: anyone can subscribe to the Atom feed of the same subject.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="follows")
    subject = models.CharField(max_length=64)
    delivery = models.CharField(max_length=20, choices=Delivery.choices, default=Delivery.IMMEDIATE)

    class Meta(TimeStampedModel.Meta):
        constraints = [models.UniqueConstraint(fields=["customer", "subject"], name="follow_once")]
        indexes = [models.Index(fields=["organization", "subject"])]


class FollowSettings(TimeStampedModel):
    """A customer's choices for following: whether voting and commenting follow an idea, and
    how updates arrive."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, related_name="follow_settings"
    )
    follow_on_participation = models.BooleanField(default=True)
    delivery = models.CharField(max_length=20, choices=Delivery.choices, default=Delivery.IMMEDIATE)
    last_digest_at = models.DateTimeField(null=True, blank=True)
    # "Stop every email" from an unsubscribe link: no update email of any kind from then on,
    # until the customer follows something again.
    emails_stopped_at = models.DateTimeField(null=True, blank=True)


class Notice(TimeStampedModel):
    """One update for one follower, emailed at once or in the next daily digest.

    ``event`` identifies what happened ("status:41", "comment:812"); a follower gets each
    event once, however many of their follows it matches and however often it is announced.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="notices")
    follow = models.ForeignKey(
        Follow, null=True, blank=True, on_delete=models.SET_NULL, related_name="notices"
    )
    event = models.CharField(max_length=64)
    delivery = models.CharField(max_length=20, choices=Delivery.choices)
    title = models.CharField(max_length=300)
    text = models.TextField()
    url = models.CharField(max_length=500)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Why it was not sent: no email address, unsubscribed before it went out.
    skipped = models.CharField(max_length=100, blank=True)

    class Meta(TimeStampedModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["customer", "event"], name="notice_once_per_event")
        ]
        indexes = [models.Index(fields=["delivery", "sent_at", "customer"])]
