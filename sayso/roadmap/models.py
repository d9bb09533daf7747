"""The public roadmap (now / next / later) and the changelog that closes the loop."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from sayso.community.models import BODY_MAX, TITLE_MAX, Idea
from sayso.core.models import Organization, TimeStampedModel

__all__ = ["BODY_MAX", "TITLE_MAX", "ChangelogEntry", "Horizon", "RoadmapItem"]


class Horizon(models.TextChoices):
    NOW = "now", "Now"
    NEXT = "next", "Next"
    LATER = "later", "Later"


class RoadmapItem(TimeStampedModel):
    """Something the team intends to build, placed on a horizon, answering ideas."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="roadmap_items"
    )
    title = models.CharField(max_length=TITLE_MAX)
    body = models.TextField(blank=True)
    horizon = models.CharField(max_length=10, choices=Horizon.choices, default=Horizon.NEXT)
    position = models.PositiveIntegerField(default=0)
    ideas = models.ManyToManyField(Idea, blank=True, related_name="roadmap_items")
    # Set when a published changelog entry shipped it: it leaves the roadmap for the changelog.
    shipped_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(TimeStampedModel.Meta):
        ordering = ["horizon", "position", "id"]
        indexes = [models.Index(fields=["organization", "shipped_at", "horizon", "position"])]

    def __str__(self) -> str:
        return self.title


class ChangelogEntry(TimeStampedModel):
    """What shipped: a draft until published, then public, with the ideas and roadmap items
    it delivers."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="changelog_entries"
    )
    title = models.CharField(max_length=TITLE_MAX)
    body = models.TextField(blank=True)
    ideas = models.ManyToManyField(Idea, blank=True, related_name="changelog_entries")
    roadmap_items = models.ManyToManyField(
        RoadmapItem, blank=True, related_name="changelog_entries"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(TimeStampedModel.Meta):
        verbose_name_plural = "changelog entries"
        indexes = [models.Index(fields=["organization", "-published_at"])]

    def __str__(self) -> str:
        return self.title
