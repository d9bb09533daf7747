"""Issue 20 (feeds): each title and content is read according to its declared type.

Escaped markup in a ``type="html"`` title was stored as markup ("Example <b>Atom</b>"), a
``type="text"`` content was parsed as HTML ("History of the <blink> tag" became "History of
the tag"), and a base64 title became a case subject "<p>History of the &lt;blink&gt; tag</p>".
"""

from __future__ import annotations

import base64
from typing import Any

import pytest

from sayso.listening.models import Mention, TermKind
from sayso.listening.services import source_create, source_poll, term_add
from tests.listening.stand_in import Reply, StandIn

ATOM = {"Content-Type": "application/atom+xml; charset=utf-8"}


def _entry(number: int, title: str, content: str) -> str:
    return (
        f"<entry><id>urn:entry:{number}</id><updated>2026-11-30T09:00:00Z</updated>"
        f"<author><name>Kim</name><uri>https://kim.example.net/</uri></author>"
        f"{title}{content}</entry>"
    )


def _feed(*entries: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>Kim</title>'
        '<link href="https://kim.example.net/"/><id>urn:feed</id>'
        "<updated>2026-11-30T10:00:00Z</updated>" + "".join(entries) + "</feed>"
    )


def _poll(org: Any, stand_in: StandIn, document: str) -> dict[str, Mention]:
    term_add(organization=org, kind=TermKind.BRAND, term="Haulright")
    stand_in.route("/feed", Reply(body=document, headers=ATOM))
    source = source_create(
        organization=org, name="Kim's blog", kind="rss", url=f"{stand_in.url}/feed"
    )
    assert source_poll(source=source).ok
    return {m.external_id: m for m in Mention.objects.filter(source=source)}


BASE64_TITLE = base64.b64encode(b"<p>Haulright and the &lt;blink&gt; tag</p>").decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("title", "content", "stored_title", "stored_text"),
    [
        pytest.param(
            '<title type="html">Haulright &lt;b&gt;lost&lt;/b&gt; my booking</title>',
            '<content type="html">&lt;p&gt;Haulright lost it.&lt;/p&gt;</content>',
            "Haulright lost my booking",
            "Haulright lost it.",
            id="escaped-html",
        ),
        pytest.param(
            '<title type="text">Haulright and the &lt;blink&gt; tag</title>',
            '<content type="text">Haulright shows a &lt;blink&gt; tag and 1 &lt; 2 in its '
            "booking page.</content>",
            "Haulright and the <blink> tag",
            "Haulright shows a <blink> tag and 1 < 2 in its booking page.",
            id="text-keeps-brackets",
        ),
        pytest.param(
            f'<title type="application/octet-stream">{BASE64_TITLE}</title>',
            '<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">'
            "<p>Haulright <b>lost</b> my booking.</p></div></content>",
            "Haulright and the <blink> tag",
            "Haulright lost my booking.",
            id="base64-title-xhtml-content",
        ),
    ],
)
def test_a_title_and_content_are_read_by_their_declared_type(
    org: Any, stand_in: StandIn, title: str, content: str, stored_title: str, stored_text: str
) -> None:
    mention = _poll(org, stand_in, _feed(_entry(1, title, content)))["urn:entry:1"]
    assert mention.title == stored_title
    assert mention.text == stored_text
    if mention.case is not None:
        assert mention.case.subject.startswith(stored_title)


@pytest.mark.django_db
def test_the_richest_of_content_and_summary_is_stored(org: Any, stand_in: StandIn) -> None:
    mentions = _poll(
        org,
        stand_in,
        _feed(
            _entry(
                4,
                "<title>Haulright review</title>",
                '<summary type="text">Haulright review, part one [...]</summary>'
                '<content type="html">&lt;p&gt;Haulright lost my booking twice, and the '
                "second time nobody called back.&lt;/p&gt;</content>",
            ),
            _entry(
                5,
                "<title>Haulright teaser</title>",
                '<content type="html"></content>'
                '<summary type="html">&lt;p&gt;Haulright moved us in a day.&lt;/p&gt;</summary>',
            ),
        ),
    )
    assert mentions["urn:entry:4"].text == (
        "Haulright lost my booking twice, and the second time nobody called back."
    )
    assert mentions["urn:entry:5"].text == "Haulright moved us in a day."


@pytest.mark.django_db
def test_relative_links_in_html_are_made_absolute(org: Any, stand_in: StandIn) -> None:
    """Against the entry's xml:base, else the feed's own address."""
    mentions = _poll(
        org,
        stand_in,
        _feed(
            _entry(
                6,
                "<title>Haulright help</title>",
                '<content type="html">&lt;p&gt;Haulright answered in '
                '&lt;a href="/help/booking"&gt;their help page&lt;/a&gt;.&lt;/p&gt;</content>',
            ),
            _entry(
                7,
                "<title>Haulright again</title>",
                '<content type="html" xml:base="https://kim.example.net/2026/">&lt;p&gt;'
                'Haulright: &lt;a href="review.html"&gt;my review&lt;/a&gt;&lt;/p&gt;</content>',
            ),
        ),
    )
    assert f"{stand_in.url}/help/booking" in mentions["urn:entry:6"].text
    assert "https://kim.example.net/2026/review.html" in mentions["urn:entry:7"].text
