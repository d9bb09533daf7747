from __future__ import annotations

from typing import Any

import pytest

from sayso.conversations.models import Case, Message
from sayso.customers import services as customer_services
from tests import factories

pytestmark = pytest.mark.django_db


def test_opens_a_case_with_the_first_message(api: Any, org: Any, customer: Any) -> None:
    response = api.post(
        "/cases",
        {
            "customer_id": customer.pk,
            "subject": "Truck booking",
            "body": "Can I book a truck for Friday?",
            "priority": "high",
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["subject"] == "Truck booking"
    assert body["priority"] == "high"
    assert body["channel"] == "api"
    assert body["status"] == "open"
    case = Case.objects.get(organization=org, number=body["number"])
    message = Message.objects.get(case=case)
    assert (message.direction, message.channel, message.body) == (
        "inbound",
        "api",
        "Can I book a truck for Friday?",
    )


def test_the_channel_can_be_given_and_the_subject_defaults_to_the_first_line(
    api: Any, customer: Any
) -> None:
    response = api.post(
        "/cases",
        {"customer_id": customer.pk, "body": "Phone call\nabout brakes", "channel": "phone"},
    )

    assert response.status_code == 201
    assert response.json()["channel"] == "phone"
    assert response.json()["subject"] == "Phone call"


def test_reposting_the_same_external_id_returns_the_same_case(
    api: Any, org: Any, customer: Any
) -> None:
    payload = {"customer_id": customer.pk, "body": "Hello", "external_id": "ticket-42"}

    first = api.post("/cases", payload)
    again = api.post("/cases", payload)

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["number"] == first.json()["number"]
    assert Case.objects.filter(organization=org).count() == 1
    assert Message.objects.filter(organization=org).count() == 1


def test_an_empty_body_is_400_and_opens_nothing(api: Any, org: Any, customer: Any) -> None:
    response = api.post("/cases", {"customer_id": customer.pk, "body": "  "})

    assert response.status_code == 400
    assert response.json() == {"detail": "The message is empty."}
    assert not Case.objects.filter(organization=org).exists()


def test_a_merged_customer_is_400(api: Any, org: Any, customer: Any) -> None:
    duplicate = factories.make_customer(org, "Dup")
    customer_services.customer_merge(source=duplicate, target=customer)

    response = api.post("/cases", {"customer_id": duplicate.pk, "body": "Hi"})

    assert response.status_code == 400
    assert "merged into another" in response.json()["detail"]


def test_another_organizations_customer_is_not_found(
    rival_api: Any, customer: Any, org: Any
) -> None:
    response = rival_api.post("/cases", {"customer_id": customer.pk, "body": "Hi"})

    assert response.status_code == 404
    assert response.json() == {"detail": f"Customer {customer.pk} (customer_id) not found."}
    assert not Case.objects.exists()


def test_a_missing_field_is_a_schema_error(api: Any, customer: Any) -> None:
    assert api.post("/cases", {"customer_id": customer.pk}).status_code == 422
    assert (
        api.post("/cases", {"customer_id": customer.pk, "body": "x", "priority": "?"}).status_code
        == 422
    )
