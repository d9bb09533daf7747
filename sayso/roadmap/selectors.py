"""Reads of the roadmap and the changelog."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from sayso.community.models import Idea
from sayso.core.models import Organization
from sayso.roadmap.models import ChangelogEntry, Horizon, RoadmapItem


def _public_ideas() -> Any:
    return Prefetch(
        "ideas",
        queryset=Idea.objects.filter(merged_into__isnull=True, hidden_at__isnull=True).order_by(
            "number"
        ),
    )


def roadmap(*, organization: Organization) -> list[tuple[str, str, list[RoadmapItem]]]:
    """(horizon, label, items) for now, next and later; shipped items have left it."""
    items = list(
        RoadmapItem.objects.filter(organization=organization, shipped_at__isnull=True)
        .prefetch_related(_public_ideas())
        .order_by("position", "id")
    )
    return [
        (value, label, [item for item in items if item.horizon == value])
        for value, label in Horizon.choices
    ]


def roadmap_item_get(*, organization: Organization, pk: int) -> RoadmapItem | None:
    return (
        RoadmapItem.objects.filter(organization=organization, pk=pk)
        .prefetch_related(_public_ideas())
        .first()
    )


def changelog(*, organization: Organization) -> QuerySet[ChangelogEntry]:
    """Published entries, newest first."""
    return (
        ChangelogEntry.objects.filter(organization=organization, published_at__isnull=False)
        .prefetch_related(_public_ideas(), "roadmap_items")
        .order_by("-published_at", "-id")
    )


def changelog_drafts(*, organization: Organization) -> QuerySet[ChangelogEntry]:
    return ChangelogEntry.objects.filter(
        organization=organization, published_at__isnull=True
    ).order_by("-created_at")


def changelog_entry_get(
    *, organization: Organization, pk: int, drafts: bool = False
) -> ChangelogEntry | None:
    entries = ChangelogEntry.objects.filter(organization=organization, pk=pk)
    if not drafts:
        entries = entries.filter(published_at__isnull=False)
    return entries.prefetch_related(_public_ideas(), "roadmap_items").first()


def roadmap_items_of_idea(*, idea: Idea) -> list[RoadmapItem]:
    return list(idea.roadmap_items.filter(shipped_at__isnull=True).order_by("horizon", "id"))


def changelog_entries_of_idea(*, idea: Idea) -> list[ChangelogEntry]:
    return list(idea.changelog_entries.filter(published_at__isnull=False).order_by("-published_at"))
