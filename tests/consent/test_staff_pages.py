"""Staff see a customer's consent, history and preferences, record a choice on the customer's
word, start a conversation through the guard, and send campaigns with a report."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from sayso.consent import selectors, services
from sayso.consent.models import Campaign, Choice, ConsentRecord, Method, OutreachAttempt
from sayso.conversations.models import Case
from tests import factories

pytestmark = pytest.mark.django_db


OUTREACH_FORM = {
    "channel": "email",
    "purpose": "sales",
    "subject": "Truck rentals",
    "body": "Hello Ada, 20% off in March.",
}


def _staff(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_customer_page_shows_a_consent_summary(org: Any, agent: Any, customer: Any) -> None:
    services.consent_record(
        customer=customer,
        channel="email",
        purpose="product_news",
        choice=Choice.GRANTED,
        method=Method.PORTAL,
        location="/o/haulright/my/consent/",
    )
    page = _staff(agent).get(f"/staff/haulright/customers/{customer.pk}/").content.decode()
    assert 'data-testid="consent-panel"' in page
    assert "Yes to: Product news by email" in page


def test_staff_record_a_choice_on_the_customers_word(org: Any, agent: Any, customer: Any) -> None:
    client = _staff(agent)
    url = f"/staff/haulright/customers/{customer.pk}/consent/record/"
    form = {"channel": "phone", "purpose": "sales", "choice": "refused", "note": ""}
    client.post(url, form)
    assert not ConsentRecord.objects.exists()  # no note, no record
    client.post(url, {**form, "note": "Rang on 3 Dec: no sales calls, ever."})
    record = ConsentRecord.objects.get()
    assert (record.method, record.by_user, record.by_customer) == (Method.STAFF, agent, False)
    page = client.get(f"/staff/haulright/customers/{customer.pk}/consent/").content.decode()
    assert "Rang on 3 Dec: no sales calls, ever." in page
    assert f"receipts/{record.receipt_id}/" in page


def test_staff_start_a_conversation_through_the_guard(
    org: Any, agent: Any, customer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = _staff(agent)
    url = f"/staff/haulright/customers/{customer.pk}/consent/outreach/"
    form = {**OUTREACH_FORM, "submission_id": "s1"}
    blocked = client.post(url, form, follow=True).content.decode()
    assert "Blocked: No consent for sales offers by email" in blocked
    assert not Case.objects.exists() and mail.outbox == []
    services.consent_record(
        customer=customer,
        channel="email",
        purpose="sales",
        choice=Choice.GRANTED,
        method=Method.PORTAL,
        location="/o/haulright/my/consent/",
    )
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(url, {**form, "submission_id": "s2"})
    case = Case.objects.get()
    assert sent["Location"] == reverse(
        "case-detail", kwargs={"org": "haulright", "number": case.number}
    )
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]
    # The same form posted twice sends once.
    client.post(url, {**form, "submission_id": "s2"})
    assert OutreachAttempt.objects.count() == 2 and len(mail.outbox) == 1


def test_a_campaign_reports_sent_and_blocked_by_reason(
    org: Any, manager: Any, agent: Any, quiet_now: Any, django_capture_on_commit_callbacks: Any
) -> None:
    yes = factories.make_customer(org, "Yes", "yes@example.com")
    no = factories.make_customer(org, "No", "no@example.com")
    never = factories.make_customer(org, "Never asked", "never@example.com")
    quiet = factories.make_customer(org, "Asleep", "asleep@example.com")
    for who, choice in ((yes, Choice.GRANTED), (no, Choice.REFUSED), (quiet, Choice.GRANTED)):
        services.consent_record(
            customer=who,
            channel="email",
            purpose="product_news",
            choice=choice,
            method=Method.PORTAL,
            location="/o/haulright/my/consent/",
        )
    quiet_now(quiet, "UTC")
    form = {
        "name": "Spring news",
        "channel": "email",
        "purpose": "product_news",
        "segment": "list",
        "customer_ids": f"{yes.pk}, {no.pk} {never.pk},{quiet.pk}",
        "subject": "What's new this spring",
        "body": "New trucks.",
    }
    assert _staff(agent).post("/staff/haulright/campaigns/", form).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = _staff(manager).post("/staff/haulright/campaigns/", form)
    campaign = Campaign.objects.get()
    assert response["Location"] == f"/staff/haulright/campaigns/{campaign.pk}/"
    report = selectors.campaign_report(campaign=campaign)
    # The customer in quiet hours is deferred to their end, not dropped.
    assert (report.sent, report.blocked, report.held) == (1, 2, 1)
    assert report.blocked_by_reason == {"no_consent": 2}
    assert [m.to for m in mail.outbox] == [["yes@example.com"]]
    page = _staff(agent).get(response["Location"]).content.decode()
    assert 'data-testid="blocked-no_consent">no consent: 2' in page
    assert 'data-testid="held"><strong>1</strong> held' in page
    # Running it again sends nothing more.
    campaign.status = "sending"
    campaign.save(update_fields=["status"])
    services.campaign_send(campaign_id=campaign.pk)
    assert OutreachAttempt.objects.count() == 4 and len(mail.outbox) == 1


def test_staff_hold_a_message_for_the_customers_quiet_hours(
    org: Any, agent: Any, customer: Any, grant: Any, quiet_now: Any
) -> None:
    grant("email", "sales")
    end = quiet_now(customer, "Asia/Tokyo").strftime("%H:%M")
    url = f"/staff/haulright/customers/{customer.pk}/consent/outreach/"
    form = OUTREACH_FORM
    refused = _staff(agent).post(url, form, follow=True).content.decode()
    assert "Blocked: Quiet hours in the customer&#x27;s time zone (Asia/Tokyo)" in refused
    held = _staff(agent).post(url, {**form, "hold": "on"}, follow=True).content.decode()
    assert f"Held for the customer&#x27;s quiet hours: it goes at {end} on" in held
    assert "their time (Asia/Tokyo)" in held
    attempt = OutreachAttempt.objects.order_by("-id")[0]
    assert attempt.outcome == "held" and attempt.next_allowed_at is not None
    assert mail.outbox == [] and not Case.objects.exists()
    # The staff page lists it with the time it goes.
    page = _staff(agent).get(f"/staff/haulright/customers/{customer.pk}/consent/").content.decode()
    assert 'data-testid="attempt-held"' in page
    assert f"Held: Quiet hours in the customer&#x27;s time zone (Asia/Tokyo) until {end}" in page
