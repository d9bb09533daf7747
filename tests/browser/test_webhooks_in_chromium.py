"""An organization admin sets up a webhook in real Chromium: adds an endpoint (a real receiver
on 127.0.0.1), copies the secret shown once, sends a test event and reads its delivery in the
log, then sees a real event (a case opened) arrive signed; rotates the secret after confirming.
Agents have no Webhooks link."""

from __future__ import annotations

import re
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from sayso.conversations.services import case_open
from sayso.core.models import Role
from tests import factories
from tests.browser.test_truck_reservation_in_chromium import _staff_login
from tests.webhooks.conftest import Receiver, receiver  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_sets_up_a_webhook(
    live_server: Any,
    new_page: Any,
    shot: Any,
    receiver: Receiver,  # noqa: F811 (the fixture imported above)
) -> None:
    base = live_server.url
    org = factories.make_org("Haulright Truck Rental", "haulright")
    factories.make_member(org, Role.ADMIN, username="ada")
    factories.make_member(org, Role.AGENT, username="raj")
    customer = factories.make_customer(org, "Dana", "dana@example.com")

    agent = new_page()
    _staff_login(agent, base, "raj")
    assert agent.locator("nav.nav a", has_text="Webhooks").count() == 0

    page = new_page()
    _staff_login(page, base, "ada")
    page.click("nav.nav >> text=Webhooks")
    page.click("text=Add an endpoint")
    page.fill("input[name=url]", receiver.url("/sayso"))
    page.fill("input[name=description]", "Our ERP")
    page.check("input[name=event_types][value='case.opened']")
    page.check("input[name=enabled]")
    page.click("[data-testid=webhook-form] button[type=submit]")
    secret_text = page.locator("[data-testid=new-secret] pre").inner_text().strip()
    assert re.fullmatch(r"whsec_[A-Za-z0-9+/=]+", secret_text)
    receiver.listen("/sayso", secret_text)
    shot(page, "webhooks-secret-shown-once")

    page.click("[data-testid=send-test]")
    page.wait_for_selector("[data-testid=attempt] >> text=HTTP 200")
    assert "Succeeded" in page.locator("[data-testid=delivery-summary]").inner_text()
    shot(page, "webhooks-test-delivery")

    case_open(organization=org, customer=customer, subject="Van never came")
    assert receiver.types("/sayso") == ["webhook.test", "case.opened"]

    page.click("[data-testid=delivery-summary] a")  # to the endpoint's page
    assert "case.opened" in page.locator("[data-testid=webhook-deliveries]").inner_text()
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("text=Rotate secret")
    rotated = page.locator("[data-testid=new-secret] pre").inner_text().strip()
    assert rotated != secret_text
    case_open(organization=org, customer=customer, subject="Second van")
    last = receiver.server.calls("/sayso")[-1]
    Webhook(rotated).verify(last.body, last.headers)
    Webhook(secret_text).verify(last.body, last.headers)
