"""The customer's side of consent in real Chromium (Scenario 9's "withdraw consent for product
news"): she says yes to product news by email, staff's message goes out; she withdraws it in the
same page, the next attempt is blocked and she reads it there in plain words; her receipt
downloads and verifies against the published key."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from sayso.consent import receipts
from sayso.consent.models import ConsentRecord, OutreachAttempt
from sayso.core.models import Role
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _staff_send(page: Any, base: str, customer_pk: int, subject: str) -> None:
    page.goto(base + reverse("staff-consent", kwargs={"org": "haulright", "pk": customer_pk}))
    page.select_option("form[action$='/outreach/'] select[name=channel]", "email")
    page.select_option("form[action$='/outreach/'] select[name=purpose]", "product_news")
    page.fill("input[name=subject]", subject)
    page.fill("textarea[name=body]", "Our new 26 ft trucks are here.")
    page.click("form[action$='/outreach/'] button[type=submit]")


def test_the_customer_withdraws_product_news_and_sees_the_blocked_attempt(
    live_server: Any, new_page: Any, shot: Any
) -> None:
    base = live_server.url
    org = factories.make_org("Haulright Truck Rental", "haulright")
    factories.make_member(org, Role.AGENT, username="raj")
    dana = factories.make_customer(org, "Dana Whitfield", "dana@whitfield.example")

    customer = new_page()
    customer.goto(f"{base}/o/haulright/signin/")
    customer.fill("input[name=email]", "dana@whitfield.example")
    customer.click("text=Email me a sign-in link")
    customer.wait_for_selector("text=Check your email")
    link = re.search(r"(/o/haulright/signin/[^/\s]+/)", mail.outbox[-1].body)
    assert link is not None
    customer.goto(base + link.group(1))
    customer.click("text=Continue")
    customer.click("nav >> text=Contact & consent")
    customer.wait_for_selector("[data-testid=consent-form]")
    assert "News about our products" in customer.inner_text("[data-testid=notice-product_news]")
    customer.select_option("select[name=c_email_product_news]", "granted")
    customer.select_option("select[name=time_zone]", "America/Denver")
    customer.click("button:has-text('Save my choices')")
    customer.wait_for_selector("text=Your choices are saved.")
    shot(customer, "consent-01-product-news-yes")

    raj = new_page()
    raj.goto(f"{base}/staff/login/")
    raj.fill("input[name=username]", "raj")
    raj.fill("input[name=password]", factories.PASSWORD)
    raj.click("button[type=submit]")
    raj.wait_for_url(re.compile(r".*/staff/haulright/$"))
    _staff_send(raj, base, dana.pk, "New trucks")
    raj.wait_for_selector("text=case #")
    assert [m.subject for m in mail.outbox if "New trucks" in m.subject]

    customer.goto(base + reverse("portal-consent", kwargs={"org": "haulright"}))
    customer.select_option("select[name=c_email_product_news]", "refused")
    customer.click("button:has-text('Save my choices')")
    customer.wait_for_selector("text=Your choices are saved.")
    sent_before = len(mail.outbox)
    _staff_send(raj, base, dana.pk, "Even more trucks")
    raj.wait_for_selector("text=Blocked:")
    assert len(mail.outbox) == sent_before

    customer.reload()
    blocked = customer.locator("[data-testid=attempt-blocked]")
    assert blocked.count() == 1
    words = blocked.inner_text()
    assert words.startswith("Haulright Truck Rental's product team tried to email you on")
    assert "“Even more trucks”; your settings blocked it (no consent for product news" in words
    allowed = customer.locator("[data-testid=attempt-sent]")
    assert "“New trucks”; your settings allowed it." in allowed.inner_text()
    shot(customer, "consent-02-blocked-attempt-shown")

    withdrawal = ConsentRecord.objects.filter(customer=dana).order_by("-id").first()
    assert withdrawal is not None and withdrawal.choice == "refused"
    with customer.expect_download() as download:
        customer.click(f"a[href$='/receipts/{withdrawal.receipt_id}/']")
    token = Path(download.value.path()).read_text(encoding="utf-8")
    keys = customer.request.get(f"{base}/o/haulright/consent/receipt-keys.json").json()
    assert receipts.receipt_verify(token, keys)["sayso"]["choice"] == "refused"
    assert OutreachAttempt.objects.filter(customer=dana).count() == 2
