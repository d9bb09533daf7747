"""Scheduled maintenance (announced, started and completed on schedule or by hand, what it does
to its components, bad input), component groups, and the 90-day uptime bars drawn from each
component's status history."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sayso.community.models import Notice
from sayso.status import maintenance, services, uptime
from sayso.status.models import (
    Component,
    ComponentStatusChange,
    Maintenance,
    MaintenanceUpdate,
)
from tests.community.test_idea_pages import _staff_client

pytestmark = pytest.mark.django_db


def url(name: str, org: Any, **kwargs: Any) -> str:
    return reverse(name, kwargs={"org": org.slug, **kwargs})


def _schedule(org: Any, agent: Any, start: timedelta, hours: int = 1, **kw: Any) -> Maintenance:
    now = timezone.now()
    found, _ = maintenance.maintenance_schedule(
        organization=org,
        title=kw.pop("title", "Database upgrade"),
        body="Bookings are read-only meanwhile.",
        scheduled_for=now + start,
        scheduled_until=now + start + timedelta(hours=hours),
        actor=agent,
        **kw,
    )
    return found


def test_maintenance_starts_and_completes_on_schedule_and_puts_components_under_maintenance(
    org: Any, agent: Any
) -> None:
    api = services.component_create(organization=org, name="API")
    broken = services.component_create(organization=org, name="Payments")
    services.component_update(component=broken, status="major_outage")
    planned = _schedule(org, agent, timedelta(hours=1), component_ids=[api.pk, broken.pk])
    assert planned.status == "scheduled" and planned.started_at is None
    assert maintenance.maintenances_advance() == 0  # not begun yet
    later = timezone.now() + timedelta(hours=1, minutes=1)
    assert maintenance.maintenances_advance(now=later) == 1
    planned.refresh_from_db()
    assert planned.status == "in_progress" and planned.started_at is not None
    assert Component.objects.get(pk=api.pk).status == "maintenance"
    # a component already in an outage keeps telling the worse truth
    assert Component.objects.get(pk=broken.pk).status == "major_outage"
    assert maintenance.maintenances_advance(now=later) == 0  # nothing more to do yet
    over = timezone.now() + timedelta(hours=2, minutes=1)
    assert maintenance.maintenances_advance(now=over) == 1
    planned.refresh_from_db()
    assert planned.status == "completed" and planned.completed_at is not None
    assert Component.objects.get(pk=api.pk).status == "operational"
    statuses = list(planned.updates.order_by("created_at", "id").values_list("status", flat=True))
    assert statuses == ["scheduled", "in_progress", "completed"]
    history = list(
        ComponentStatusChange.objects.filter(component=api).values_list("status", flat=True)
    )
    assert history == ["operational", "maintenance", "operational"]


def test_staff_move_maintenance_on_by_hand_and_retries_do_not_double(org: Any, agent: Any) -> None:
    planned = _schedule(org, agent, timedelta(days=1))
    again = _schedule(org, agent, timedelta(days=1))
    assert again.pk == planned.pk or Maintenance.objects.filter(organization=org).count() == 2
    _, created = maintenance.maintenance_update_post(
        maintenance=planned, status="in_progress", body="Started early.", actor=agent
    )
    _, repeated = maintenance.maintenance_update_post(
        maintenance=planned, status="in_progress", body="Started early.", actor=agent
    )
    assert created and not repeated
    maintenance.maintenance_update_post(
        maintenance=planned, status="completed", body="Done.", actor=agent
    )
    with pytest.raises(ValidationError):
        maintenance.maintenance_update_post(
            maintenance=planned, status="verifying", body="More", actor=agent
        )
    assert MaintenanceUpdate.objects.filter(maintenance=planned).count() == 3


def test_followers_of_the_status_page_hear_of_planned_maintenance(org: Any, agent: Any) -> None:
    from sayso.community import following
    from tests import factories

    customer = factories.make_customer(org, "Dana West", email="dana@example.com")
    following.follow_add(customer=customer, subject=services.STATUS)
    _schedule(org, agent, timedelta(days=3))
    notices = Notice.objects.filter(customer=customer)
    assert any("Scheduled maintenance" in n.title for n in notices)


@pytest.mark.parametrize(
    ("start", "hours", "field"),
    [
        (timedelta(hours=-3), 1, "scheduled_until"),  # already over
        (timedelta(days=1), 0, "scheduled_until"),  # ends when it starts
        (timedelta(days=1), 24 * 15, "scheduled_until"),  # longer than two weeks
        (timedelta(days=400), 1, "scheduled_for"),  # more than a year ahead
    ],
)
def test_a_window_that_makes_no_sense_is_refused_with_the_field(
    org: Any, agent: Any, start: timedelta, hours: int, field: str
) -> None:
    with pytest.raises(ValidationError) as error:
        _schedule(org, agent, start, hours=hours)
    assert field in error.value.message_dict
    assert not Maintenance.objects.exists()


def test_staff_announce_maintenance_on_the_page_and_anyone_reads_it(
    org: Any, agent: Any, manager: Any
) -> None:
    component = services.component_create(organization=org, name="API")
    staff = _staff_client(agent)
    start = timezone.localtime() + timedelta(days=1)
    response = staff.post(
        url("maintenance-schedule", org),
        {
            "title": "Network upgrade",
            "body": "Short interruptions.",
            "scheduled_for": start.strftime("%Y-%m-%dT%H:%M"),
            "scheduled_until": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "components": [str(component.pk)],
        },
    )
    found = Maintenance.objects.get(organization=org)
    assert response.status_code == 302 and response["Location"].endswith(f"/{found.pk}/")
    page = Client().get(url("status", org))
    assert 'data-testid="upcoming-maintenance"' in page.text and "Network upgrade" in page.text
    detail = Client().get(url("maintenance", org, pk=found.pk))
    assert detail.status_code == 200 and "Short interruptions." in detail.text
    assert 'data-testid="maintenance-update-form"' not in detail.text
    assert 'data-testid="maintenance-update-form"' in staff.get(detail.request["PATH_INFO"]).text
    bad = staff.post(
        url("maintenance-schedule", org),
        {"title": "x", "body": "y", "scheduled_for": "tomorrow", "scheduled_until": ""},
    )
    assert bad.status_code == 302 and Maintenance.objects.count() == 1
    assert Client().post(url("maintenance-schedule", org), {"title": "x"}).status_code in (
        302,
        403,
    )
    assert Maintenance.objects.count() == 1


def test_groups_gather_components_on_the_page(org: Any, manager: Any) -> None:
    boss = _staff_client(manager)
    boss.post(url("component-group-create", org), {"name": "Europe"})
    group = services.component_group_create(organization=org, name="Americas")
    component = services.component_create(organization=org, name="Denver depot")
    services.component_create(organization=org, name="API")
    boss.post(url("component-change", org, pk=component.pk), {"action": "group", "group": group.pk})
    assert Component.objects.get(pk=component.pk).group_id == group.pk
    page = Client().get(url("status", org)).text
    assert f'data-testid="component-section-{group.pk}"' in page and "Americas" in page
    assert "Europe" not in page  # an empty group is not shown
    boss.post(url("component-group-delete", org, pk=group.pk))
    assert Component.objects.get(pk=component.pk).group_id is None
    with pytest.raises(ValidationError):
        services.component_update(component=component, group_id=999_999)


def test_uptime_bars_weigh_outages_as_statuspage_does(org: Any) -> None:
    component = services.component_create(organization=org, name="API")
    now = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    ComponentStatusChange.objects.filter(component=component).update(
        changed_at=now - timedelta(days=10)
    )
    Component.objects.filter(pk=component.pk).update(created_at=now - timedelta(days=10))
    component.refresh_from_db()

    def change(status: str, at: Any) -> None:
        ComponentStatusChange.objects.create(
            organization=org, component=component, status=status, changed_at=at
        )

    outage_day = now - timedelta(days=3)
    change("major_outage", outage_day)
    change("operational", outage_day + timedelta(hours=1))
    change("partial_outage", outage_day + timedelta(hours=2))
    change("operational", outage_day + timedelta(hours=4))
    change("degraded", now - timedelta(days=1))
    change("operational", now - timedelta(days=1) + timedelta(hours=3))
    (bars,) = uptime.uptime([component], now=now)
    assert len(bars.days) == uptime.DAYS
    assert all(day.worst is None for day in bars.days[:-11])  # before it existed
    by_day = {day.day: day for day in bars.days}
    worst = by_day[timezone.localdate(outage_day)]
    assert worst.worst == "major_outage"
    assert worst.downtime == pytest.approx(3600 + 0.3 * 7200)
    assert "major outage 1 h" in worst.label and "partial outage 2 h" in worst.label
    assert by_day[timezone.localdate(now - timedelta(days=1))].worst == "degraded"
    observed = 10 * 86400
    assert bars.percent == pytest.approx(100 * (1 - (3600 + 0.3 * 7200) / observed), rel=1e-3)


def test_the_page_draws_ninety_days_per_component(org: Any) -> None:
    component = services.component_create(organization=org, name="API")
    services.component_update(component=component, status="partial_outage")
    page = Client().get(url("status", org)).text
    section = page[page.index(f'data-testid="component-{component.pk}"') :]
    bars = section[: section.index("</ol>")]
    assert bars.count('class="uptime-day') == uptime.DAYS
    assert "uptime-partial_outage" in bars and "uptime-none" in bars
    assert f'data-testid="uptime-{component.pk}"' in page
