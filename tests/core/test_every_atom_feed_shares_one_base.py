"""Every Atom feed of Sayso is a ``sayso.core.feeds.AtomFeed`` (issue 23: one feed base), and
what the base decides is the same for all: the organization from the URL, ``tag:`` ids, an
entry's author by public name and no author element when nobody wrote it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver

from sayso.core.feeds import AtomFeed, Entry, public_name, tag


def _feeds(patterns: list[Any]) -> list[tuple[str, Feed]]:
    found = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found += _feeds(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and isinstance(pattern.callback, Feed):
            found.append((pattern.name or "", pattern.callback))
    return found


def test_every_feed_in_the_url_conf_is_an_atom_feed_on_the_one_base() -> None:
    feeds = _feeds(get_resolver().url_patterns)
    assert {name for name, _ in feeds} >= {
        *("idea-board-feed", "idea-feed", "questions-feed", "question-feed", "reviews-feed"),
        *("review-feed", "roadmap-feed", "changelog-feed", "status-feed"),
    }
    assert [name for name, feed in feeds if not isinstance(feed, AtomFeed)] == []


class _Named:
    public_name = "Wren from Leeds"


def test_ids_and_author_names() -> None:
    assert tag("haulright", "idea", 7, "updates") == "tag:sayso,2024:haulright:idea:7:updates"
    assert public_name(_Named(), otherwise="Haulright") == "Wren from Leeds"
    assert public_name(None, otherwise="Haulright team") == "Haulright team"


class _Feed(AtomFeed):
    name = "news"
    title = "News"
    link = "/news/"

    def items(self, obj: Any) -> list[Entry]:
        at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
        return [
            Entry(guid=tag(obj.slug, "news", 1), title="Hello", html="<p>Hi</p>", link="/n/1",
                  published=at, updated=at, author="Wren from Leeds", categories=("Shipped",)),
            Entry(guid=tag(obj.slug, "news", 2), title="Quiet", html="", link="/n/2",
                  published=at, updated=at),
        ]  # fmt: skip


@pytest.mark.django_db
def test_an_organization_feed_reads_its_organization_and_writes_atom(org: Any) -> None:
    response = _Feed()(RequestFactory().get("/news/"), org=org.slug)
    text = response.content.decode()
    assert response["Content-Type"].startswith("application/atom+xml")
    assert f"<id>tag:sayso,2024:{org.slug}:news</id>" in text
    assert f"<id>tag:sayso,2024:{org.slug}:news:1</id>" in text
    assert "<updated>2026-01-02T03:04:05+00:00</updated>" in text
    assert text.count("<author>") == 1 and "<name>Wren from Leeds</name>" in text
    assert text.count("<category") == 1 and 'term="Shipped"' in text
    with pytest.raises(Http404):
        _Feed()(RequestFactory().get("/news/"), org="no-such-organization")
