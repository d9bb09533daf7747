"""Scenario 5 of PRODUCT.md ("no cold calls") in real Chromium: a salesperson's cold email to a
customer who never agreed to sales contact is blocked by the outreach guard, and the customer
sees the blocked attempt in the portal; the customer publishes an intent ("a 16 ft truck,
Denver → Austin, up to $900, answer by email until …"); two staff members answer it with offers
(which the guard lets through on the intent's own consent); the customer compares them side by
side and accepts one, which becomes a deal in the first stage of the published selling process;
after the deadline an attempt to contact them about it is blocked, and they see that too."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from sayso.consent.models import OutreachAttempt
from sayso.core.models import Role
from sayso.deals import process as deal_process
from sayso.deals.models import Deal, Intent, IntentStatus, Offer, OfferStatus
from sayso.deals.tasks import close_intents
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WHEN = "%Y-%m-%dT%H:%M"


def _staff_login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/staff/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/staff/haulright/$"))


def _offer(page: Any, base: str, intent: Intent, price: str, terms: str) -> None:
    page.goto(f"{base}/staff/haulright/")
    page.click("nav >> text=Sales")
    page.wait_for_selector("h1:has-text('Intents')")
    page.click(f"[data-testid=intent-queue] >> text={intent.title}")
    page.wait_for_selector("[data-testid=offer-form]")
    page.fill("input[name=price]", price)
    page.fill("textarea[name=terms]", terms)
    valid = timezone.localtime() + timedelta(days=7)
    page.fill("input[name=valid_until]", valid.strftime(WHEN))
    page.click("button:has-text('Send offer')")


def test_no_cold_calls_end_to_end(live_server: Any, new_page: Any, shot: Any) -> None:
    base = live_server.url
    org = factories.make_org("Haulright Truck Rental", "haulright")
    factories.make_member(org, Role.AGENT, username="raj")
    factories.make_member(org, Role.AGENT, username="lena")
    deal_process.stage_create(
        organization=org,
        name="Reservation",
        what_happens="We hold a truck for your dates.",
        usual_duration="same day",
        cost_to_leave="Nothing",
    )
    deal_process.stage_create(
        organization=org, name="Pick-up", cost_to_leave="The first day's rent"
    )
    deal_process.promise_add(organization=org, text="No calls after a quote unless you ask.")
    dana = factories.make_customer(org, "Dana Whitfield", "dana@whitfield.example")

    # Raj tries a cold sales email: Dana never agreed to sales contact, so the guard blocks it.
    raj = new_page()
    _staff_login(raj, base, "raj")
    raj.goto(base + reverse("staff-consent", kwargs={"org": org.slug, "pk": dana.pk}))
    raj.select_option("select[name=channel]", "email")
    raj.select_option("select[name=purpose]", "sales")
    raj.fill("input[name=subject]", "Summer truck deals")
    raj.fill("textarea[name=body]", "Hi Dana, 20% off all trucks this month!")
    raj.click("form[action$='/outreach/'] button[type=submit]")
    raj.wait_for_selector("text=Blocked:")
    shot(raj, "scenario5-01-cold-email-blocked")
    assert not [m for m in mail.outbox if "Summer truck deals" in m.subject]

    # Dana signs in and sees that someone tried.
    customer = new_page()
    customer.goto(f"{base}/o/haulright/signin/")
    customer.fill("input[name=email]", "dana@whitfield.example")
    customer.click("text=Email me a sign-in link")
    customer.wait_for_selector("text=Check your email")
    link = re.search(r"(/o/haulright/signin/[^/\s]+/)", mail.outbox[-1].body)
    assert link is not None
    customer.goto(base + link.group(1))
    customer.click("text=Continue")
    customer.wait_for_selector("h1:has-text('My cases')")
    customer.goto(base + reverse("portal-consent", kwargs={"org": org.slug}))
    blocked = customer.locator("[data-testid=attempt-blocked]")
    assert blocked.count() == 1
    assert "Summer truck deals" in blocked.inner_text()
    assert "blocked" in blocked.inner_text()
    shot(customer, "scenario5-02-customer-sees-blocked-attempt")

    # She reads how Haulright sells, then publishes what she wants, on her schedule.
    customer.click("nav >> text=How we sell")
    customer.wait_for_selector("text=No calls after a quote unless you ask.")
    assert "Reservation" in customer.inner_text("[data-testid=selling-stages]")
    customer.click("nav >> text=My intents")
    customer.click("text=Publish what you want")
    customer.fill("input[name=title]", "A 16 ft truck, Denver → Austin")
    customer.fill("input[name=details]", "One way, about 900 miles")
    start = timezone.localdate() + timedelta(days=14)
    customer.fill("input[name=window_start]", start.isoformat())
    customer.fill("input[name=window_end]", (start + timedelta(days=2)).isoformat())
    customer.fill("input[name=budget]", "900")
    customer.select_option("select[name=reply_channel]", "email")
    deadline = timezone.localtime() + timedelta(days=3)
    customer.fill("input[name=deadline]", deadline.strftime(WHEN))
    customer.click("button:has-text('Publish')")
    customer.wait_for_selector("text=Your intent is published")
    intent = Intent.objects.get(customer=dana)
    assert intent.status == IntentStatus.OPEN and intent.budget == 900

    # Two staff members answer it; the intent itself lets these through the guard.
    _offer(raj, base, intent, "850", "Includes 1,000 miles")
    raj.wait_for_selector("text=Offer sent.")
    lena = new_page()
    _staff_login(lena, base, "lena")
    _offer(lena, base, intent, "820", "Free cancellation until pick-up")
    lena.wait_for_selector("text=Offer sent.")
    shot(lena, "scenario5-03-offer-sent")
    offers_mail = [m for m in mail.outbox if "An offer for your request" in m.subject]
    assert len(offers_mail) == 2
    assert all(m.to == ["dana@whitfield.example"] for m in offers_mail)

    # Dana compares them side by side and accepts Lena's.
    customer.goto(base + reverse("portal-intent", kwargs={"org": org.slug, "pk": intent.pk}))
    rows = customer.locator("[data-testid=offer]")
    assert rows.count() == 2
    assert "820.00 USD" in rows.nth(0).inner_text()  # cheapest first
    assert "850.00 USD" in rows.nth(1).inner_text()
    shot(customer, "scenario5-04-offers-side-by-side")
    rows.nth(0).locator("button:has-text('Accept')").click()
    customer.wait_for_selector("text=the others are declined")
    assert customer.locator("[data-testid=deal-stage]").inner_text() == "Reservation"
    shot(customer, "scenario5-05-deal")
    deal = Deal.objects.get(customer=dana)
    assert deal.owner is not None and deal.owner.username == "lena"
    assert sorted(Offer.objects.values_list("status", flat=True)) == [
        OfferStatus.ACCEPTED,
        OfferStatus.DECLINED,
    ]

    # The deadline passes and the intent closes itself. Raj tries once more: blocked.
    Intent.objects.filter(pk=intent.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    close_intents.call()
    raj.goto(base + reverse("staff-intent", kwargs={"org": org.slug, "pk": intent.pk}))
    assert "closed on" in raj.inner_text("[data-testid=intent-refusal]")
    _offer_again = raj.locator("[data-testid=offer-form]")
    raj.fill("input[name=price]", "700")
    raj.fill("input[name=valid_until]", (timezone.localtime() + timedelta(days=2)).strftime(WHEN))
    _offer_again.locator("button:has-text('Send offer')").click()
    raj.wait_for_selector("text=Offer not sent")
    assert "nobody may contact" in raj.inner_text("[data-testid=our-offers]")
    shot(raj, "scenario5-06-contact-after-deadline-blocked")
    assert len([m for m in mail.outbox if "An offer for your request" in m.subject]) == 2
    attempts = OutreachAttempt.objects.filter(customer=dana, outcome="blocked")
    assert attempts.count() == 2

    # Dana sees that one too.
    customer.goto(base + reverse("portal-consent", kwargs={"org": org.slug}))
    assert customer.locator("[data-testid=attempt-blocked]").count() == 2
    assert "closed on" in customer.inner_text("[data-testid=attempts]")
    shot(customer, "scenario5-07-customer-sees-second-block")
