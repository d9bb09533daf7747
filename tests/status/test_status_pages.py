"""The status pages: what anyone reads, what staff do on the same pages, following, the
cases an incident affects (staff and the customer), questions linked both ways, the question
form's similar incidents, the Atom feed, and bad input (never a 500)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sayso.community import following, qa
from sayso.community.models import QuestionLink
from sayso.core.models import Role
from sayso.status import services
from sayso.status.models import Component, Incident, IncidentCase, IncidentUpdate
from tests import factories
from tests.community.test_idea_pages import _customer_client, _staff_client

pytestmark = pytest.mark.django_db


def url(name: str, org: Any, **kwargs: Any) -> str:
    return reverse(name, kwargs={"org": org.slug, **kwargs})


def _incident(org: Any, agent: Any, title: str = "Bookings fail at checkout") -> Incident:
    incident, _ = services.incident_open(
        organization=org, title=title, body="We are **on it**.", impact="major", actor=agent
    )
    return incident


def test_anyone_reads_the_status_page_and_an_incident_without_staff_tools_or_cases(
    org: Any, agent: Any
) -> None:
    component = services.component_create(organization=org, name="Online booking")
    incident = _incident(org, agent)
    services.incident_edit(incident=incident, component_ids=[component.pk])
    case = factories.make_case(org, subject="Private: my booking failed")
    services.incident_cases_link(incident=incident, cases=[case], actor=agent)
    anonymous = Client()
    page = anonymous.get(url("status", org))
    assert page.status_code == 200
    assert "Bookings fail at checkout" in page.text and "Online booking" in page.text
    assert 'data-testid="incident-form"' not in page.text
    detail = anonymous.get(url("incident", org, pk=incident.pk))
    assert detail.status_code == 200 and "<strong>on it</strong>" in detail.text
    assert "Private: my booking failed" not in detail.text
    assert 'data-testid="incident-update-form"' not in detail.text
    assert anonymous.get(url("incidents", org)).status_code == 200
    assert anonymous.get(url("incident", org, pk=99999)).status_code == 404


def test_staff_open_update_resolve_and_publish_a_postmortem_on_the_pages(
    org: Any, agent: Any, manager: Any
) -> None:
    boss = _staff_client(manager)
    boss.post(url("component-create", org), {"name": "Payments", "description": "Cards"})
    component = Component.objects.get()
    staff = _staff_client(agent)
    opened = staff.post(
        url("incident-open", org),
        {
            "title": "Card payments declined",
            "body": "Some cards are declined.",
            "impact": "major",
            "status": "investigating",
            "components": [str(component.pk)],
            "component_status": "",
            "expected_fix_at": "2030-01-01T10:00",
        },
    )
    incident = Incident.objects.get()
    assert opened.status_code == 302 and opened["Location"].endswith(f"/incidents/{incident.pk}/")
    component.refresh_from_db()
    assert component.status == "partial_outage" and incident.expected_fix_at is not None
    page = staff.get(url("incident", org, pk=incident.pk))
    assert 'data-testid="incident-update-form"' in page.text
    staff.post(
        url("incident-update", org, pk=incident.pk),
        {"status": "resolved", "body": "The provider fixed it.", "component_status": ""},
    )
    incident.refresh_from_db()
    component.refresh_from_db()
    assert incident.resolved_at is not None and component.status == "operational"
    staff.post(url("incident-postmortem", org, pk=incident.pk), {"postmortem": "It was DNS."})
    public = Client().get(url("incident", org, pk=incident.pk)).text
    assert 'data-testid="postmortem"' in public and "It was DNS." in public
    staff.post(url("incident-edit", org, pk=incident.pk), {"title": "Card payments declined (EU)"})
    incident.refresh_from_db()
    assert incident.title == "Card payments declined (EU)"


def test_only_the_team_acts_and_only_managers_change_components(
    org: Any, agent: Any, customer: Any, outsider: Any
) -> None:
    services.component_create(organization=org, name="API")
    component = Component.objects.get()
    incident = _incident(org, agent)
    form = {"title": "Hacked", "body": "x", "impact": "minor", "status": "investigating"}
    for client in (Client(), _customer_client(org, customer), _staff_client(outsider)):
        assert client.post(url("incident-open", org), form).status_code == 403
        update = {"status": "resolved", "body": "Hacked"}
        assert client.post(url("incident-update", org, pk=incident.pk), update).status_code == 403
        assert (
            client.post(url("incident-cases", org, pk=incident.pk), {"numbers": "1"}).status_code
            == 403
        )
        assert client.post(url("component-create", org), {"name": "X"}).status_code == 403
    agent_client = _staff_client(agent)
    change = {"status": "major_outage"}
    # An agent handles incidents, so sets a component's status; shaping the page is a manager's.
    for shaping in ({"action": "delete"}, {"action": "group", "group": ""}):
        assert (
            agent_client.post(url("component-change", org, pk=component.pk), shaping).status_code
            == 403
        )
    assert agent_client.post(url("component-create", org), {"name": "X"}).status_code == 403
    assert Incident.objects.count() == 1 and IncidentUpdate.objects.count() == 1
    assert Component.objects.get().status == "operational"
    assert (
        agent_client.post(url("component-change", org, pk=component.pk), change).status_code == 302
    )
    assert Component.objects.get().status == "major_outage"
    change = {"status": "operational"}
    # Another organization's status page never shows this one's incidents.
    rival = factories.make_org("Rival Vans 2", "rival2")
    assert "Bookings fail" not in Client().get(url("status", rival)).text
    assert Client().get(url("incident", rival, pk=incident.pk)).status_code == 404
    admin = factories.make_member(org, Role.ADMIN, username="owner").user
    assert (
        _staff_client(admin).post(url("component-change", org, pk=component.pk), change).status_code
        == 302
    )


def test_customers_follow_the_status_page_or_one_incident(
    org: Any, agent: Any, customer: Any
) -> None:
    incident = _incident(org, agent)
    anonymous = Client().post(url("status-follow", org))
    assert anonymous.status_code == 302 and "/signin/" in anonymous["Location"]
    client = _customer_client(org, customer)
    client.post(url("status-follow", org))
    client.post(url("status-follow", org), {"incident": str(incident.pk)})
    assert following.following(
        customer=customer, subjects=[services.STATUS, services.incident_subject(incident)]
    ) == {services.STATUS, services.incident_subject(incident)}
    client.post(url("status-follow", org), {"incident": str(incident.pk), "action": "unfollow"})
    assert (
        following.following(customer=customer, subjects=[services.incident_subject(incident)])
        == set()
    )
    assert client.post(url("status-follow", org), {"incident": "99999"}).status_code == 404


def test_linked_cases_show_the_incident_to_staff_and_to_their_customer(
    org: Any, agent: Any, customer: Any
) -> None:
    incident = _incident(org, agent)
    mine = factories.make_case(org, customer, subject="My booking failed")
    other = factories.make_case(org, subject="Someone else's booking")
    staff = _staff_client(agent)
    response = staff.post(
        url("incident-cases", org, pk=incident.pk), {"numbers": f"#{mine.number}, {other.number}"}
    )
    assert response.status_code == 302 and IncidentCase.objects.count() == 2
    staff_page = staff.get(url("incident", org, pk=incident.pk)).text
    assert "My booking failed" in staff_page and "Someone else&#x27;s booking" in staff_page
    case_page = staff.get(reverse("case-detail", kwargs={"org": org.slug, "number": mine.number}))
    assert 'data-testid="case-incidents"' in case_page.text
    portal = _customer_client(org, customer).get(
        reverse("portal-case", kwargs={"org": org.slug, "number": mine.number})
    )
    assert "This is part of a known problem" in portal.text and incident.title in portal.text
    missing = staff.post(url("incident-cases", org, pk=incident.pk), {"numbers": "9999"})
    assert missing.status_code == 302 and IncidentCase.objects.count() == 2
    link = IncidentCase.objects.get(case=other)
    staff.post(
        url("incident-cases", org, pk=incident.pk), {"action": "unlink", "link": str(link.pk)}
    )
    assert list(IncidentCase.objects.values_list("case_id", flat=True)) == [mine.pk]


def test_a_question_links_to_an_incident_and_both_pages_show_it(
    org: Any, agent: Any, customer: Any
) -> None:
    incident = _incident(org, agent)
    question, _ = qa.question_ask(
        organization=org, author=customer, title="Checkout says my card is invalid"
    )
    staff = _staff_client(agent)
    staff.post(
        reverse("question-link", kwargs={"org": org.slug, "number": question.number}),
        {"action": "incident", "number": str(incident.pk)},
    )
    assert QuestionLink.objects.filter(question=question, incident=incident).exists()
    public_question = Client().get(
        reverse("question-detail", kwargs={"org": org.slug, "number": question.number})
    )
    assert "Status incident:" in public_question.text and incident.title in public_question.text
    incident_page = Client().get(url("incident", org, pk=incident.pk)).text
    assert 'data-testid="incident-questions"' in incident_page and question.title in incident_page
    bad = staff.post(
        reverse("question-link", kwargs={"org": org.slug, "number": question.number}),
        {"action": "incident", "number": "99999"},
    )
    assert bad.status_code == 302 and QuestionLink.objects.count() == 1


def test_the_question_form_shows_a_matching_incident_while_typing(
    org: Any, agent: Any, customer: Any, run_on_commit: Any
) -> None:
    with run_on_commit(execute=True):
        _incident(org, agent, "Card payments are declined at checkout")
    client = _customer_client(org, customer)
    response = client.get(
        reverse("question-similar", kwargs={"org": org.slug}),
        {"title": "Why is my credit card payment refused?"},
    )
    assert response.status_code == 200
    assert 'data-testid="similar-incidents"' in response.text
    assert "Card payments are declined at checkout" in response.text


def test_the_atom_feed_carries_every_update_and_the_postmortem(org: Any, agent: Any) -> None:
    incident = _incident(org, agent)
    services.incident_update_post(incident=incident, status="resolved", body="Fixed.", actor=agent)
    services.incident_postmortem_publish(incident=incident, body="What we learnt.", actor=agent)
    feed = Client().get(url("status-feed", org))
    assert feed.status_code == 200 and feed["Content-Type"].startswith("application/atom+xml")
    text = feed.content.decode()
    assert text.count("<entry>") == 3
    assert "Post-mortem: Bookings fail at checkout" in text and "Resolved: Bookings" in text


def test_bad_input_on_the_pages_is_a_message_never_a_500(org: Any, agent: Any) -> None:
    incident = _incident(org, agent)
    staff = _staff_client(agent)
    posts = [
        (url("incident-open", org), {"title": "", "body": ""}),
        (url("incident-open", org), {"title": "x", "body": "y", "impact": "??", "status": "x"}),
        (url("incident-open", org), {"title": "x" * 500, "body": "y"}),
        (url("incident-update", org, pk=incident.pk), {"status": "nope", "body": ""}),
        (url("incident-update", org, pk=incident.pk), {"status": "resolved", "body": "\x00"}),
        (url("incident-postmortem", org, pk=incident.pk), {"postmortem": "Too early"}),
        (url("incident-edit", org, pk=incident.pk), {"title": "", "impact": "zzz"}),
        (url("incident-cases", org, pk=incident.pk), {"numbers": ""}),
        (url("incident-cases", org, pk=incident.pk), {"numbers": "1" * 40}),
        (url("incident-cases", org, pk=incident.pk), {"action": "unlink", "link": "x"}),
        (url("status-follow", org), {"incident": "abc"}),
    ]
    for path, data in posts:
        response = staff.post(path, data)
        assert response.status_code in {302, 404}, (path, data, response.status_code)
    assert staff.get(url("incidents", org), {"page": "zzz"}).status_code == 200
    assert Incident.objects.count() == 1 and IncidentUpdate.objects.count() == 1
    incident.refresh_from_db()
    assert incident.title == "Bookings fail at checkout" and incident.postmortem == ""


def test_incidents_in_progress_show_before_a_customer_writes_in(
    org: Any, agent: Any, customer: Any
) -> None:
    incident = _incident(org, agent)
    client = _customer_client(org, customer)
    for name in ("portal-home", "portal-case-new"):
        page = client.get(url(name, org))
        assert 'data-testid="incidents-now"' in page.text and incident.title in page.text
    services.incident_update_post(incident=incident, status="resolved", body="Ok", actor=agent)
    for name in ("portal-home", "portal-case-new"):
        assert 'data-testid="incidents-now"' not in client.get(url(name, org)).text


def test_the_inbox_counts_incidents_in_progress(org: Any, agent: Any) -> None:
    inbox = reverse("inbox", kwargs={"org": org.slug})
    staff = _staff_client(agent)
    assert 'data-testid="inbox-incidents"' not in staff.get(inbox).text
    _incident(org, agent)
    _incident(org, agent, "The app does not open")
    assert "2 incidents in progress" in staff.get(inbox).text
