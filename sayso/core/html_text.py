"""HTML to plain text, the one converter every channel shares (email bodies, feed entries,
social posts): ``html_to_text(markup)``.

It is inscriptis (Apache-2.0; docs/design.md says why) with its strict CSS profile: block
elements become lines and paragraphs, list items keep a bullet or their number, table cells
stay side by side, ``<script>``/``<style>``/``<head>`` are dropped, character references are
decoded, and the source's layout whitespace (indentation, line breaks inside a paragraph) is
collapsed as a browser collapses it. A link keeps its target as ``text (url)`` when the target
is a web or mail address the text does not already show (not for hashtags and mentions); an
image keeps its alt text.

The result is text, not HTML: ``<b>`` written as ``&lt;b&gt;`` comes out as the characters
``<b>``, and whoever shows it escapes it like any other text.
"""

from __future__ import annotations

import contextlib
import re
from html.parser import HTMLParser
from typing import Any

from inscriptis import get_text
from inscriptis.css_profiles import CSS_PROFILES
from inscriptis.model.config import ParserConfig
from inscriptis.model.html_document_state import HtmlDocumentState
from inscriptis.model.tag import CustomHtmlTagHandlerMapping

__all__ = ["MAX_MARKUP_CHARS", "html_to_text"]

MAX_MARKUP_CHARS = 500_000

# Characters no text field should hold: NUL (PostgreSQL refuses it) and the C0 controls other
# than tab and newline; a carriage return becomes a newline.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SHOWN_TARGET = re.compile(r"^(?:https?://|mailto:)", re.IGNORECASE)
_TRAILING_SPACE = re.compile(r"[ \t\u00a0]+\n")
_BLANK_LINES = re.compile(r"\n{3,}")
_MARKUP_HINT = re.compile(r"<[a-zA-Z!/?]|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);")


# A link is written between private-use markers and settled once the text is known: its
# target is added only where the text does not already show it.
_OPEN, _SEP, _CLOSE = "\ue000", "\ue001", "\ue002"
_MARKERS = re.compile("[\ue000-\ue002]")
_LINK = re.compile(f"{_OPEN}([^{_OPEN}{_SEP}]*){_SEP}([^{_CLOSE}]*){_CLOSE}")


def _link_start(state: HtmlDocumentState, attrs: dict[str, Any]) -> None:
    href = str(attrs.get("href") or "").strip()
    marks = f"{attrs.get('class') or ''} {attrs.get('rel') or ''}".lower()
    # A hashtag or a mention of an account (Mastodon marks both) is its own text.
    social = "mention" in marks or "hashtag" in marks or "tag" in marks.split()
    state.link_target = href if _SHOWN_TARGET.match(href) and not social else ""
    if state.link_target:
        state.tags[-1].write(_OPEN)


def _link_end(state: HtmlDocumentState) -> None:
    if state.link_target:
        state.tags[-1].write(f"{_SEP}{' '.join(state.link_target.split())}{_CLOSE}")
    state.link_target = ""


def _settle_link(found: re.Match[str]) -> str:
    shown, target = found.group(1), found.group(2)
    bare = target.removeprefix("mailto:").removeprefix("MAILTO:")
    squeezed = "".join(shown.split()).rstrip("/")
    if (
        not bare
        or bare.rstrip("/") in squeezed
        or (squeezed and squeezed in bare and "." in squeezed)
    ):
        return shown
    return f"{shown} ({bare})" if shown.strip() else bare


_CONFIG = ParserConfig(
    css=CSS_PROFILES["strict"],
    display_images=True,
    deduplicate_captions=True,
    custom_html_tag_handler_mapping=CustomHtmlTagHandlerMapping(
        start_tag_mapping={"a": _link_start},
        end_tag_mapping={"a": _link_end},
    ),
)


def _tidy(text: str) -> str:
    text = _MARKERS.sub("", _LINK.sub(_settle_link, text))
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _TRAILING_SPACE.sub("\n", text)
    return _BLANK_LINES.sub("\n\n", text).strip()


_BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"}


class _TextBetweenTags(HTMLParser):
    """The fallback when inscriptis lays nothing out: the text outside tags (scripts and
    styles left out), a line break at each block; linear in the markup, whatever its depth."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self.skipping += 1
        elif tag in _BLOCKS:
            self.pieces.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"}:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS:
            self.pieces.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.pieces.append(data)


def _text_between_tags(markup: str) -> str:
    parser = _TextBetweenTags()
    # The standard library's parser is lenient; whatever it raises, keep what it read.
    with contextlib.suppress(Exception):
        parser.feed(markup)
        parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.pieces).split("\n"))
    return "\n".join(lines)


def html_to_text(markup: str) -> str:
    """The text a reader sees in ``markup`` (an HTML document or fragment); never raises."""
    if not markup or not markup.strip():
        return ""
    if not _MARKUP_HINT.search(markup):
        # Not HTML at all: keep its own line breaks, only tidied.
        return _tidy(markup)
    # Layout costs time in proportion to the markup (about 8 s a megabyte of table cells): read
    # the first MAX_MARKUP_CHARS, far more than any stored text may hold.
    markup = markup[:MAX_MARKUP_CHARS]
    try:
        text = get_text(_MARKERS.sub("", _CONTROL.sub("", markup)), _CONFIG)
    except Exception:  # lxml on pathological input: strip the tags instead (below)
        text = ""
    if not text.strip():
        # Nothing laid out (lxml stops at nesting 256 deep): read the text between the tags.
        text = _text_between_tags(markup)
    return _tidy(text)
