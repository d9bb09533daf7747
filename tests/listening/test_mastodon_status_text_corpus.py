"""Every status recorded from a real Mastodon 4 server (Mastodon.py's test cassettes, in
../shared/data/mastodon/cassettes) through the connector: the stored text holds what a person
reads on the status — the content warning, every poll option (with its votes), every media
description, the link card, the quoted post with its author — and no custom emoji shortcode;
a boost is the boosted post. Served page by page from a stand-in on 127.0.0.1 whose instance
endpoints fail, the connector asks one request per page and never the instance's version."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from sayso.listening.connectors import mastodon as connector
from sayso.listening.services import source_create
from tests import factories
from tests.listening.stand_in import Reply, Request, StandIn

CASSETTES = (
    Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "mastodon" / "cassettes"
)


def _statuses(found: Any, into: list[dict[str, Any]]) -> None:
    """Every Status object in a decoded answer, nested ones (boosts, quotes, notifications,
    search results, conversations) included."""
    if isinstance(found, dict):
        if {"id", "content", "account", "visibility"} <= found.keys():
            into.append(found)
        for value in found.values():
            _statuses(value, into)
    elif isinstance(found, list):
        for value in found:
            _statuses(value, into)


def corpus() -> list[dict[str, Any]]:
    statuses: list[dict[str, Any]] = []
    for path in sorted(CASSETTES.glob("*.yaml")):
        recorded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for exchange in recorded.get("interactions") or []:
            body = ((exchange.get("response") or {}).get("body") or {}).get("string")
            if not body:
                continue
            try:
                answer = json.loads(body)
            except ValueError:
                continue  # an HTML error page, an empty answer
            _statuses(answer, statuses)
    return statuses


STATUSES = corpus()


def test_the_corpus_has_what_these_tests_check() -> None:
    # If the corpus changes shape, the checks below must still check something.
    assert len(STATUSES) > 200
    assert sum(bool(s.get("poll")) for s in STATUSES) >= 5
    assert sum(bool(s.get("reblog")) for s in STATUSES) >= 5
    assert sum(bool((s.get("quote") or {}).get("quoted_status")) for s in STATUSES) >= 2
    assert any(s.get("quote") and not s["quote"].get("quoted_status") for s in STATUSES)
    assert any(m.get("description") for s in STATUSES for m in s["media_attachments"])
    assert any(s.get("card") for s in STATUSES)


def _shown(status: dict[str, Any]) -> dict[str, Any]:
    return status["reblog"] if isinstance(status.get("reblog"), dict) else status


@pytest.mark.parametrize("status", STATUSES, ids=lambda s: s["id"])
def test_every_status_reads_as_a_person_reads_it(status: dict[str, Any]) -> None:
    item = connector._item(status, "localhost", direct=False)
    shown = _shown(status)
    if item is None:
        # Only a status that says nothing at all is left out.
        assert not connector.status_text(shown)
        assert not re.sub(r"<[^>]+>", "", shown["content"]).strip()
        assert not shown.get("poll") and not shown.get("media_attachments")
        return
    text = item.text
    # A boost is the boosted post, under its own id.
    assert item.external_id == shown["uri"]
    assert "<" not in text.replace("<http", "")
    for option in (shown.get("poll") or {}).get("options") or []:
        votes = option.get("votes_count")
        unit = "vote" if votes == 1 else "votes"
        expected = option["title"] if votes is None else f"{option['title']} ({votes} {unit})"
        assert expected in text
    if shown.get("poll"):
        assert "Poll" in text
    for media in shown.get("media_attachments") or []:
        if media.get("description"):
            assert f": {' '.join(media['description'].split())}]" in text
    for emoji in shown.get("emojis") or []:
        assert f":{emoji['shortcode']}:" not in text
    if shown.get("spoiler_text"):
        assert text.startswith(f"CW: {' '.join(shown['spoiler_text'].split())}")
    card = shown.get("card") or {}
    if card.get("title"):
        assert card["title"] in text and card["url"] in text
    quoted = (shown.get("quote") or {}).get("quoted_status")
    if quoted:
        author = quoted["account"]
        assert f"Quoting {author['display_name'] or ''}".rstrip() in text
        assert f"@{author['acct']}" in text
        inner = connector.status_text(quoted, quotes=False)
        for line in inner.split("\n"):
            assert (f"> {line}" if line else ">") in text
        # Mastodon's "RE: <link>" fallback paragraph is not repeated above the quote.
        assert not text.startswith("RE:")
    elif shown.get("quote") and "quote-inline" in shown["content"]:
        # A quote the server does not show (revoked, pending): its link is all there is.
        assert text.startswith("RE: ")


# The instance's version: never asked, page after page ----------------------------------------


@pytest.mark.django_db
def test_a_timeline_is_read_one_request_a_page_and_the_instance_is_never_asked(
    stand_in: StandIn,
) -> None:
    by_id = {s["id"]: s for s in STATUSES if not s.get("reblog")}
    timeline = sorted(by_id.values(), key=lambda s: int(s["id"]), reverse=True)

    def page(request: Request) -> Reply:
        rows = timeline
        if request.arg("min_id"):
            rows = [s for s in rows if int(s["id"]) > int(request.arg("min_id") or 0)]
            rows = rows[-int(request.arg("limit") or 20) :]
        return Reply(body=rows[: int(request.arg("limit") or 20)])

    stand_in.route("/api/v1/timelines/tag/hoot", page)
    # An instance whose /api/v*/instance fails (an old server, a proxy that refuses it):
    # Mastodon.py asked it again before every page.
    stand_in.route("/api/v1/instance/", Reply(502, "Bad gateway"))
    stand_in.route("/api/v2/instance/", Reply(404, {"error": "Not found"}))
    org = factories.make_org()
    source = source_create(
        organization=org, name="Hoots", kind="mastodon", url=stand_in.url, queries="#hoot"
    )
    oldest = int(timeline[-1]["id"]) - 1

    result = connector.fetch(source, {"tag:hoot": str(oldest)})

    pages = stand_in.calls("/api/v1/timelines/tag/hoot")
    assert len(pages) == connector.MAX_PAGES
    assert len(result.items) == connector.PAGE * connector.MAX_PAGES
    # One request per page, nothing else.
    assert len(stand_in.requests) == len(pages)
    assert not stand_in.calls("/api/v1/instance/") and not stand_in.calls("/api/v2/instance/")
