from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sayso.conversations.models import Case, Message


def _signed_in(org: Any, customer: Any) -> Client:
    client = Client()
    session = client.session
    session[f"portal-customer:{org.pk}"] = customer.pk
    session.save()
    return client


@pytest.mark.django_db
def test_customer_opens_a_case_and_a_double_submit_stores_it_once(org: Any, customer: Any) -> None:
    client = _signed_in(org, customer)
    url = reverse("portal-case-new", kwargs={"org": org.slug})
    data = {
        "subject": "Brakes squeak",
        "body": "The truck's brakes squeak.",
        "submission_id": "f" * 32,
    }
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.status_code == 302 and second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Case.objects.filter(organization=org).count() == 1
    assert Message.objects.filter(organization=org).count() == 1


@pytest.mark.django_db
def test_customer_replies_to_their_case_and_the_case_reopens(
    org: Any, customer: Any, agent: Any
) -> None:
    from sayso.conversations.services import case_update
    from tests import factories

    case = factories.make_case(org, customer, subject="Refund")
    case_update(case=case, actor=agent, status="resolved")
    client = _signed_in(org, customer)
    url = reverse("portal-case", kwargs={"org": org.slug, "number": case.number})
    response = client.post(url, {"body": "Still no refund.", "submission_id": "e" * 32})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "open"
    assert case.messages.filter(body="Still no refund.", channel="portal").count() == 1


@pytest.mark.django_db
def test_empty_or_oversized_reply_is_refused_with_a_message(
    org: Any, customer: Any, settings: Any
) -> None:
    from tests import factories

    case = factories.make_case(org, customer)
    client = _signed_in(org, customer)
    url = reverse("portal-case", kwargs={"org": org.slug, "number": case.number})
    before = Message.objects.count()
    response = client.post(url, {"body": "   ", "submission_id": "d" * 32})
    assert response.status_code == 400
    assert "required" in response.text
    settings.SAYSO_MAX_MESSAGE_CHARS = 10
    response = client.post(url, {"body": "x" * 50, "submission_id": "c" * 32})
    assert response.status_code == 400
    assert "too long" in response.text
    response = client.post(url, {"body": "hello", "submission_id": "not-hex"})
    assert response.status_code == 400
    assert Message.objects.count() == before
