"""Scenario 1 of PRODUCT.md, up to the blog complaint: booking → commitment → breach alerts →
hand-off with no context lost → the customer sees the overdue promise."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sayso.conversations.commitments import commitments_check
from sayso.conversations.models import Case, CommitmentStatus
from sayso.core import services as core
from sayso.core.models import Role
from sayso.notifications.models import Alert, AlertKind
from tests import factories


@pytest.mark.django_db
def test_truck_reservation_breach_handoff_and_overdue_promise(
    run_on_commit: Any, settings: Any
) -> None:
    org = factories.make_org("Haulright", "haulright")
    maria = factories.make_user("maria", first_name="Maria")
    tom = factories.make_user("tom", first_name="Tom")
    regional = core.team_create(organization=org, name="Regional office", lead=maria)
    denver = core.team_create(organization=org, name="Denver depot", lead=tom)
    core.membership_add(organization=org, user=maria, role=Role.MANAGER, team=regional)
    core.membership_add(organization=org, user=tom, role=Role.MANAGER, team=denver)
    raj = factories.make_member(org, Role.AGENT, username="raj", team=regional).user
    lena = factories.make_member(org, Role.AGENT, username="lena", team=denver).user

    # 1. The customer signs up with a one-time link and books a truck through the portal.
    customer_client = Client()
    signin_url = reverse("portal-signin", kwargs={"org": "haulright"})
    with run_on_commit(execute=True):  # the outbox sends the link after the request commits
        response = customer_client.post(signin_url, {"email": "dana@whitfield.example"})
    assert response.status_code == 200
    link = re.search(r"http://testserver(/o/haulright/signin/[^/\s]+/)", mail.outbox[-1].body)
    assert link is not None
    response = customer_client.post(link.group(1))
    assert response.status_code == 302
    response = customer_client.post(
        reverse("portal-case-new", kwargs={"org": "haulright"}),
        {
            "subject": "Truck reservation for Saturday",
            "body": "I booked a 16 ft truck for Saturday pickup (HR-20417). Please confirm.",
            "submission_id": "1" * 32,
        },
    )
    assert response.status_code == 302
    case = Case.objects.get(organization=org)
    assert case.customer.identities.get().value == "dana@whitfield.example"

    # 2. Raj (regional office) answers and promises a call by 5 pm tomorrow.
    staff = Client()
    staff.force_login(raj)
    case_url = reverse("case-detail", kwargs={"org": "haulright", "number": case.number})
    with run_on_commit(execute=True):
        staff.post(
            reverse("case-reply", kwargs={"org": "haulright", "number": case.number}),
            {"kind": "reply", "body": "Booked! I'll call you by 5 pm tomorrow to confirm."},
        )
    assert mail.outbox[-1].to == ["dana@whitfield.example"]
    staff.post(
        reverse("case-reply", kwargs={"org": "haulright", "number": case.number}),
        {"kind": "note", "body": "Pickup at the Denver depot; they hold the 16 ft fleet."},
    )
    due = (timezone.localtime() + timedelta(days=1)).replace(
        hour=17, minute=0, second=0, microsecond=0
    )
    staff.post(
        reverse("commitment-make", kwargs={"org": "haulright", "number": case.number}),
        {
            "description": "Call Dana to confirm the pickup time",
            "owner": str(raj.pk),
            "due_at": due.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    commitment = case.commitments.get()
    assert commitment.owner == raj and commitment.due_at == due

    # 3. Nobody calls. The periodic check breaches the promise and alerts Raj and his lead.
    mail.outbox.clear()
    with run_on_commit(execute=True):
        commitments_check(now=due - timedelta(minutes=30))  # reminder first
        commitments_check(now=due + timedelta(minutes=1))
        commitments_check(now=due + timedelta(minutes=2))  # a second run changes nothing
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.BREACHED
    breach_alerts = Alert.objects.filter(kind=AlertKind.COMMITMENT_BREACHED)
    assert {a.recipient for a in breach_alerts} == {raj, maria}
    assert Alert.objects.filter(kind=AlertKind.COMMITMENT_REMINDER, recipient=raj).count() == 1
    breach_mail = [m for m in mail.outbox if "breached" in m.subject.lower()]
    assert sorted(m.to[0] for m in breach_mail) == sorted([raj.email, maria.email])
    maria_client = Client()
    maria_client.force_login(maria)
    alerts_page = maria_client.get(reverse("alert-list", kwargs={"org": "haulright"}))
    assert "missed a promise" in alerts_page.text

    # 4. The customer sees the overdue promise in "my cases" and on the case.
    my_cases = customer_client.get(reverse("portal-cases", kwargs={"org": "haulright"}))
    assert "Call Dana to confirm the pickup time" in my_cases.text
    assert "Overdue" in my_cases.text
    portal_case = customer_client.get(
        reverse("portal-case", kwargs={"org": "haulright", "number": case.number})
    )
    assert "Overdue" in portal_case.text
    assert "Denver depot" not in portal_case.text  # the internal note stays internal

    # 5. The case is handed from the regional office to the local depot with a note.
    response = staff.post(
        reverse("case-handoff", kwargs={"org": "haulright", "number": case.number}),
        {
            "to_user": str(lena.pk),
            "to_team": str(denver.pk),
            "note": "We missed Dana's callback. Please call her first thing about Saturday.",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.assignee == lena and case.team == denver
    assert Alert.objects.filter(recipient=lena, kind=AlertKind.HANDOFF).exists()

    # 6. Lena sees the whole history: what Dana wrote, the reply, the note, the promise,
    #    the breach and the hand-off note. Dana repeats nothing.
    lena_client = Client()
    lena_client.force_login(lena)
    page = lena_client.get(case_url).text
    for expected in [
        "I booked a 16 ft truck for Saturday pickup (HR-20417)",
        "I&#x27;ll call you by 5 pm tomorrow",
        "Pickup at the Denver depot",
        "Call Dana to confirm the pickup time",
        "Overdue",
        "We missed Dana&#x27;s callback",
        "Promise overdue",
    ]:
        assert expected in page, expected
    assert case.messages.filter(direction="inbound").count() == 1
