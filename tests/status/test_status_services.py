"""The status page's writes: components, incidents and their updates, post-mortems, affected
cases; retries that do not double, and bad input refused with a message."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from sayso.community import following
from sayso.community.models import Notice
from sayso.conversations.models import CaseStatus, Direction, Message
from sayso.conversations.selectors import cases_by_numbers
from sayso.core.ids import MAX_ID
from sayso.core.models import AuditEntry
from sayso.status import selectors, services
from sayso.status.models import Component, Incident, IncidentCase, IncidentUpdate
from tests import factories

pytestmark = pytest.mark.django_db


def _components(org: Any, *names: str) -> list[Component]:
    return [services.component_create(organization=org, name=name) for name in names]


def _open(org: Any, agent: Any, title: str = "Bookings fail", **extra: Any) -> Incident:
    incident, created = services.incident_open(
        organization=org, title=title, body="We are looking into it.", actor=agent, **extra
    )
    assert created
    return incident


def _status(component: Component) -> str:
    component.refresh_from_db()
    return component.status


def test_opening_an_incident_degrades_its_components_as_its_impact_says(
    org: Any, agent: Any
) -> None:
    api, app, payments = _components(org, "API", "Mobile app", "Payments")
    incident = _open(org, agent, impact="major", component_ids=[api.pk, app.pk])
    assert (_status(api), _status(app), _status(payments)) == (
        "partial_outage",
        "partial_outage",
        "operational",
    )
    assert incident.status == "investigating" and incident.resolved_at is None
    assert [u.body for u in incident.updates.all()] == ["We are looking into it."]
    assert selectors.status_page(organization=org).overall == "partial_outage"
    explicit = _open(
        org, agent, "Payments slow", component_ids=[payments.pk], component_status="degraded"
    )
    assert explicit.impact == "minor" and _status(payments) == "degraded"
    assert AuditEntry.objects.filter(action="status.incident_open").count() == 2


def test_opening_the_same_incident_twice_returns_the_first(org: Any, agent: Any) -> None:
    first = _open(org, agent)
    again, created = services.incident_open(
        organization=org, title="Bookings fail", body="Double click", actor=agent
    )
    assert not created and again.pk == first.pk
    assert Incident.objects.count() == 1 and IncidentUpdate.objects.count() == 1


def test_updates_resolve_and_reopen_and_a_retry_posts_once(org: Any, agent: Any) -> None:
    (api,) = _components(org, "API")
    incident = _open(org, agent, impact="critical", component_ids=[api.pk])
    assert _status(api) == "major_outage"
    fix_by = timezone.now() + timedelta(hours=2)
    update, created = services.incident_update_post(
        incident=incident,
        status="identified",
        body="A bad deploy.",
        expected_fix_at=fix_by,
        actor=agent,
    )
    again, created_again = services.incident_update_post(
        incident=incident, status="identified", body="A bad deploy.", actor=agent
    )
    assert created and not created_again and again.pk == update.pk
    incident.refresh_from_db()
    assert incident.status == "identified" and incident.expected_fix_at == fix_by
    services.incident_update_post(incident=incident, status="resolved", body="Fixed.", actor=agent)
    incident.refresh_from_db()
    assert incident.resolved_at is not None and incident.expected_fix_at is None
    assert _status(api) == "operational"
    services.incident_update_post(
        incident=incident, status="investigating", body="It is back.", actor=agent
    )
    incident.refresh_from_db()
    assert incident.resolved_at is None and _status(api) == "major_outage"
    assert incident.updates.count() == 4


def test_resolving_leaves_components_another_incident_still_holds(org: Any, agent: Any) -> None:
    api, app = _components(org, "API", "Mobile app")
    first = _open(org, agent, "API errors", component_ids=[api.pk, app.pk])
    _open(org, agent, "App login fails", impact="major", component_ids=[app.pk])
    services.incident_update_post(incident=first, status="resolved", body="Done.", actor=agent)
    assert (_status(api), _status(app)) == ("operational", "partial_outage")


def test_followers_are_told_of_the_opening_every_update_and_the_postmortem(
    org: Any, agent: Any, customer: Any, run_on_commit: Any
) -> None:
    following.follow_add(customer=customer, subject=services.STATUS)
    watcher = factories.make_customer(org, "Wes", "wes@example.com")
    with run_on_commit(execute=True):
        incident = _open(org, agent)
    following.follow_add(customer=watcher, subject=services.incident_subject(incident))
    with run_on_commit(execute=True):
        services.incident_update_post(
            incident=incident, status="resolved", body="Fixed.", actor=agent
        )
        services.incident_postmortem_publish(
            incident=incident, body="## Why\n\nA bad deploy.", actor=agent
        )
        services.incident_postmortem_publish(
            incident=incident, body="## Why\n\nA bad deploy, corrected.", actor=agent
        )
    subjects = sorted((m.to[0], m.subject) for m in mail.outbox)
    ada = [s for to, s in subjects if to == "ada@example.com"]
    wes = [s for to, s in subjects if to == "wes@example.com"]
    assert len(ada) == 3 and len(wes) == 2, subjects
    assert any("Investigating: Bookings fail" in s for s in ada)
    assert any("Resolved: Bookings fail" in s for s in wes)
    assert any("Post-mortem: Bookings fail" in s for s in wes)
    assert Notice.objects.filter(event__startswith="incident-postmortem").count() == 2
    incident.refresh_from_db()
    assert "corrected" in incident.postmortem and "<h4>Why</h4>" in incident.postmortem_html


def test_resolving_tells_each_open_linked_case_once(
    org: Any, agent: Any, run_on_commit: Any
) -> None:
    incident = _open(org, agent)
    cases = [
        factories.make_case(org, factories.make_customer(org, f"C{n}", f"c{n}@example.com"))
        for n in range(3)
    ]
    cases[2].status = CaseStatus.CLOSED
    cases[2].save(update_fields=["status"])
    made = services.incident_cases_link(incident=incident, cases=cases, actor=agent)
    assert len(made) == 3
    assert services.incident_cases_link(incident=incident, cases=cases[:1], actor=agent) == []
    with run_on_commit(execute=True):
        services.incident_update_post(
            incident=incident, status="resolved", body="Fixed at 10:40.", actor=agent
        )
    replies = Message.objects.filter(direction=Direction.OUTBOUND).order_by("case__number")
    assert [m.case_id for m in replies] == [cases[0].pk, cases[1].pk]
    assert all("Bookings fail" in m.body and "Fixed at 10:40." in m.body for m in replies)
    assert sorted(m.to[0] for m in mail.outbox) == ["c0@example.com", "c1@example.com"]
    # Reopened and resolved again: the cases already heard of it.
    services.incident_update_post(incident=incident, status="monitoring", body="Again", actor=agent)
    services.incident_update_post(incident=incident, status="resolved", body="Done", actor=agent)
    assert Message.objects.filter(direction=Direction.OUTBOUND).count() == 2
    assert IncidentCase.objects.filter(told_resolved_at__isnull=False).count() == 2
    assert selectors.incidents_of_case(case=cases[0]) == [incident]


def test_bad_input_is_refused_with_a_message_and_writes_nothing(
    org: Any, other_org: Any, agent: Any
) -> None:
    (foreign,) = _components(other_org, "Their API")
    (mine,) = _components(org, "API")
    bad: list[dict[str, Any]] = [
        {"title": "", "body": "x"},
        {"title": "x" * 201, "body": "x"},
        {"title": "Down", "body": "  "},
        {"title": "Down", "body": "x" * 20_001},
        {"title": "Down", "body": "x", "impact": "apocalyptic"},
        {"title": "Down", "body": "x", "status": "resolved"},
        {"title": "Down", "body": "x", "component_ids": [foreign.pk]},
        {"title": "Down", "body": "x", "component_status": "on fire"},
        {"title": "Down", "body": "x", "started_at": timezone.now() + timedelta(days=1)},
    ]
    for extra in bad:
        with pytest.raises(ValidationError):
            services.incident_open(organization=org, actor=agent, **extra)
    assert not Incident.objects.exists() and _status(mine) == "operational"
    incident = _open(org, agent)
    for status, body in [("fixed", "x"), ("resolved", ""), ("resolved", "y" * 20_001)]:
        with pytest.raises(ValidationError):
            services.incident_update_post(incident=incident, status=status, body=body)
    with pytest.raises(ValidationError, match="once the incident is resolved"):
        services.incident_postmortem_publish(incident=incident, body="Too early")
    other_case = factories.make_case(other_org)
    with pytest.raises(ValidationError):
        services.incident_cases_link(incident=incident, cases=[other_case], actor=agent)
    with pytest.raises(ValidationError, match="already"):
        services.component_create(organization=org, name="api")
    with pytest.raises(ValidationError):
        services.component_update(component=mine, status="sideways")
    assert IncidentUpdate.objects.count() == 1 and not IncidentCase.objects.exists()


def test_incidents_are_found_by_meaning_open_first_and_old_ones_left_out(
    org: Any, other_org: Any, agent: Any, run_on_commit: Any
) -> None:
    with run_on_commit(execute=True):
        old = _open(org, agent, "Card payments are declined at checkout")
        services.incident_update_post(incident=old, status="resolved", body="Ok", actor=agent)
        live = _open(org, agent, "Payment by credit card fails")
        unrelated = _open(org, agent, "The depot phone line is busy")
        _open(other_org, agent, "Card payments are declined everywhere")
    found = selectors.similar_incidents(organization=org, text="my card payment was refused")
    assert [i for i, _ in found][:2] == [live, old]
    assert unrelated not in [i for i, _ in found]
    Incident.objects.filter(pk=old.pk).update(resolved_at=timezone.now() - timedelta(days=40))
    found = selectors.similar_incidents(organization=org, text="my card payment was refused")
    assert old not in [i for i, _ in found]


def test_a_linked_case_shows_on_the_customers_timeline(org: Any, agent: Any, customer: Any) -> None:
    from sayso.customers.models import TimelineEvent

    incident = _open(org, agent)
    case = factories.make_case(org, customer)
    services.incident_cases_link(incident=incident, cases=[case], actor=agent)
    services.incident_cases_link(incident=incident, cases=[case], actor=agent)
    events = TimelineEvent.objects.filter(customer=customer, kind="incident_linked")
    assert events.count() == 1
    event = events.get()
    assert event.customer_visible and event.case_id == case.pk
    assert "Bookings fail" in event.summary


def test_an_id_out_of_range_is_not_found_and_runs_no_query(
    org: Any, django_assert_num_queries: Any
) -> None:
    """The selectors and services check an id with the one bound of ``core.ids`` (1 … 2**63 - 1):
    outside it nothing is looked up; inside it an id that does not exist is simply not found."""
    for get in (selectors.incident_get, selectors.maintenance_get, selectors.component_group_get):
        with django_assert_num_queries(0):
            assert get(organization=org, pk=0) is None
            assert get(organization=org, pk=MAX_ID + 1) is None
        assert get(organization=org, pk=MAX_ID) is None
    for group_id in (0, MAX_ID, MAX_ID + 1):
        with pytest.raises(ValidationError) as refused:
            services.component_create(organization=org, name=f"API {group_id}", group_id=group_id)
        assert refused.value.message_dict == {"group": ["That group is not on this status page."]}
    case = factories.make_case(org)
    numbers = [0, 2**31, 2**62, MAX_ID, MAX_ID + 1, case.number]
    assert cases_by_numbers(organization=org, numbers=numbers) == [case]
