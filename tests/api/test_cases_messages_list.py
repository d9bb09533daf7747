from __future__ import annotations

from typing import Any

import pytest

from sayso.conversations import services
from tests import factories
from tests.api.conftest import count_queries

pytestmark = pytest.mark.django_db


def test_lists_every_message_including_internal_notes(
    api: Any, org: Any, agent: Any, customer: Any
) -> None:
    case = factories.make_case(org, customer, body="My truck is late")
    services.message_note(case=case, author=agent, body="Checked with dispatch")
    services.message_reply(case=case, author=agent, body="It arrives at noon", visibility="public")
    factories.inbound(org, case, "Thanks!", external_id="<thanks@example.com>")

    response = api.get(f"/cases/{case.number}/messages")

    assert response.status_code == 200
    items = response.json()["items"]
    assert [(m["direction"], m["visibility"], m["channel"], m["author"]) for m in items] == [
        ("inbound", "private", "web", "customer"),
        ("internal", "internal", "staff", "Agent"),
        ("outbound", "public", "email", "Agent"),
        ("inbound", "private", "email", "customer"),
    ]
    assert items[1]["body"] == "Checked with dispatch"
    assert items[1]["author_user_id"] == agent.pk
    assert items[3]["external_id"] == "<thanks@example.com>"
    assert items[0]["sent_at"].endswith("Z")


def test_a_message_by_a_known_identity_names_it(api: Any, org: Any, customer: Any) -> None:
    identity = customer.identities.get()
    message, _ = services.message_receive(
        organization=org, customer=customer, channel="email", body="Hi", author_identity=identity
    )

    items = api.get(f"/cases/{message.case.number}/messages").json()["items"]

    assert items[0]["author"] == "ada@example.com"
    assert items[0]["author_identity_id"] == identity.pk


def test_another_organizations_case_is_not_found(rival_api: Any, org: Any) -> None:
    case = factories.make_case(org)

    assert rival_api.get(f"/cases/{case.number}/messages").status_code == 404


def test_query_count_does_not_grow_with_the_page(api: Any, org: Any, agent: Any) -> None:
    case = factories.make_case(org)
    api.get(f"/cases/{case.number}/messages")
    few = count_queries(lambda: api.get(f"/cases/{case.number}/messages"))
    for n in range(4):
        services.message_note(case=case, author=agent, body=f"note {n}")
        factories.inbound(org, case, f"more {n}")

    assert count_queries(lambda: api.get(f"/cases/{case.number}/messages")) == few
