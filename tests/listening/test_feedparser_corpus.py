"""feedparser's own test corpus (../shared/data/feeds/feedparser: 465 real Atom, RSS and RDF
documents, well-formed and ill-formed), served on 127.0.0.1 and read by the RSS connector.

Each document's opening comment says what feedparser means it to be: ``Expect:`` is an
expression over feedparser's result (``entries[0]['title'] == 'Example <b>Atom</b>'``),
``Header:`` lines are the HTTP headers it is served with. For every ``Expect:`` that names a
title, content or summary, the value feedparser gives (feedparser run on the same bytes with
its defaults) is compared with what Sayso made of it: for a ``text/plain`` value the value
itself, for HTML, XHTML or XML the shared converter's text of it. A document whose ``Expect:``
names its legacy encoding (``encoding == 'KOI8-R'``, served with no charset) must read as the
same document decoded in that encoding. Nothing may raise but the connector's own
``SourceError`` (a broken document refused with a message).
"""

from __future__ import annotations

import ast
import datetime
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import feedparser
import pytest
from django.core.management import call_command

from sayso.core.html_text import html_to_text
from sayso.listening.connectors import rss
from sayso.listening.connectors.base import SourceError
from sayso.listening.models import Mention, TermKind
from sayso.listening.services import source_create, term_add
from tests.listening.stand_in import Reply, StandIn

CORPUS = (
    Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "feeds" / "feedparser"
).resolve()
FILES = sorted(CORPUS.rglob("*.xml")) if CORPUS.is_dir() else []

pytestmark = pytest.mark.skipif(not FILES, reason=f"feedparser corpus absent: {CORPUS}")

MARKUP = ("html", "xml")
_COMMENT_LINE = re.compile(r"^\s*(Header|Expect|Description|SkipUnless):\s*(.*?)\s*$", re.M)


@dataclass
class Document:
    path: Path
    body: bytes
    expect: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.relative_to(CORPUS).as_posix()

    @property
    def category(self) -> str:
        return self.path.parent.relative_to(CORPUS).as_posix()

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "application/xml")

    @property
    def encoding(self) -> str:
        """The legacy encoding the ``Expect:`` says the document is in, if it says one."""
        match = re.search(r"encoding\s*==\s*'([^']+)'", self.expect)
        return match.group(1) if match else ""


def _document(path: Path) -> Document:
    body = path.read_bytes()
    comment = body[: body.find(b"-->")].decode("latin-1") if b"<!--" in body[:300] else ""
    document = Document(path, body)
    for key, value in _COMMENT_LINE.findall(comment):
        if key == "Expect":
            document.expect = value
        elif key == "Header":
            name, _, header = value.partition(":")
            document.headers[name.strip().lower()] = header.strip()
    return document


DOCUMENTS = [_document(path) for path in FILES]


def _reference(document: Document, url: str = "") -> Any:
    """feedparser's own result (its defaults), as its test harness reads the document from
    ``url``; a document in an undeclared legacy encoding is read in the encoding its Expect
    names."""
    headers = dict(document.headers)
    if url:
        headers["content-location"] = url
    headers.setdefault("content-type", document.content_type)
    if document.encoding:
        headers["content-type"] = f"application/xml; charset={document.encoding}"
    return feedparser.parse(document.body, response_headers=headers)


def _expect_holds(document: Document, result: Any) -> bool:
    env = dict(result)
    return bool(eval(document.expect, {"time": time, "datetime": datetime}, env))  # noqa: S307


def _paths(expect: str) -> list[tuple[Any, ...]]:
    """Every ``feed[...]`` / ``entries[...]`` chain the expression compares with ``==``."""
    found = []
    for node in ast.walk(ast.parse(expect, mode="eval")):
        if not isinstance(node, ast.Compare) or not isinstance(node.ops[0], ast.Eq):
            continue
        chain: list[Any] = []
        current: ast.expr = node.left
        while isinstance(current, ast.Subscript) and isinstance(current.slice, ast.Constant):
            chain.insert(0, current.slice.value)
            current = current.value
        if isinstance(current, ast.Name) and current.id in ("feed", "entries") and chain:
            found.append((current.id, *chain))
    return found


def _field(path: tuple[Any, ...]) -> tuple[str, int, int] | None:
    """Which of Sayso's values a path names: (what, entry index, content index)."""
    match path:
        case ("entries", int(i), "title") | ("entries", int(i), "title_detail", "value"):
            return "entry title", i, 0
        case ("entries", int(i), "content", int(j), "value"):
            return "entry text", i, j
        case ("entries", int(i), "summary" | "description") | (
            "entries",
            int(i),
            "summary_detail",
            "value",
        ):
            return "entry text", i, -1
        case ("feed", "title") | ("feed", "title_detail", "value"):
            return "feed title", 0, 0
        case ("feed", "subtitle" | "description" | "tagline") | (
            "feed",
            "subtitle_detail",
            "value",
        ):
            return "feed subtitle", 0, 0
    return None


def _meant(detail: Any) -> str:
    """The text feedparser means by a value and its declared type (for a type that is neither
    text nor markup, such as application/octet-stream, the converter's reading)."""
    value, kind = str(detail.get("value") or ""), str(detail.get("type") or "")
    if kind.startswith("text/") and not any(word in kind for word in MARKUP):
        return value.strip()
    return html_to_text(value)


def _line(text: str) -> str:
    return " ".join(text.split())


def _alternatives(entry: Any) -> list[Any]:
    details = [c for c in entry.get("content") or []]
    if entry.get("summary_detail"):
        details.append(entry["summary_detail"])
    return details


@dataclass
class Tally:
    files: int = 0
    refused: int = 0
    compared: int = 0
    agree: int = 0
    other_alternative: int = 0
    disagreements: list[str] = field(default_factory=list)


def _compare(
    document: Document,
    reference: Any,
    parsed: Any,
    items: list[Any],
    tally: Tally,
) -> None:
    """Compare each value the document's Expect names (or, for a legacy-encoding document,
    every title and text) with Sayso's."""
    wanted: list[tuple[str, int, int]] = []
    if document.encoding:
        wanted.append(("feed title", 0, 0))
        for i, entry in enumerate(reference.entries):
            wanted.append(("entry title", i, 0))
            if _alternatives(entry):
                wanted.append(("entry text", i, -1))
    else:
        wanted = [f for f in map(_field, _paths(document.expect)) if f is not None]
    for what, i, j in dict.fromkeys(wanted):
        if what.startswith("entry") and (i >= len(reference.entries) or not items):
            continue
        if what.startswith("entry") and len(items) != len(parsed.entries):
            tally.compared += 1
            tally.disagreements.append(f"{document.name}: entries and items differ in number")
            continue
        if what == "feed title":
            detail = reference.feed.get("title_detail") or {}
            mine = _line(rss.detail_text(*_value_type(parsed.feed.get("title_detail"))))
            meant = _line(_meant(detail))
        elif what == "feed subtitle":
            detail = reference.feed.get("subtitle_detail") or {}
            mine = rss.detail_text(*_value_type(parsed.feed.get("subtitle_detail")))
            meant = _meant(detail)
        elif what == "entry title":
            meant = _line(_meant(reference.entries[i].get("title_detail") or {}))
            mine = items[i].title
        else:
            entry = reference.entries[i]
            detail = entry["content"][j] if j >= 0 else entry.get("summary_detail") or {}
            meant = _meant(detail)
            mine = items[i].text
            if not meant:
                continue
            if mine != meant:
                others = [_meant(d) for d in _alternatives(entry)]
                if mine in others and len(mine) >= len(meant):
                    tally.compared += 1
                    tally.other_alternative += 1
                    continue
        tally.compared += 1
        if mine == meant:
            tally.agree += 1
        else:
            tally.disagreements.append(f"{document.name}: {what}: Sayso {mine!r}, meant {meant!r}")


def _value_type(detail: Any) -> tuple[Any, Any, Any]:
    detail = detail or {}
    return detail.get("value"), detail.get("type"), detail.get("base")


def _serve(stand_in: StandIn, documents: list[Document]) -> None:
    for document in documents:
        headers = {"Content-Type": document.content_type}
        headers.update({k.title(): v for k, v in document.headers.items()})
        stand_in.route("/" + document.name, Reply(body=document.body, headers=headers))


@pytest.mark.django_db
def test_every_feedparser_document_reads_as_feedparser_means_it(stand_in: StandIn) -> None:
    _serve(stand_in, DOCUMENTS)
    tallies: dict[str, Tally] = defaultdict(Tally)
    expectations: Counter[str] = Counter()
    for document in DOCUMENTS:
        tally = tallies[document.category]
        tally.files += 1
        url = f"{stand_in.url}/{document.name}"
        reference = _reference(document, url)
        if not document.encoding:
            holds = _expect_holds(document, _reference(document))
            expectations["hold" if holds else "fail"] += 1
        try:
            result = rss.fetch(SimpleNamespace(url=url), {})
            parsed, _ = rss.parse(document.body, document.content_type, url)
        except SourceError:
            tally.refused += 1
            continue
        _compare(document, reference, parsed, result.items, tally)

    lines = [f"{'category':<20} files refused compared agree other-alternative disagree"]
    for category, t in sorted(tallies.items()):
        lines.append(
            f"{category:<20} {t.files:>5} {t.refused:>7} {t.compared:>8} {t.agree:>5} "
            f"{t.other_alternative:>17} {len(t.disagreements):>9}"
        )
    print("\n".join(lines), f"\nExpect lines true under feedparser: {dict(expectations)}")
    disagreements = [d for t in tallies.values() for d in t.disagreements]
    assert not disagreements, "\n".join(disagreements)
    assert sum(t.compared for t in tallies.values()) >= 100
    # Only documents that are broken on purpose are refused.
    assert all(t.refused == 0 for c, t in tallies.items() if c.startswith("wellformed"))


def _sample() -> list[Document]:
    """Documents whose Expect names an entry's title, content or summary."""
    chosen = []
    for document in DOCUMENTS:
        fields = [_field(p) for p in _paths(document.expect)] if not document.encoding else []
        if document.encoding or any(f and f[0].startswith("entry") for f in fields):
            chosen.append(document)
    return chosen


@pytest.mark.django_db
def test_sayso_listen_once_stores_entries_as_feedparser_means_them(
    org: Any, stand_in: StandIn
) -> None:
    sample = _sample()
    assert len(sample) >= 40
    _serve(stand_in, sample)
    for document in sample:
        source_create(
            organization=org, name=document.name, kind="rss", url=f"{stand_in.url}/{document.name}"
        )
        # Keep every entry: listen for a word of each (items that mention no term are dropped).
        for entry in _reference(document).entries:
            words = re.findall(r"\w{3,}", f"{entry.get('title', '')} {entry.get('summary', '')}")
            if words:
                term_add(organization=org, kind=TermKind.PRODUCT, term=max(words, key=len))
    out = StringIO()
    call_command("listen", "--once", "--no-progress", stdout=out, stderr=StringIO())
    assert "Traceback" not in out.getvalue()

    tally = Tally()
    for document in sample:
        url = f"{stand_in.url}/{document.name}"
        reference = _reference(document, url)
        by_id = {m.external_id: m for m in Mention.objects.filter(source__name=document.name)}
        if not reference.entries or not by_id:
            continue
        # Which stored mention is which entry: the connector's ids, in the entries' order.
        parsed, items = rss.parse(document.body, document.content_type, url)
        stored = [by_id.get(item.external_id) for item in items]
        if None in stored:
            continue
        _compare(document, reference, parsed, stored, tally)
    print(
        f"sayso listen --once: {len(sample)} feeds, {tally.compared} values compared, "
        f"{tally.agree} agree, {tally.other_alternative} other alternative"
    )
    assert not tally.disagreements, "\n".join(tally.disagreements)
    assert tally.agree >= 30
