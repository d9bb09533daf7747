# ruff: noqa: RUF001 (the Russian text is in Cyrillic letters on purpose)
"""Issue 20 (feeds): a feed in a legacy charset served with none declared, or a wrong one,
is read in its real charset (EUC-JP, KOI8-R, Shift_JIS, windows-1251 became windows-1252
mojibake), and a charset that is declared and right is kept."""

from __future__ import annotations

from typing import Any

import pytest

from sayso.listening.models import Mention, TermKind
from sayso.listening.services import source_create, source_poll, term_add
from tests.listening.stand_in import Reply, StandIn

RUSSIAN = (
    "Haulright: водитель опоздал на три часа, а служба поддержки так и не ответила на моё "
    "письмо. Больше не буду заказывать у них переезд."
)
JAPANESE = (
    "Haulright の配送が三日も遅れました。サポートに電話しても誰も出ません。"
    "引っ越しの日に荷物が届かず、本当に困っています。"
)
POLISH = "Haulright: przesyłka spóźniła się o trzy dni, a obsługa nie odpowiada na żadną wiadomość."
ENGLISH = "Haulright™ — “great” service… © 2026 » more «"
FRENCH = "Haulright : déménagement réussi, équipe très aimable, à recommander ! Où est le reçu ?"


def _rss(text: str, declaration: str = "") -> str:
    head = f'<?xml version="1.0" encoding="{declaration}"?>\n' if declaration else ""
    return (
        f'{head}<rss version="2.0"><channel><title>Blog</title>'
        "<link>https://blog.example.net/</link><description>Posts</description>"
        "<item><guid>post-1</guid><title>" + text[:40] + "</title>"
        "<link>https://blog.example.net/post-1</link>"
        "<pubDate>Mon, 30 Nov 2026 09:00:00 GMT</pubDate>"
        f"<description>{text}</description></item></channel></rss>"
    )


def _stored(org: Any, stand_in: StandIn, body: bytes, content_type: str) -> Mention:
    term_add(organization=org, kind=TermKind.BRAND, term="Haulright")
    stand_in.route("/feed", Reply(body=body, headers={"Content-Type": content_type}))
    source = source_create(organization=org, name="Blog", kind="rss", url=f"{stand_in.url}/feed")
    assert source_poll(source=source).ok
    return Mention.objects.get(source=source)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "charset", "content_type", "declaration"),
    [
        # Undeclared or mislabelled: read in the charset the bytes are written in.
        pytest.param(RUSSIAN, "koi8-r", "application/rss+xml", "", id="koi8r-undeclared"),
        pytest.param(RUSSIAN, "windows-1251", "text/xml", "", id="cp1251-text-xml"),
        pytest.param(
            RUSSIAN,
            "windows-1251",
            "application/rss+xml; charset=iso-8859-1",
            "",
            id="cp1251-declared-latin1",
        ),
        pytest.param(JAPANESE, "shift_jis", "application/xml", "", id="shiftjis-undeclared"),
        pytest.param(JAPANESE, "euc-jp", "text/xml", "", id="eucjp-text-xml"),
        pytest.param(
            JAPANESE, "euc-jp", "application/xml", "iso-8859-1", id="eucjp-declared-latin1-in-xml"
        ),
        # Short texts charset-normalizer alone reads as a rare code page (cp1125, ISO-8859-10).
        pytest.param(ENGLISH, "windows-1252", "application/xml", "", id="cp1252-undeclared"),
        pytest.param(POLISH, "iso-8859-2", "application/xml", "", id="latin2-undeclared"),
        # (an even number of bytes, which UTF-16 decodes without an error, into nonsense)
        pytest.param(
            FRENCH.replace(" ?", "?"),
            "utf-8",
            "application/xml",
            "UTF-16",
            id="utf8-declared-utf16",
        ),
        pytest.param(
            FRENCH,
            "utf-8",
            "application/rss+xml; charset=iso-8859-1",
            "",
            id="utf8-declared-latin1",
        ),
        # Declared and right: kept.
        pytest.param(
            FRENCH,
            "iso-8859-1",
            "application/rss+xml; charset=iso-8859-1",
            "",
            id="latin1-declared",
        ),
        pytest.param(FRENCH, "windows-1252", "text/xml", "windows-1252", id="cp1252-in-xml"),
        pytest.param(
            RUSSIAN, "windows-1251", "application/xml", "windows-1251", id="cp1251-in-xml"
        ),
        pytest.param(
            JAPANESE, "shift_jis", "text/xml; charset=Shift_JIS", "", id="shiftjis-declared"
        ),
    ],
)
def test_a_feed_is_read_in_the_charset_it_is_written_in(
    org: Any, stand_in: StandIn, text: str, charset: str, content_type: str, declaration: str
) -> None:
    mention = _stored(org, stand_in, _rss(text, declaration).encode(charset), content_type)
    assert mention.text == text
    assert mention.title == text[:40].strip()
