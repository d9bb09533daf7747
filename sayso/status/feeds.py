"""The status page as an Atom 1.0 feed: every incident update and post-mortem, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse

from sayso.core.models import Organization
from sayso.notifications.feeds import OrganizationFeed
from sayso.status.models import Incident, IncidentStatus, IncidentUpdate

FEED_SIZE = 50


@dataclass(frozen=True)
class Entry:
    key: str
    incident: Incident
    title: str
    html: str
    at: datetime


class StatusFeed(OrganizationFeed):
    name = "status"

    def title(self, obj: Organization) -> str:
        return f"{obj.name}: status"

    def subtitle(self, obj: Organization) -> str:
        return f"Incidents at {obj.name}: what is wrong, what we are doing, and what we learnt."

    def link(self, obj: Organization) -> str:
        return reverse("status", kwargs={"org": obj.slug})

    def items(self, obj: Organization) -> list[Entry]:
        updates = (
            IncidentUpdate.objects.filter(organization=obj)
            .select_related("incident", "incident__organization")
            .order_by("-created_at", "-id")[:FEED_SIZE]
        )
        entries = [
            Entry(
                key=f"update:{u.pk}",
                incident=u.incident,
                title=f"{IncidentStatus(u.status).label}: {u.incident.title}",
                html=u.body_html,
                at=u.created_at,
            )
            for u in updates
        ]
        postmortems = (
            Incident.objects.filter(organization=obj, postmortem_published_at__isnull=False)
            .select_related("organization")
            .order_by("-postmortem_published_at")[:FEED_SIZE]
        )
        entries += [
            Entry(
                key=f"postmortem:{i.pk}",
                incident=i,
                title=f"Post-mortem: {i.title}",
                html=i.postmortem_html,
                at=i.postmortem_published_at,
            )
            for i in postmortems
            if i.postmortem_published_at is not None
        ]
        return sorted(entries, key=lambda e: e.at, reverse=True)[:FEED_SIZE]

    def item_title(self, item: Entry) -> str:
        return item.title

    def item_description(self, item: Entry) -> str:
        return item.html

    def item_link(self, item: Entry) -> str:
        return reverse(
            "incident", kwargs={"org": item.incident.organization.slug, "pk": item.incident.pk}
        )

    def item_guid(self, item: Entry) -> str:
        return f"tag:sayso,2024:{item.incident.organization.slug}:incident:{item.key}"

    def item_pubdate(self, item: Entry) -> datetime:
        return item.at

    def item_updateddate(self, item: Entry) -> datetime:
        return item.at
