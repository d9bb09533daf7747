"""The one sanitizer: public text goes Markdown -> HTML (markdown-it-py) -> nh3.

Every piece of text a customer or staff member writes for a public page is rendered here and
nowhere else, so what is allowed on a page is decided once. Raw HTML in the source is escaped,
not interpreted; links get ``rel="nofollow ugc noopener"`` (no reward for link spam) and only
http, https and mailto targets survive; images are not rendered (a tracking pixel or an
oversized picture cannot be posted); their alt text is.
"""

from __future__ import annotations

import html as html_lib
from functools import lru_cache
from typing import Any

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "strong", "em", "del", "code", "pre", "blockquote",
        "ul", "ol", "li", "a", "h3", "h4", "h5", "h6", "hr",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Headings in user text start at h3: the page owns h1 and h2.
_HEADING_SHIFT = {"h1": "h3", "h2": "h4", "h3": "h5", "h4": "h6", "h5": "h6", "h6": "h6"}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True})
    parser.enable(["table", "strikethrough"])
    parser.add_render_rule("image", _image_as_alt_text)
    return parser


def _image_as_alt_text(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    return str(self.renderInline(token.children or [], options, env))


def render_markdown(text: str) -> SafeString:
    """Safe HTML for a Markdown text written by anyone."""
    if not text:
        return mark_safe("")
    tokens = _parser().parse(text)
    for token in tokens:
        if token.type in {"heading_open", "heading_close"}:
            token.tag = _HEADING_SHIFT.get(token.tag, token.tag)
    html = _parser().renderer.render(tokens, _parser().options, {})
    clean = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="nofollow ugc noopener",
    )
    return mark_safe(clean)  # sanitized by nh3 just above


def stored_html(html: str, source: str) -> SafeString:
    """The HTML that ``render_markdown`` made of ``source`` when it was written and stored
    beside it (pages that show many texts read it instead of rendering each view), or
    ``source`` rendered now for a row that has none stored."""
    if html or not source:
        return mark_safe(html)  # rendered by render_markdown when the source was written
    return render_markdown(source)


def plain_text(text: str, limit: int = 300) -> str:
    """The text of a Markdown source without markup, for summaries, feeds and emails."""
    html = render_markdown(text)
    words = html_lib.unescape(nh3.clean(str(html), tags=set())).split()
    out = " ".join(words)
    return out if len(out) <= limit else out[: limit - 1].rstrip() + "…"
