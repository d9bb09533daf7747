"""Each event type, emitted by the action that makes it (through the services the web pages,
the API and the worker call), reaches a subscribed receiver as signed JSON; internal notes
never leave; an endpoint receives only the types it subscribed to; and another organization's
endpoint receives nothing of this one's."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sayso.community import ideas as community
from sayso.conversations import commitments
from sayso.conversations import services as conversations
from sayso.listening.connectors import FetchedItem
from sayso.listening.models import TermKind
from sayso.listening.pipeline import items_ingest
from sayso.listening.services import source_create, term_add
from sayso.status import services as status
from sayso.webhooks.services import endpoint_create
from tests import factories
from tests.webhooks.conftest import Receiver

pytestmark = pytest.mark.django_db


def _subscribe(org: Any, receiver: Receiver, path: str, types: list[str] | None = None) -> None:
    _, secret = endpoint_create(organization=org, url=receiver.url(path), event_types=types)
    receiver.listen(path, secret)


def test_conversation_events(
    org: Any, other_org: Any, customer: Any, agent: Any, receiver: Receiver, run_on_commit: Any
) -> None:
    _subscribe(org, receiver, "/all")
    _subscribe(org, receiver, "/promises", ["commitment.breached", "commitment.kept"])
    _subscribe(other_org, receiver, "/rival")

    with run_on_commit(execute=True):
        message, _ = conversations.message_receive(
            organization=org,
            customer=customer,
            channel="email",
            subject="Truck not delivered",
            body="My truck never came.",
            external_id="<m1@example.com>",
        )
    case = message.case
    with run_on_commit(execute=True):
        conversations.message_note(case=case, author=agent, body="INTERNAL: VIP, be nice")
    with run_on_commit(execute=True):
        conversations.message_reply(case=case, author=agent, body="Sorry! On its way.")
    with run_on_commit(execute=True):
        conversations.case_update(case=case, actor=agent, priority="high")
    with run_on_commit(execute=True):
        promise = factories.make_commitment(case, agent, hours=1, description="Call back")
    with run_on_commit(execute=True):
        commitments.commitment_breach(commitment=promise, now=timezone.now() + timedelta(hours=2))
    with run_on_commit(execute=True):
        commitments.commitment_keep(commitment=promise, actor=agent, note="Called")
    with run_on_commit(execute=True):
        conversations.case_update(case=case, actor=agent, status="resolved")

    assert receiver.types("/all") == [
        "case.opened",
        "message.received",
        "message.sent",
        "case.updated",
        "commitment.made",
        "commitment.breached",
        "commitment.kept",
        "case.resolved",
    ]
    bodies = {body["type"]: body for body in receiver.received("/all")}
    opened = bodies["case.opened"]["data"]["case"]
    assert (opened["id"], opened["number"], opened["subject"]) == (
        case.pk,
        case.number,
        "Truck not delivered",
    )
    assert opened["customer_id"] == customer.pk
    received = bodies["message.received"]["data"]["message"]
    assert (received["direction"], received["channel"], received["body"]) == (
        "inbound",
        "email",
        "My truck never came.",
    )
    assert bodies["message.sent"]["data"]["message"]["author_user_id"] == agent.pk
    assert bodies["case.updated"]["data"]["change"] == "priority"
    assert bodies["case.updated"]["data"]["case"]["priority"] == "high"
    breached = bodies["commitment.breached"]["data"]["commitment"]
    assert breached["status"] == "breached" and breached["owner_id"] == agent.pk
    resolved = bodies["case.resolved"]["data"]
    assert resolved["case"]["status"] == "resolved" and resolved["previous_status"] == "open"
    assert resolved["case"]["resolved_at"] is not None
    for body in receiver.received("/all"):
        assert "INTERNAL" not in str(body) and "VIP" not in str(body)
        assert body["timestamp"].endswith("Z")
    # No customer's address or phone in any payload.
    everything = "".join(r.body.decode() for r in receiver.server.calls("/all"))
    assert customer.identities.get().value not in everything

    assert receiver.types("/promises") == ["commitment.breached", "commitment.kept"]
    assert receiver.types("/rival") == []


def test_idea_incident_and_mention_events(
    org: Any, other_org: Any, agent: Any, customer: Any, receiver: Receiver, run_on_commit: Any
) -> None:
    _subscribe(org, receiver, "/all")
    _subscribe(other_org, receiver, "/rival")
    idea, _ = community.idea_post(organization=org, author=customer, title="Dark mode", body="x")
    with run_on_commit(execute=True):
        community.idea_status_change(
            idea=idea, status="planned", reason="Next quarter.", actor=agent
        )
    with run_on_commit(execute=True):
        incident, _ = status.incident_open(
            organization=org, title="Booking down", body="Investigating.", actor=agent
        )
    with run_on_commit(execute=True):
        status.incident_update_post(
            incident=incident, status="identified", body="A bad deploy.", actor=agent
        )
    with run_on_commit(execute=True):
        status.incident_update_post(
            incident=incident, status="resolved", body="Rolled back.", actor=agent
        )
    term_add(organization=org, kind=TermKind.BRAND, term="Haulright")
    source = source_create(
        organization=org, name="Forum", kind="rss", url="https://forum.example/feed"
    )
    with run_on_commit(execute=True):
        items_ingest(
            source=source,
            items=[
                FetchedItem(
                    "https://forum.example/p/1",
                    "What a lovely day for moving with Haulright!",
                    author_name="Kim",
                    author_kind="url",
                    author_value="https://kim.example/",
                    url="https://forum.example/p/1",
                )
            ],
        )

    types = receiver.types("/all")
    assert types[:4] == [
        "idea.status_changed",
        "incident.opened",
        "incident.updated",
        "incident.resolved",
    ]
    assert "mention.received" in types[4:]
    bodies = {body["type"]: body["data"] for body in receiver.received("/all")}
    changed = bodies["idea.status_changed"]["idea"]
    assert (changed["number"], changed["status"], changed["previous_status"]) == (
        idea.number,
        "planned",
        "open",
    )
    assert changed["reason"] == "Next quarter." and changed["url"].endswith(f"/{idea.number}/")
    assert bodies["incident.opened"]["incident"]["update"]["body"] == "Investigating."
    assert bodies["incident.updated"]["incident"]["status"] == "identified"
    resolved = bodies["incident.resolved"]["incident"]
    assert resolved["status"] == "resolved" and resolved["resolved_at"] is not None
    mention = bodies["mention.received"]["mention"]
    assert mention["text"].startswith("What a lovely day") and mention["source_id"] == source.pk
    assert receiver.types("/rival") == []
