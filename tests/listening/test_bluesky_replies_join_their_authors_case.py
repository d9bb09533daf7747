"""A Bluesky reply (its record's ``reply.parent``) read through the real ``atproto`` SDK from
the stand-in AppView joins its author's case that holds the post it answers, and the author is
one customer known by handle and DID (issue 20, identity that holds)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from sayso.customers.models import Identity, IdentityKind
from sayso.listening.connectors import bluesky as connector
from sayso.listening.models import Mention, Outcome
from sayso.listening.pipeline import items_ingest
from tests.listening.stand_in import StandIn
from tests.listening.test_bluesky import Service, post, profile, public


@pytest.fixture
def service(stand_in: StandIn) -> Service:
    return Service(stand_in)


@pytest.mark.django_db
def test_a_reply_joins_the_case_of_the_post_it_answers(
    org: Any, stand_in: StandIn, service: Service
) -> None:
    dana = profile()
    root = post(1, "Haulright lost my booking for Saturday, booking HR-2291.", author=dana)
    reply = post(2, "Haulright: and what are your depot opening hours on Sunday?", author=dana)
    ref = {"uri": root["uri"], "cid": root["cid"]}
    reply["record"]["reply"] = {"root": ref, "parent": ref}
    service.posts = [reply, root]
    source = public(org, stand_in)

    fetched = connector.fetch(source, {})
    by_uri = {item.external_id: item for item in fetched.items}
    assert by_uri[reply["uri"]].reply_to == root["uri"]
    assert by_uri[root["uri"]].reply_to == ""
    # Both addressed to the organization, so the first opens a case whatever its wording.
    items_ingest(source=source, items=[replace(i, direct=True) for i in fetched.items])

    first = Mention.objects.get(external_id=root["uri"])
    second = Mention.objects.get(external_id=reply["uri"])
    assert first.outcome == Outcome.OPENED and first.case is not None
    assert second.outcome == Outcome.JOINED and second.case == first.case
    assert second.message is not None
    assert second.message.headers["listening"]["in_reply_to"] == root["uri"]
    assert first.customer == second.customer
    assert set(Identity.objects.filter(customer=first.customer).values_list("kind", "value")) == {
        (IdentityKind.BLUESKY, dana["handle"]),
        (IdentityKind.BLUESKY, dana["did"]),
    }
