"""Mentions move with a customer merge and back with its undoing; Mastodon direct messages and
followers-only posts become private messages."""

from __future__ import annotations

from typing import Any

import pytest

from sayso.customers.services import customer_merge, customer_unmerge
from sayso.listening.connectors import FetchedItem
from sayso.listening.models import Mention
from sayso.listening.pipeline import items_ingest
from sayso.listening.services import source_create, term_add
from tests import factories


@pytest.mark.django_db
def test_mentions_follow_a_merge_and_its_undoing(org: Any) -> None:
    term_add(organization=org, kind="brand", term="Haulright")
    source = source_create(
        organization=org,
        name="Masto",
        kind="mastodon",
        url="https://mastodon.example",
        queries="#haulright",
    )
    items_ingest(
        source=source,
        items=[
            FetchedItem(
                "https://mastodon.example/@kim/1",
                "Lovely day moving with Haulright!",
                author_kind="mastodon",
                author_value="@kim@mastodon.example",
            )
        ],
    )
    mention = Mention.objects.get()
    prospect = mention.customer
    assert prospect is not None
    known = factories.make_customer(org, "Kim Park", "kim@example.net")
    merge = customer_merge(source=prospect, target=known)
    mention.refresh_from_db()
    assert mention.customer == known
    customer_unmerge(merge=merge)
    mention.refresh_from_db()
    assert mention.customer == prospect


@pytest.mark.django_db
def test_direct_messages_are_stored_private(org: Any) -> None:
    source = source_create(
        organization=org,
        name="Masto",
        kind="mastodon",
        url="https://mastodon.example",
        account="@haulright@mastodon.example",
    )
    items_ingest(
        source=source,
        items=[
            FetchedItem(
                "https://mastodon.example/@kim/2",
                "@haulright where is my refund? Order 77.",
                author_kind="mastodon",
                author_value="@kim@mastodon.example",
                direct=True,
                private=True,
            ),
            FetchedItem(
                "https://mastodon.example/@lee/3",
                "@haulright can I extend my rental?",
                author_kind="mastodon",
                author_value="@lee@mastodon.example",
                direct=True,
            ),
        ],
    )
    private = Mention.objects.get(external_id__endswith="/2")
    public = Mention.objects.get(external_id__endswith="/3")
    assert private.message is not None and private.message.visibility == "private"
    assert public.message is not None and public.message.visibility == "public"
