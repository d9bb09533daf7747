"""Scenario 2 of PRODUCT.md in real Chromium: staff open an incident on the status page; a
subscriber is emailed (through a real SMTP server on 127.0.0.1) and sees it in the feed; the
customers who wrote in about it have their cases linked — suggested by meaning on the incident
page — and see it on their case; resolving it tells each of them once; the post-mortem is
published."""

from __future__ import annotations

from typing import Any

import pytest

from sayso.core.models import Role
from sayso.status import services
from sayso.status.models import Incident, IncidentCase
from tests import factories
from tests.browser.test_stuck_customer_in_chromium import _mail_to, _sign_in
from tests.browser.test_truck_reservation_in_chromium import _staff_login
from tests.conversations.test_email_smtp import Mta, mta, smtp_backend  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WROTE_IN = {
    "ben@example.com": "My card payment fails when I book a truck",
    "cleo@example.com": "Checkout keeps rejecting my credit card",
    "dev@example.com": "Payment error at the last step of the reservation",
}


def test_the_outage_end_to_end(
    live_server: Any,
    new_page: Any,
    shot: Any,
    smtp_backend: Mta,  # noqa: F811 (the fixture imported above)
) -> None:
    base = live_server.url
    org = factories.make_org("Haulright Truck Rental", "haulright")
    factories.make_member(org, Role.MANAGER, username="maria")
    factories.make_customer(org, "Ann", "ann@example.com")
    cases = {}
    for email, text in WROTE_IN.items():
        person = factories.make_customer(org, email.split("@")[0].title(), email)
        cases[email] = factories.make_case(org, person, subject=text, body=text)
    factories.make_case(org, subject="Can I tow a trailer?", body="Can I tow a trailer?")
    payments = services.component_create(organization=org, name="Payments")

    # Ann subscribes to the status page.
    ann = new_page()
    _sign_in(ann, base, smtp_backend, "ann@example.com", "/o/haulright/status/")
    ann.click("[data-testid=status-follow] button")
    ann.wait_for_selector("text=Subscribed by email")

    # Maria opens the incident on the status page.
    staff = new_page()
    _staff_login(staff, base, "maria")
    staff.goto(f"{base}/o/haulright/status/")
    form = "[data-testid=incident-form]"
    staff.fill(f"{form} input[name=title]", "Card payments fail at checkout")
    staff.fill(f"{form} textarea[name=body]", "Bookings fail at the payment step. Looking into it.")
    staff.select_option(f"{form} select[name=impact]", "major")
    staff.check(f"{form} input[name=components][value='{payments.pk}']")
    staff.click(f"{form} button")
    staff.wait_for_selector("[data-testid=incident] h1:has-text('Card payments fail')")
    incident = Incident.objects.get()
    assert _mail_to(smtp_backend, "ann@example.com", "Investigating: Card payments fail")

    # The cases of the customers who wrote in are suggested; Maria links them.
    suggested = staff.inner_text("[data-testid=suggested-cases]")
    assert all(f"#{case.number}" in suggested for case in cases.values())
    assert "tow a trailer" not in suggested
    for box in staff.query_selector_all("[data-testid=suggested-cases] input[type=checkbox]"):
        box.check()
    staff.click("[data-testid=incident-cases-form] button")
    staff.wait_for_selector("[data-testid=incident-cases]")
    assert IncidentCase.objects.filter(incident=incident).count() == 3
    shot(staff, "scenario2-01-incident-with-linked-cases")

    # Ben sees the incident on his case; the public page shows the outage.
    ben = new_page()
    ben_case = cases["ben@example.com"]
    _sign_in(ben, base, smtp_backend, "ben@example.com", f"/o/haulright/cases/{ben_case.number}/")
    notice = ben.inner_text("[data-testid=case-incidents]")
    assert "Card payments fail at checkout" in notice and "Investigating" in notice
    shot(ben, "scenario2-02-the-customer-sees-the-incident-on-their-case")
    ben.goto(f"{base}/o/haulright/status/")
    assert "Partial outage" in ben.inner_text("[data-testid=overall-status]")

    # Maria resolves it: Ann hears of it, and each customer who wrote in gets a reply once.
    staff.goto(f"{base}/o/haulright/status/incidents/{incident.pk}/")
    staff.select_option("[data-testid=incident-update-form] select[name=status]", "resolved")
    staff.fill(
        "[data-testid=incident-update-form] textarea[name=body]",
        "Payments work again. Failed bookings were not charged.",
    )
    staff.click("[data-testid=incident-update-form] button")
    staff.wait_for_selector("[data-testid=incident-status]:has-text('Resolved')")
    assert _mail_to(smtp_backend, "ann@example.com", "Resolved: Card payments fail")
    for email in WROTE_IN:
        replies = [
            m
            for m in smtp_backend.received
            if email in m.rcpt_tos and "Re:" in str(m.parsed()["Subject"])
        ]
        assert len(replies) == 1, email
        body = replies[0].parsed().get_body(preferencelist=("plain",)).get_content()
        assert "Failed bookings were not charged." in body

    # The post-mortem is published, for everyone to read.
    staff.fill(
        "[data-testid=postmortem-form] textarea[name=postmortem]",
        "## What happened\n\nA certificate expired.\n\n## What changes\n\nWe renew them a month early.",
    )
    staff.click("[data-testid=postmortem-form] button")
    staff.wait_for_selector("[data-testid=postmortem]")
    reader = new_page()
    reader.goto(f"{base}/o/haulright/status/incidents/{incident.pk}/")
    assert "We renew them a month early." in reader.inner_text("[data-testid=postmortem]")
    shot(reader, "scenario2-03-postmortem-published")
    feed = reader.goto(f"{base}/o/haulright/status/feed/")
    assert feed is not None and "Post-mortem: Card payments fail" in feed.text()
