"""GET /api/v1/messages/{id}/analysis"""

from __future__ import annotations

from typing import Any

import pytest

from sayso.conversations import services
from sayso.conversations.models import Channel
from sayso.intelligence.models import MessageAnalysis
from tests import factories

pytestmark = pytest.mark.django_db


def receive(org: Any, customer: Any, body: str) -> Any:
    message, _ = services.message_receive(
        organization=org, customer=customer, channel=Channel.WEB, body=body
    )
    return message


def test_gets_the_analysis_of_a_message(api: Any, org: Any, customer: Any) -> None:
    message = receive(org, customer, "Why was I charged twice for the van? Please refund me.")

    response = api.get(f"/messages/{message.pk}/analysis")

    assert response.status_code == 200
    body = response.json()
    assert body["message_id"] == message.pk
    assert body["sentiment"] == "negative"
    assert "complaint" in body["intents"]
    assert body["is_spam"] is False
    assert body["language"] == "en"
    assert body["duplicate_of"] is None
    assert body["model_version"].startswith("analysis-")
    assert body["analyzed_at"].endswith("Z")
    assert MessageAnalysis.objects.filter(message=message).count() == 1


def test_reading_twice_analyzes_once(api: Any, org: Any, customer: Any) -> None:
    message = receive(org, customer, "Do you rent trailers by the hour?")

    first = api.get(f"/messages/{message.pk}/analysis").json()
    second = api.get(f"/messages/{message.pk}/analysis").json()

    assert first["analyzed_at"] == second["analyzed_at"]


def test_another_organizations_message_is_not_found(
    api: Any, rival_api: Any, org: Any, customer: Any
) -> None:
    message = receive(org, customer, "Do you rent trailers by the hour?")

    response = rival_api.get(f"/messages/{message.pk}/analysis")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert api.get("/messages/999999/analysis").status_code == 404


def test_needs_a_token_with_cases_read(scoped_api: Any, org: Any, customer: Any) -> None:
    message = receive(org, customer, "Do you rent trailers by the hour?")

    assert scoped_api("customers:read").get(f"/messages/{message.pk}/analysis").status_code == 403
    assert scoped_api("cases:read").get(f"/messages/{message.pk}/analysis").status_code == 200


def test_needs_a_token(client: Any, org: Any) -> None:
    message = factories.make_case(org).messages.first()

    assert client.get(f"/api/v1/messages/{message.pk}/analysis").status_code == 401
