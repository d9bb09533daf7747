"""Writes of the roadmap and the changelog. Publishing a changelog entry closes the loop: the
ideas it ships become shipped (with the entry as the public reason), its roadmap items leave
the roadmap, and everyone who voted on or follows those ideas — and the changelog's followers —
is told once ("you said, we did")."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from sayso.community import following
from sayso.community.following import Event, announce
from sayso.community.ideas import idea_status_change
from sayso.community.models import Idea, IdeaStatus, Vote
from sayso.core.markup import plain_text
from sayso.core.models import Organization
from sayso.core.text_input import clean_text
from sayso.roadmap.models import BODY_MAX, TITLE_MAX, ChangelogEntry, Horizon, RoadmapItem

CHANGELOG = "changelog"  # the follow subject of the whole changelog
ROADMAP = "roadmap"  # the follow subject of the whole roadmap


def roadmap_item_subject(item: RoadmapItem | int) -> str:
    return f"roadmap-item:{item if isinstance(item, int) else item.pk}"


def _ideas(organization: Organization, numbers: Iterable[int]) -> list[Idea]:
    wanted = sorted({int(n) for n in numbers})
    ideas = list(Idea.objects.filter(organization=organization, number__in=wanted))
    missing = sorted(set(wanted) - {idea.number for idea in ideas})
    if missing:
        raise ValidationError(
            {"ideas": "No idea " + ", ".join(f"#{n}" for n in missing) + " in this organization."}
        )
    merged = [idea for idea in ideas if idea.merged_into_id is not None]
    if merged:
        raise ValidationError(
            {"ideas": f"Idea #{merged[0].number} was merged; link the idea it was merged into."}
        )
    return ideas


# --- roadmap ---------------------------------------------------------------------------------


@transaction.atomic
def roadmap_item_create(
    *,
    organization: Organization,
    title: str,
    body: str = "",
    horizon: str = Horizon.NEXT,
    idea_numbers: Iterable[int] = (),
    actor: Any = None,
) -> RoadmapItem:
    if horizon not in Horizon.values:
        raise ValidationError({"horizon": "Choose now, next or later."})
    ideas = _ideas(organization, idea_numbers)
    position = (
        RoadmapItem.objects.filter(organization=organization, horizon=horizon).aggregate(
            p=Max("position")
        )["p"]
        or 0
    ) + 1
    item = RoadmapItem.objects.create(
        organization=organization,
        title=clean_text(title, field="title", maximum=TITLE_MAX, required=True),
        body=clean_text(body, field="body", maximum=BODY_MAX, required=False),
        horizon=horizon,
        position=position,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    item.ideas.set(ideas)
    announce(
        organization=organization,
        subjects=[ROADMAP],
        event=Event(
            key=f"roadmap-new:{item.pk}",
            title=f"New on the roadmap ({Horizon(horizon).label.lower()}): {item.title}",
            text=plain_text(item.body, limit=1000),
            url=reverse("roadmap-item", kwargs={"org": organization.slug, "pk": item.pk}),
        ),
    )
    return item


@transaction.atomic
def roadmap_item_update(
    *,
    item: RoadmapItem,
    title: str | None = None,
    body: str | None = None,
    horizon: str | None = None,
    idea_numbers: Iterable[int] | None = None,
) -> RoadmapItem:
    item = RoadmapItem.objects.select_for_update().get(pk=item.pk)
    if title is not None:
        item.title = clean_text(title, field="title", maximum=TITLE_MAX, required=True)
    if body is not None:
        item.body = clean_text(body, field="body", maximum=BODY_MAX, required=False)
    moved = horizon is not None and horizon != item.horizon
    if horizon is not None:
        if horizon not in Horizon.values:
            raise ValidationError({"horizon": "Choose now, next or later."})
        item.horizon = horizon
    item.save()
    if idea_numbers is not None:
        item.ideas.set(_ideas(item.organization, idea_numbers))
    if moved:
        label = Horizon(item.horizon).label
        announce(
            organization=item.organization,
            subjects=[ROADMAP, roadmap_item_subject(item)],
            event=Event(
                key=f"roadmap-move:{item.pk}:{item.horizon}:{timezone.now().timestamp():.0f}",
                title=f"On the roadmap, now “{label}”: {item.title}",
                text=f"{item.title} moved to {label.lower()} on the roadmap.",
                url=reverse("roadmap-item", kwargs={"org": item.organization.slug, "pk": item.pk}),
            ),
        )
    return item


@transaction.atomic
def roadmap_item_delete(*, item: RoadmapItem) -> None:
    item.delete()


# --- changelog -------------------------------------------------------------------------------


@transaction.atomic
def changelog_entry_create(
    *,
    organization: Organization,
    title: str,
    body: str = "",
    idea_numbers: Iterable[int] = (),
    roadmap_item_ids: Iterable[int] = (),
    actor: Any = None,
) -> ChangelogEntry:
    """A draft entry: nothing is public or sent until ``changelog_entry_publish``."""
    ideas = _ideas(organization, idea_numbers)
    wanted = sorted({int(pk) for pk in roadmap_item_ids})
    items = list(RoadmapItem.objects.filter(organization=organization, pk__in=wanted))
    if len(items) != len(wanted):
        raise ValidationError({"roadmap_items": "A roadmap item is not in this organization."})
    entry = ChangelogEntry.objects.create(
        organization=organization,
        title=clean_text(title, field="title", maximum=TITLE_MAX, required=True),
        body=clean_text(body, field="body", maximum=BODY_MAX, required=False),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    entry.ideas.set(ideas)
    entry.roadmap_items.set(items)
    return entry


@transaction.atomic
def changelog_entry_publish(*, entry: ChangelogEntry, actor: Any) -> ChangelogEntry:
    """Publish (once: publishing again changes nothing). The linked ideas — and those of the
    linked roadmap items — become shipped, the roadmap items leave the roadmap, and every
    voter and follower of those ideas and every follower of the changelog hears of it once."""
    entry = ChangelogEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.published_at is not None:
        return entry
    now = timezone.now()
    entry.published_at = now
    entry.save(update_fields=["published_at", "updated_at"])
    items = list(entry.roadmap_items.all())
    ideas = {idea.pk: idea for idea in entry.ideas.all()}
    for item in items:
        ideas.update({idea.pk: idea for idea in item.ideas.all()})
    RoadmapItem.objects.filter(pk__in=[i.pk for i in items]).update(shipped_at=now)
    path = reverse("changelog-entry", kwargs={"org": entry.organization.slug, "pk": entry.pk})
    reason = f"Shipped: {entry.title}"
    for idea in ideas.values():
        if idea.merged_into_id is None and idea.status != IdeaStatus.SHIPPED:
            idea_status_change(
                idea=idea, status=IdeaStatus.SHIPPED, reason=reason, actor=actor, notify=False
            )
    voters = Vote.objects.filter(idea_id__in=list(ideas)).values_list("customer_id", flat=True)
    numbers = ", ".join(
        f"#{idea.number}" for idea in sorted(ideas.values(), key=lambda i: i.number)
    )
    announce(
        organization=entry.organization,
        subjects=[
            CHANGELOG,
            *(following.idea_subject(pk) for pk in ideas),
            *(roadmap_item_subject(item) for item in items),
        ],
        also=list(voters),
        event=Event(
            key=f"changelog:{entry.pk}",
            title=f"You said, we did: {entry.title}",
            text=(f"It ships idea {numbers}, which you voted on or follow.\n\n" if ideas else "")
            + plain_text(entry.body, limit=1500),
            url=path,
        ),
    )
    return entry
