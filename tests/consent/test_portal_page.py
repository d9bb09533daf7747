"""The customer's one consent page: choices with the notice shown, contact preferences, the
decisions with receipts, and the attempts to reach them in plain words."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sayso.consent import receipts, services
from sayso.consent.forms import choice_field_name
from sayso.consent.guard import outreach_attempt
from sayso.consent.models import Choice, ConsentChannel, ConsentRecord, Method, Purpose
from sayso.customers.models import TimelineEvent, TimelineKind
from tests import factories

pytestmark = pytest.mark.django_db


def _portal(org: Any, customer: Any) -> Client:
    client = Client()
    session = client.session
    session[f"portal-customer:{org.pk}"] = customer.pk
    session.save()
    return client


def _form(**changes: str) -> dict[str, str]:
    data = {
        choice_field_name(channel, purpose): Choice.NOT_ASKED
        for channel in ConsentChannel.values
        for purpose in Purpose.values
    }
    data.update(time_zone="Europe/Paris", quiet_start="", quiet_end="", not_before="")
    data["max_per_week"] = ""
    data.update(changes)
    return data


def test_the_customer_sees_every_purpose_with_its_notice(org: Any, customer: Any) -> None:
    services.notice_publish(
        organization=org, purpose=Purpose.SALES, text="Offers from Haulright's sales team."
    )
    page = _portal(org, customer).get("/o/haulright/my/consent/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Offers from Haulright&#x27;s sales team." in text
    assert "Surveys and research interviews" in text  # the default notice of research
    assert 'data-testid="consent-sales"' in text


def test_the_customer_changes_consent_and_preferences_in_one_form(org: Any, customer: Any) -> None:
    client = _portal(org, customer)
    sales = choice_field_name("email", "sales")
    news = choice_field_name("email", "product_news")
    response = client.post(
        "/o/haulright/my/consent/",
        _form(
            **{sales: Choice.REFUSED, news: Choice.GRANTED},
            quiet_start="21:00",
            quiet_end="08:00",
            not_before="2027-03-01",
            max_per_week="2",
        ),
    )
    assert response.status_code == 302
    records = {
        (r.channel, r.purpose): r
        for r in ConsentRecord.objects.filter(customer=customer).select_related("notice")
    }
    assert set(records) == {("email", "sales"), ("email", "product_news")}
    refused = records[("email", "sales")]
    assert refused.choice == Choice.REFUSED and refused.method == Method.PORTAL
    assert refused.by_customer and refused.location == "/o/haulright/my/consent/"
    assert refused.notice is not None and refused.notice.version == 1
    preferences = customer.contact_preferences
    assert (preferences.time_zone, str(preferences.quiet_start), preferences.max_per_week) == (
        "Europe/Paris",
        "21:00:00",
        2,
    )
    assert (
        TimelineEvent.objects.filter(
            customer=customer, kind=TimelineKind.CONSENT_CHANGED, customer_visible=True
        ).count()
        == 3
    )
    # The same form again records nothing more.
    client.post(
        "/o/haulright/my/consent/",
        _form(
            **{sales: Choice.REFUSED, news: Choice.GRANTED},
            quiet_start="21:00",
            quiet_end="08:00",
            not_before="2027-03-01",
            max_per_week="2",
        ),
    )
    assert ConsentRecord.objects.filter(customer=customer).count() == 2


def test_bad_input_is_a_400_that_records_nothing(org: Any, customer: Any) -> None:
    client = _portal(org, customer)
    for bad in (
        _form(time_zone="Mars/Olympus"),
        _form(quiet_start="21:00"),
        _form(**{choice_field_name("email", "sales"): "maybe"}),
        {},
    ):
        assert client.post("/o/haulright/my/consent/", bad).status_code == 400
    assert not ConsentRecord.objects.exists()


def test_blocked_attempts_are_listed_in_plain_words(org: Any, agent: Any, customer: Any) -> None:
    services.preferences_set(customer=customer, time_zone="America/Denver")
    outreach_attempt(
        organization=org,
        customer=customer,
        channel="email",
        purpose="sales",
        subject="truck rentals",
        body="20% off in March.",
        actor=agent,
    )
    text = _portal(org, customer).get("/o/haulright/my/consent/").content.decode()
    assert "Haulright Trucks&#x27;s sales team tried to email you on" in text
    assert "about “truck rentals”; your settings blocked it (no consent for sales" in text


def test_a_receipt_downloads_and_verifies_and_another_customers_is_not_found(
    org: Any, customer: Any
) -> None:
    record = services.consent_record(
        customer=customer,
        channel="email",
        purpose="product_news",
        choice=Choice.GRANTED,
        method=Method.PORTAL,
        location="/o/haulright/my/consent/",
    )
    client = _portal(org, customer)
    response = client.get(f"/o/haulright/my/consent/receipts/{record.receipt_id}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    keys = client.get("/o/haulright/consent/receipt-keys.json").json()
    claims = receipts.receipt_verify(response.content.decode(), keys)
    assert claims["consentReceiptID"] == str(record.receipt_id)
    other = factories.make_customer(org, "Bea", "bea@example.com")
    assert (
        _portal(org, other)
        .get(f"/o/haulright/my/consent/receipts/{record.receipt_id}/")
        .status_code
        == 404
    )


def test_signed_out_visitors_are_sent_to_sign_in(org: Any) -> None:
    response = Client().get("/o/haulright/my/consent/")
    assert response.status_code == 302 and "/o/haulright/signin/" in response["Location"]


def test_saving_is_rate_limited(org: Any, customer: Any, settings: Any) -> None:
    settings.SAYSO_RATE_LIMIT_PER_MINUTE = 2
    client = _portal(org, customer)
    statuses = [client.post("/o/haulright/my/consent/", _form()).status_code for _ in range(3)]
    assert statuses == [302, 302, 429]
