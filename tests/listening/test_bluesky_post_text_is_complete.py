"""A Bluesky post's stored text holds what a person reads on it: links in full (the text shows
them shortened, the facets hold them), image and video descriptions (alt text), the link card (``app.bsky.embed.external``), the quoted post with its author and
its media (``app.bsky.embed.record`` / ``recordWithMedia``), and the author's own content
warning (self-labels). Read through the real ``atproto`` SDK from a stand-in service on
127.0.0.1 (search answers post views with their embeds' views; a notification carries only the
record, whose quote is a reference: the quoted posts are read in one getPosts request, or
named by address when the service does not answer)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from sayso.listening.connectors import bluesky as connector
from sayso.listening.models import SourceKind
from sayso.listening.services import source_create
from tests import factories
from tests.listening.stand_in import Reply, StandIn
from tests.listening.test_bluesky import (
    APP_PASSWORD,
    ORG_HANDLE,
    WHEN,
    Service,
    _iso,
    cid,
    notification,
    post,
    profile,
    tid,
)

LEE = profile("lee.bsky.social", "Lee Okafor", "did:plc:l3rouwludahu3ui3bt66mfvj")


def images_view(*alts: str) -> dict[str, Any]:
    return {
        "$type": "app.bsky.embed.images#view",
        "images": [
            {
                "thumb": f"https://cdn.bsky.app/img/feed_thumbnail/plain/x/{cid(n)}@jpeg",
                "fullsize": f"https://cdn.bsky.app/img/feed_fullsize/plain/x/{cid(n)}@jpeg",
                "alt": alt,
                "aspectRatio": {"width": 1000, "height": 750},
            }
            for n, alt in enumerate(alts)
        ],
    }


def quoted_view(n: int, text: str, *embeds: dict[str, Any]) -> dict[str, Any]:
    basic = {k: LEE[k] for k in ("did", "handle", "displayName", "avatar", "labels", "createdAt")}
    return {
        "$type": "app.bsky.embed.record#viewRecord",
        "uri": f"at://{LEE['did']}/app.bsky.feed.post/{tid(n)}",
        "cid": cid(n),
        "author": basic,
        "value": {"$type": "app.bsky.feed.post", "text": text, "createdAt": _iso(WHEN)},
        "labels": [],
        "indexedAt": _iso(WHEN),
        "embeds": list(embeds),
    }


def with_embed(
    n: int, text: str, view: dict[str, Any], own: dict[str, Any] | None = None
) -> dict[str, Any]:
    found = post(n, text)
    found["embed"] = view
    if own is not None:
        found["record"]["embed"] = own
    return found


def bluesky_source(stand_in: StandIn, **values: Any) -> Any:
    return source_create(
        organization=factories.make_org(),
        name="Bluesky",
        kind=SourceKind.BLUESKY,
        url=stand_in.url,
        **values,
    )


@pytest.fixture
def service(stand_in: StandIn) -> Service:
    connector._SESSIONS.clear()
    return Service(stand_in)


@pytest.mark.django_db
def test_media_cards_quotes_and_warnings_are_part_of_the_text(
    stand_in: StandIn, service: Service
) -> None:
    images = with_embed(
        1,
        "Haulright van after the move",
        images_view("A dented sliding door, paint scraped to the metal", ""),
    )
    card = with_embed(
        2,
        "haulright in the news",
        {
            "$type": "app.bsky.embed.external#view",
            "external": {
                "uri": "https://news.example/haulright-recall",
                "title": "Haulright recalls 300 vans",
                "description": "Brake lines may wear early.",
            },
        },
    )
    quote = with_embed(
        3,
        "Same thing happened to me with Haulright",
        {
            "$type": "app.bsky.embed.record#view",
            "record": quoted_view(
                30, "Haulright never showed up.\nTwo days lost.", images_view("Empty street")
            ),
        },
    )
    both = with_embed(
        4,
        "Haulright, see for yourself",
        {
            "$type": "app.bsky.embed.recordWithMedia#view",
            "record": {
                "$type": "app.bsky.embed.record#view",
                "record": quoted_view(40, "Booked Haulright for Friday"),
            },
            "media": {
                "$type": "app.bsky.embed.video#view",
                "cid": cid(41),
                "playlist": "https://video.bsky.app/watch/x/playlist.m3u8",
                "alt": "Driver dropping a box of plates",
            },
        },
    )
    gone = with_embed(
        5,
        "haulright replied to this",
        {
            "$type": "app.bsky.embed.record#view",
            "record": {
                "$type": "app.bsky.embed.record#viewNotFound",
                "uri": f"at://{LEE['did']}/app.bsky.feed.post/{tid(50)}",
                "notFound": True,
            },
        },
    )
    warned = post(6, "Haulright injury photos")
    warned["record"]["labels"] = {
        "$type": "com.atproto.label.defs#selfLabels",
        "values": [{"val": "graphic-media"}],
    }
    service.posts = [images, card, quote, both, gone, warned]
    source = bluesky_source(stand_in, queries="haulright")

    result = connector.fetch(source, {})

    texts = {item.external_id: item.text for item in result.items}
    assert texts[images["uri"]] == (
        "Haulright van after the move\n\n"
        "[image: A dented sliding door, paint scraped to the metal]\n\n[image]"
    )
    assert texts[card["uri"]] == (
        "haulright in the news\n\n[link: Haulright recalls 300 vans — Brake lines may wear "
        "early. <https://news.example/haulright-recall>]"
    )
    assert texts[quote["uri"]] == (
        "Same thing happened to me with Haulright\n\n"
        "Quoting Lee Okafor (@lee.bsky.social):\n"
        "> Haulright never showed up.\n> Two days lost.\n>\n> [image: Empty street]"
    )
    assert texts[both["uri"]] == (
        "Haulright, see for yourself\n\n[video: Driver dropping a box of plates]\n\n"
        "Quoting Lee Okafor (@lee.bsky.social):\n> Booked Haulright for Friday"
    )
    assert texts[gone["uri"]] == "haulright replied to this\n\n[quoted post not available]"
    assert texts[warned["uri"]] == "CW: graphic media\n\nHaulright injury photos"


def quoting_mention() -> dict[str, Any]:
    """A mention whose record quotes Lee's post (with an image of its own beside it)."""
    note = notification(1, "mention", f"@{ORG_HANDLE} look at this")
    quoted_uri = f"at://{LEE['did']}/app.bsky.feed.post/{tid(60)}"
    note["record"]["embed"] = {
        "$type": "app.bsky.embed.recordWithMedia",
        "record": {
            "$type": "app.bsky.embed.record",
            "record": {"uri": quoted_uri, "cid": cid(60)},
        },
        "media": {
            "$type": "app.bsky.embed.images",
            "images": [
                {
                    "alt": "Invoice with the fee circled",
                    "image": {
                        "$type": "blob",
                        "ref": {"$link": cid(61)},
                        "mimeType": "image/jpeg",
                        "size": 48213,
                    },
                }
            ],
        },
    }
    note["indexedAt"] = _iso(WHEN + timedelta(minutes=1))
    return note


@pytest.mark.django_db
def test_a_mention_reads_the_post_it_quotes_in_one_request(
    stand_in: StandIn, service: Service
) -> None:
    quoted = with_embed(60, "Haulright charged me twice", images_view("Bank statement"))
    quoted["author"] = {k: LEE[k] for k in ("did", "handle", "displayName", "avatar", "labels")}
    quoted["uri"] = f"at://{LEE['did']}/app.bsky.feed.post/{tid(60)}"
    stand_in.route(
        "/xrpc/app.bsky.feed.getPosts",
        lambda request: Reply(
            body={"posts": [quoted] if quoted["uri"] in request.query.get("uris", []) else []}
        ),
    )
    service.notes = [quoting_mention()]
    source = bluesky_source(stand_in, account=f"@{ORG_HANDLE}", credential=APP_PASSWORD)

    (item,) = connector.fetch(source, {}).items

    assert item.text == (
        f"@{ORG_HANDLE} look at this\n\n[image: Invoice with the fee circled]\n\n"
        "Quoting Lee Okafor (@lee.bsky.social):\n"
        "> Haulright charged me twice\n>\n> [image: Bank statement]"
    )
    assert len(stand_in.calls("/xrpc/app.bsky.feed.getPosts")) == 1


@pytest.mark.django_db
def test_a_quote_the_service_does_not_return_is_named_by_its_address(
    stand_in: StandIn, service: Service
) -> None:
    # No getPosts here (the stand-in answers 404): the mention is still stored.
    service.notes = [quoting_mention()]
    source = bluesky_source(stand_in, account=f"@{ORG_HANDLE}", credential=APP_PASSWORD)

    result = connector.fetch(source, {})

    (item,) = result.items
    rkey = tid(60)
    assert item.text == (
        f"@{ORG_HANDLE} look at this\n\n[image: Invoice with the fee circled]\n\n"
        f"[quoting https://bsky.app/profile/{LEE['did']}/post/{rkey}]"
    )


def link_facet(text: str, shown: str, uri: str) -> dict[str, Any]:
    """A link facet over ``shown`` in ``text``, by UTF-8 byte range as the app writes it."""
    start = len(text.encode()[: text.encode().index(shown.encode())])
    return {
        "$type": "app.bsky.richtext.facet",
        "index": {"byteStart": start, "byteEnd": start + len(shown.encode())},
        "features": [{"$type": "app.bsky.richtext.facet#link", "uri": uri}],
    }


@pytest.mark.django_db
def test_shortened_links_are_stored_in_full(stand_in: StandIn, service: Service) -> None:
    text = "Haulright «refund policy» 🙄 news.example/haulright-refu... and read this"
    full = "https://news.example/haulright-refund-policy-2024?ref=bsky"
    shortened = post(1, text)
    shortened["record"]["facets"] = [
        link_facet(text, "news.example/haulright-refu...", full),
        link_facet(text, "this", "https://blog.example/haulright"),
    ]
    service.posts = [shortened]
    source = bluesky_source(stand_in, queries="haulright")

    (item,) = connector.fetch(source, {}).items

    assert item.text == (
        f"Haulright «refund policy» 🙄 {full} and read this (https://blog.example/haulright)"
    )
