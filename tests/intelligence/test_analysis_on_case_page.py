"""Staff see what the analysis read in each customer message on the case page; customers
never see it on theirs."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sayso.intelligence.tasks import analyze_message
from tests import factories

pytestmark = pytest.mark.django_db

COMPLAINT = "Third time my truck is late and nobody calls back. Is anyone fixing this?"


def analyzed_case(org: Any, customer: Any) -> Any:
    case = factories.make_case(org, customer, subject="Late truck", body=COMPLAINT)
    repeat = factories.inbound(org, case, COMPLAINT, external_id="repeat-1")
    for message in case.messages.all():
        analyze_message.call(message.pk)
    return case, repeat


def test_the_staff_case_page_shows_sentiment_intents_duplicates_and_reasons(
    org: Any, agent: Any, customer: Any
) -> None:
    case, repeat = analyzed_case(org, customer)
    first = case.messages.order_by("id").first()
    client = Client()
    client.force_login(agent)

    page = client.get(reverse("case-detail", kwargs={"org": org.slug, "number": case.number}))

    assert page.status_code == 200
    assert 'class="badge sentiment-negative"' in page.text
    assert ">Complaint<" in page.text and ">Question<" in page.text
    assert f'id="message-{repeat.pk}"' in page.text
    assert f'href="#message-{first.pk}">Repeats message {first.pk}<' in page.text
    assert f"same text as message #{first.pk}" in page.text


def test_the_analysis_never_reaches_the_customer(org: Any, customer: Any) -> None:
    case, _ = analyzed_case(org, customer)
    client = Client()
    session = client.session
    session[f"portal-customer:{org.pk}"] = customer.pk
    session.save()

    page = client.get(reverse("portal-case", kwargs={"org": org.slug, "number": case.number}))

    assert page.status_code == 200
    assert COMPLAINT in page.text
    assert "sentiment" not in page.text and "Repeats message" not in page.text
