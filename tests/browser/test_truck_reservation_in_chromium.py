"""Scenario 1 of PRODUCT.md in real Chromium: the customer books through the portal, staff
promise a call, the promise is breached, the owner and their lead are alerted, the case is
handed to the local depot with its whole history, and the customer sees the overdue promise."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from sayso.conversations.commitments import commitments_check
from sayso.conversations.models import Case, CommitmentStatus
from sayso.core import services as core
from sayso.core.models import Role
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _staff_login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/staff/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/staff/haulright/$"))


def test_truck_reservation_end_to_end(live_server: Any, new_page: Any, shot: Any) -> None:
    base = live_server.url
    org = factories.make_org("Haulright Truck Rental", "haulright")
    maria = factories.make_user("maria", first_name="Maria")
    tom = factories.make_user("tom", first_name="Tom")
    regional = core.team_create(organization=org, name="Regional office", lead=maria)
    denver = core.team_create(organization=org, name="Denver depot", lead=tom)
    core.membership_add(organization=org, user=maria, role=Role.MANAGER, team=regional)
    core.membership_add(organization=org, user=tom, role=Role.MANAGER, team=denver)
    factories.make_member(org, Role.AGENT, username="raj", team=regional)
    lena = factories.make_member(org, Role.AGENT, username="lena", team=denver).user

    # The customer signs up by email and books a truck.
    customer = new_page()
    customer.goto(f"{base}/o/haulright/")
    customer.click("text=Sign in or sign up with your email")
    customer.fill("input[name=email]", "dana@whitfield.example")
    customer.click("text=Email me a sign-in link")
    customer.wait_for_selector("text=Check your email")
    link = re.search(r"(/o/haulright/signin/[^/\s]+/)", mail.outbox[-1].body)
    assert link is not None
    customer.goto(base + link.group(1))
    customer.click("text=Continue")
    customer.wait_for_selector("h1:has-text('My cases')")
    customer.click("text=Ask for help")
    customer.fill("input[name=subject]", "Truck reservation for Saturday")
    customer.fill("textarea[name=body]", "I booked a 16 ft truck for Saturday (HR-20417).")
    customer.click("button:has-text('Send')")
    customer.wait_for_selector("h1:has-text('Truck reservation for Saturday')")
    case = Case.objects.get(organization=org)

    # Raj answers from the inbox and records the promise.
    raj = new_page()
    _staff_login(raj, base, "raj")
    raj.click("text=Truck reservation for Saturday")
    raj.wait_for_selector("h1:has-text('Truck reservation for Saturday')")
    raj.fill("textarea[name=body]", "Booked! I'll call you by 5 pm tomorrow to confirm.")
    raj.click(".reply-form button[type=submit]")
    raj.wait_for_selector("text=Reply sent.")
    raj.check("input[name=kind][value=note]")
    raj.fill("textarea[name=body]", "Pickup at the Denver depot; they hold the 16 ft fleet.")
    raj.click(".reply-form button[type=submit]")
    raj.wait_for_selector("text=Internal note added.")
    due = (timezone.localtime() + timedelta(days=1)).replace(
        hour=17, minute=0, second=0, microsecond=0
    )
    raj.click("summary:has-text('Make a commitment')")
    raj.fill("input[name=description]", "Call Dana to confirm the pickup time")
    raj.fill("input[name=due_at]", due.strftime("%Y-%m-%dT%H:%M"))
    raj.click("button:has-text('Record commitment')")
    raj.wait_for_selector("text=Commitment recorded.")
    shot(raj, "scenario1-01-promise-made")

    # Nobody calls: the periodic check breaches the promise.
    commitments_check(now=due + timedelta(minutes=1))
    assert case.commitments.get().status == CommitmentStatus.BREACHED

    raj.reload()
    assert raj.locator("[data-testid=alert-count]").inner_text() == "1"
    assert raj.locator("[data-testid=commitments] >> text=Overdue").count() == 1
    maria_page = new_page()
    _staff_login(maria_page, base, "maria")
    maria_page.click("nav >> text=Alerts")
    maria_page.wait_for_selector("text=missed a promise")
    shot(maria_page, "scenario1-02-lead-alerted")

    # The customer sees the overdue promise.
    customer.click("nav >> text=My cases")
    customer.wait_for_selector("[data-testid=my-cases] >> text=Overdue")
    assert "Denver depot" not in customer.content()
    shot(customer, "scenario1-03-customer-sees-overdue")

    # Hand-off from the regional office to the local depot, with a note.
    raj.select_option("select[name=to_user]", str(lena.pk))
    raj.select_option("select[name=to_team]", str(denver.pk))
    raj.fill("textarea[name=note]", "We missed Dana's callback. Please call her first thing.")
    raj.click("button:has-text('Hand off')")
    raj.wait_for_selector("text=Case handed off.")

    # Lena sees the whole history and Dana repeats nothing.
    lena_page = new_page()
    _staff_login(lena_page, base, "lena")
    lena_page.click("nav >> text=Alerts")
    lena_page.click("text=handed you case")
    lena_page.wait_for_selector("h1:has-text('Truck reservation for Saturday')")
    assert lena_page.locator("[data-testid=case-owner]").inner_text().startswith("Lena")
    text = lena_page.inner_text("main")
    for expected in [
        "I booked a 16 ft truck for Saturday (HR-20417).",
        "I'll call you by 5 pm tomorrow",
        "Pickup at the Denver depot",
        "Call Dana to confirm the pickup time",
        "We missed Dana's callback",
        "Overdue",
    ]:
        assert expected in text, expected
    shot(lena_page, "scenario1-04-new-owner-sees-history")
    assert case.messages.filter(direction="inbound").count() == 1
