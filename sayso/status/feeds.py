"""The status page as an Atom 1.0 feed: every incident update and post-mortem, newest first."""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse

from sayso.core.feeds import FEED_ITEMS, AtomFeed, Entry, tag
from sayso.core.models import Organization
from sayso.status.models import Incident, IncidentStatus, IncidentUpdate


class StatusFeed(AtomFeed):
    name = "status"

    def title(self, obj: Organization) -> str:
        return f"{obj.name}: status"

    def subtitle(self, obj: Organization) -> str:
        return f"Incidents at {obj.name}: what is wrong, what we are doing, and what we learnt."

    def link(self, obj: Organization) -> str:
        return reverse("status", kwargs={"org": obj.slug})

    def items(self, obj: Organization) -> list[Entry]:
        def entry(incident: Incident, key: str, title: str, html: str, at: datetime) -> Entry:
            return Entry(
                guid=tag(obj.slug, "incident", key),
                title=title,
                html=html,
                link=reverse("incident", kwargs={"org": obj.slug, "pk": incident.pk}),
                published=at,
                updated=at,
            )

        updates = (
            IncidentUpdate.objects.filter(organization=obj)
            .select_related("incident")
            .order_by("-created_at", "-id")[:FEED_ITEMS]
        )
        entries = [
            entry(
                u.incident,
                f"update:{u.pk}",
                f"{IncidentStatus(u.status).label}: {u.incident.title}",
                u.body_html,
                u.created_at,
            )
            for u in updates
        ]
        postmortems = Incident.objects.filter(
            organization=obj, postmortem_published_at__isnull=False
        ).order_by("-postmortem_published_at")[:FEED_ITEMS]
        entries += [
            entry(i, f"postmortem:{i.pk}", f"Post-mortem: {i.title}", i.postmortem_html, at)
            for i in postmortems
            if (at := i.postmortem_published_at) is not None
        ]
        return sorted(entries, key=lambda e: e.published, reverse=True)[:FEED_ITEMS]
