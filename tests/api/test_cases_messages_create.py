from __future__ import annotations

from typing import Any

import pytest

from sayso.conversations.models import Message
from tests import factories

pytestmark = pytest.mark.django_db


def test_posts_a_reply_to_the_customer(api: Any, org: Any, agent: Any) -> None:
    case = factories.make_case(org)

    response = api.post(
        f"/cases/{case.number}/messages",
        {"kind": "reply", "body": "On its way", "visibility": "public"},
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["direction"], body["visibility"], body["author"]) == (
        "outbound",
        "public",
        "Agent",
    )
    assert body["channel"] == "email"  # the customer has an email address


def test_posts_an_internal_note(api: Any, org: Any) -> None:
    case = factories.make_case(org)

    response = api.post(f"/cases/{case.number}/messages", {"kind": "note", "body": "Call back"})

    assert response.status_code == 201
    assert response.json()["visibility"] == "internal"
    assert response.json()["direction"] == "internal"


def test_an_inbound_message_is_stored_once_per_external_id(api: Any, org: Any) -> None:
    case = factories.make_case(org)
    payload = {
        "kind": "inbound",
        "body": "Any update?",
        "external_id": "chat-17",
        "sent_at": "2025-01-02T03:04:05+01:00",
    }

    first = api.post(f"/cases/{case.number}/messages", payload)
    again = api.post(f"/cases/{case.number}/messages", payload)

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert first.json()["channel"] == "api"
    assert first.json()["sent_at"] == "2025-01-02T02:04:05Z"
    assert Message.objects.filter(external_id="chat-17").count() == 1


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        ({"kind": "reply", "body": " "}, "The message is empty."),
        ({"kind": "note", "body": ""}, "The message is empty."),
        ({"kind": "inbound", "body": "\n"}, "The message is empty."),
        (
            {"kind": "reply", "body": "x", "visibility": "internal"},
            "A reply is public or private; use a note for internal text.",
        ),
        (
            {"kind": "note", "body": "x", "visibility": "public"},
            "A note is always internal; leave visibility out.",
        ),
        (
            {"kind": "inbound", "body": "x", "visibility": "internal"},
            "A customer's message is public or private, never internal.",
        ),
        (
            {"kind": "inbound", "body": "x", "sent_at": "2025-01-02T03:04:05"},
            "sent_at needs a time zone (for example 2025-05-01T09:30:00Z).",
        ),
    ],
)
def test_invalid_messages_are_400_and_store_nothing(
    api: Any, org: Any, payload: dict[str, Any], detail: str
) -> None:
    case = factories.make_case(org)

    response = api.post(f"/cases/{case.number}/messages", payload)

    assert response.status_code == 400
    assert response.json() == {"detail": detail}
    assert Message.objects.filter(case=case).count() == 1


def test_an_unknown_kind_is_a_schema_error(api: Any, org: Any) -> None:
    case = factories.make_case(org)

    assert (
        api.post(f"/cases/{case.number}/messages", {"kind": "tweet", "body": "x"}).status_code
        == 422
    )


def test_another_organizations_case_is_not_found(rival_api: Any, org: Any) -> None:
    case = factories.make_case(org)

    response = rival_api.post(f"/cases/{case.number}/messages", {"kind": "note", "body": "hi"})

    assert response.status_code == 404
    assert Message.objects.filter(case=case).count() == 1
