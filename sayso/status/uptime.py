"""Uptime per component, drawn as the status page's 90-day bars, from each component's status
history (``ComponentStatusChange``).

Each day (in the installation's time zone) gets the worst status the component was in during it
and the time spent in each. Uptime counts time observed, from the component's creation on, and
weighs the statuses as Atlassian Statuspage does: a major outage is all downtime, a partial
outage 30 % of it; degraded performance and maintenance are not downtime.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from sayso.status.models import (
    COMPONENT_SEVERITY,
    Component,
    ComponentStatus,
    ComponentStatusChange,
)

DAYS = 90
DOWNTIME_WEIGHT = {ComponentStatus.MAJOR_OUTAGE: 1.0, ComponentStatus.PARTIAL_OUTAGE: 0.3}


@dataclass
class UptimeDay:
    day: date
    seconds: dict[str, float] = field(default_factory=dict)  # status → time in it
    downtime: float = 0.0  # weighted seconds

    @property
    def observed(self) -> float:
        return sum(self.seconds.values())

    @property
    def worst(self) -> str | None:
        """The worst status of the day, or None before the component existed."""
        if not self.seconds:
            return None
        return max(self.seconds, key=lambda s: COMPONENT_SEVERITY[ComponentStatus(s)])

    @property
    def label(self) -> str:
        when = self.day.strftime("%-d %b %Y")
        if not self.seconds:
            return f"{when}: no data"
        troubles = [
            f"{ComponentStatus(s).label.lower()} {_duration(t)}"
            for s, t in sorted(
                self.seconds.items(), key=lambda p: -COMPONENT_SEVERITY[ComponentStatus(p[0])]
            )
            if s != ComponentStatus.OPERATIONAL and t >= 60
        ]
        return f"{when}: " + (", ".join(troubles) if troubles else "no downtime")


@dataclass
class ComponentUptime:
    component: Component
    days: list[UptimeDay]

    @property
    def percent(self) -> float | None:
        """Uptime over the days shown, in percent (None when nothing was observed)."""
        observed = sum(d.observed for d in self.days)
        if observed <= 0:
            return None
        return 100.0 * (1.0 - sum(d.downtime for d in self.days) / observed)


def _duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def uptime(
    components: Iterable[Component], *, days: int = DAYS, now: datetime | None = None
) -> list[ComponentUptime]:
    """The last ``days`` days (today included) of each component, oldest first."""
    items = list(components)
    now = now or timezone.now()
    today = timezone.localdate(now)
    first_day = today - timedelta(days=days - 1)
    start = _day_start(first_day)
    ids = [c.pk for c in items]
    # The status each component was in when the window opened, then every change within it.
    latest = (
        ComponentStatusChange.objects.filter(component_id=OuterRef("pk"), changed_at__lt=start)
        .order_by("-changed_at", "-id")
        .values("status")[:1]
    )
    opening = dict(
        Component.objects.filter(pk__in=ids)
        .annotate(opening=Subquery(latest))
        .values_list("pk", "opening")
    )
    changes: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    for pk, status in opening.items():
        if status:
            changes[pk].append((start, status))
    rows = ComponentStatusChange.objects.filter(
        component_id__in=ids, changed_at__gte=start, changed_at__lte=now
    ).order_by("changed_at", "id")
    for pk, at, status in rows.values_list("component_id", "changed_at", "status"):
        changes[pk].append((at, status))
    result = []
    for component in items:
        spans = changes.get(component.pk, [])
        if not spans:  # no history at all: what it is now, since it was created
            spans = [(max(component.created_at, start), component.status)]
        result.append(ComponentUptime(component, _days(spans, first_day, days, now)))
    return result


def _days(
    spans: list[tuple[datetime, str]], first_day: date, count: int, now: datetime
) -> list[UptimeDay]:
    out = [UptimeDay(first_day + timedelta(days=i)) for i in range(count)]
    bounds = [*(at for at, _ in spans[1:]), now]
    for (begin, status), end in zip(spans, bounds, strict=True):
        cursor = begin
        while cursor < end:
            index = (timezone.localdate(cursor) - first_day).days
            next_day = _day_start(timezone.localdate(cursor) + timedelta(days=1))
            stop = min(end, next_day)
            if 0 <= index < count:
                seconds = (stop - cursor).total_seconds()
                day = out[index]
                day.seconds[status] = day.seconds.get(status, 0.0) + seconds
                day.downtime += seconds * DOWNTIME_WEIGHT.get(ComponentStatus(status), 0.0)
            cursor = stop
    return out
