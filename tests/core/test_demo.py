from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from sayso.conversations.models import Case, CommitmentStatus, Message
from sayso.customers.selectors import merge_suggestions
from sayso.demo.data import load_demo
from sayso.notifications.models import Alert


@pytest.mark.django_db
def test_demo_loads_a_living_organization_once() -> None:
    out = StringIO()
    call_command("demo", stdout=out)
    assert "Loaded the demo organization" in out.getvalue()
    result = load_demo()
    assert result.created is False
    org = result.organization
    assert Case.objects.filter(organization=org).count() >= 5
    channels = set(Message.objects.filter(organization=org).values_list("channel", flat=True))
    assert {"email", "mastodon", "bluesky", "web", "phone"} <= channels
    breached = org.commitments.filter(status=CommitmentStatus.BREACHED)
    assert breached.count() == 1
    assert Alert.objects.filter(commitment=breached.get()).count() == 2  # owner and lead
    assert org.handoffs.exists()
    assert merge_suggestions(organization=org)
    # Listening: Dana's blog post joined her truck case; the mentions page has something.
    blog = org.mentions.get(external_id="urn:demo:blog:1")
    assert blog.outcome == "joined"
    assert blog.case is not None and blog.case.subject == "Truck reservation for Saturday"
    assert org.mentions.count() == 5
    # Community Q&A: a solved thread, an official answer, a question in the staff queue.
    from sayso.community.qa import unanswered_queue

    assert org.questions.filter(accepted_count=1).count() == 1
    assert org.questions.filter(answers__author_user__isnull=False).exists()
    assert [q.title for q in unanswered_queue(organization=org)] == [
        "Can two drivers share one rental?"
    ]
    call_command("demo", stdout=StringIO())
    assert Case.objects.filter(organization=org).count() == Case.objects.count()


@pytest.mark.django_db
def test_demo_status_page_has_an_incident_in_progress_and_a_postmortem() -> None:
    org = load_demo().organization
    page = Client().get(f"/o/{org.slug}/status/")
    assert page.status_code == 200
    assert "Denver depot kiosk does not release keys" in page.text
    assert "Online booking fails at the payment step" in page.text
    resolved = org.incidents.get(resolved_at__isnull=False)
    assert resolved.postmortem_published_at is not None and resolved.updates.count() == 3
    assert [c.status for c in org.status_components.order_by("position")] == [
        "operational",
        "operational",
        "operational",
        "degraded",
    ]


@pytest.mark.django_db
def test_demo_staff_can_sign_in_and_see_the_inbox(settings: Any) -> None:
    load_demo()
    client = Client()
    signed_in = client.post("/staff/login/", {"username": "raj", "password": "sayso-demo"})
    assert signed_in.status_code == 302
    response = client.get("/staff/haulright/")
    assert response.status_code == 200
    assert "Truck reservation for Saturday" in response.text
    assert "promise overdue" in response.text
