"""RSS and Atom feeds (blogs, forums, review sites) through ``feedparser``.

The feed is fetched here with a conditional GET (``If-None-Match`` / ``If-Modified-Since``
from the cursor) and a size limit, through the outbound policy (``sayso.core.outbound``: no
internal addresses, redirects included), then parsed from bytes: feedparser never opens a URL.
An entry's author is recognised by their link (``<author><uri>``), else their email (as an
unverified claim: it never joins the customer who holds the address), else the feed's own site
when the document names at most one author (a personal blog has one author; on a forum or a
review site, where entries name several, the site stands for none of them).

Feeds are read as feedparser means them (docs/listening.md, "RSS and Atom"): every title,
content and summary is used according to its declared type (``text/plain`` is text as it is,
"<b>" included; ``text/html`` and ``application/xhtml+xml`` become text through the shared
HTML-to-text converter), and the document's character set is settled before feedparser reads
it (``_decoded``): a byte-order mark, then the charset the server or the XML declaration names
if the bytes agree with it, else UTF-8, else charset-normalizer's guess, so a feed in EUC-JP,
KOI8-R, Shift_JIS or windows-1251 served with no charset (or a wrong one) is not stored as
windows-1252 mojibake.
"""

from __future__ import annotations

import calendar
import hashlib
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit
from xml.sax import SAXParseException

import feedparser
import httpx

from sayso.core import charsets, outbound
from sayso.core.html_text import html_to_text
from sayso.customers.models import IdentityKind
from sayso.listening.connectors.base import (
    FetchedItem,
    FetchResult,
    SourceError,
    clip,
    http_status_error,
)

MAX_FEED_BYTES = 10 * 1024 * 1024
USER_AGENT = "Sayso listening (+https://github.com/sayso)"
ACCEPT = (
    "application/atom+xml, application/rss+xml, application/feed+json;q=0.5, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"
)


def _download(
    url: str, cursor: dict[str, Any], timeout: float
) -> tuple[int, dict[str, str], bytes]:
    headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT}
    if cursor.get("etag"):
        headers["If-None-Match"] = str(cursor["etag"])
    if cursor.get("modified"):
        headers["If-Modified-Since"] = str(cursor["modified"])
    try:
        with (
            outbound.client(timeout=timeout) as client,
            client.stream("GET", url, headers=headers) as response,
        ):
            status = response.status_code
            response_headers = {k.lower(): v for k, v in response.headers.items()}
            if status != 200:
                return status, response_headers, b""
            declared = response_headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_FEED_BYTES:
                raise _too_large()
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_FEED_BYTES:
                    raise _too_large()
                chunks.append(chunk)
            return status, response_headers, b"".join(chunks)
    except outbound.ResponseTooLarge:
        raise _too_large() from None
    except outbound.OutboundError as exc:
        if outbound.connection_failed(exc):
            raise SourceError(outbound.UNREACHABLE) from None
        raise SourceError(exc.message) from None
    except (httpx.ConnectError, httpx.ConnectTimeout):
        # Refused, no route, no answer: one message, so internal hosts cannot be mapped.
        raise SourceError(outbound.UNREACHABLE) from None
    except httpx.TimeoutException:
        raise SourceError(f"The feed did not answer within {timeout:g} seconds.") from None
    except httpx.TooManyRedirects:
        raise SourceError("The feed's address redirects in a loop.", permanent=True) from None
    except httpx.InvalidURL:
        raise SourceError("The feed's address is not one Sayso can read.", permanent=True) from None
    except httpx.HTTPError as exc:
        raise SourceError(f"The feed could not be read ({type(exc).__name__}).") from None


def _too_large() -> SourceError:
    return SourceError(
        f"The feed is larger than {MAX_FEED_BYTES // (1024 * 1024)} MB; Sayso did not read it.",
        permanent=True,
    )


def _when(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
            except (OverflowError, ValueError, TypeError):
                continue
    return None


def _author(entry: Any, site: str) -> tuple[str, str, str]:
    """(name, identity kind, identity value) of an entry's author."""
    detail = entry.get("author_detail") or {}
    name = str(detail.get("name") or entry.get("author") or "").strip()
    href = str(detail.get("href") or "").strip()
    email = str(detail.get("email") or "").strip()
    if href.startswith(("http://", "https://")):
        return name, IdentityKind.URL, href
    if email and "@" in email:
        # Anyone can write anyone's address into a feed: a claim, not an identity (the same
        # rule as the widget's, docs/listening.md "Claimed addresses"), so the entry never
        # speaks as the customer who holds the address.
        return name, IdentityKind.EMAIL_CLAIMED, email
    if site:
        return name, IdentityKind.URL, site
    return name, "", ""


def _named_authors(entries: Any) -> set[str]:
    """The distinct authors the entries name (by link, else address, else name, lowercased)."""
    named = set()
    for entry in entries:
        detail = entry.get("author_detail") or {}
        key = detail.get("href") or detail.get("email") or detail.get("name") or entry.get("author")
        if key and str(key).strip():
            named.add(str(key).strip().lower())
    return named


# Media types whose value is markup, to be read as text through the converter.
_MARKUP_TYPES = ("html", "xml")


def detail_text(value: Any, media_type: Any, base: Any = "") -> str:
    """The text of a feed value (a title, content or summary) as its declared type means it.

    ``text/plain`` is text already ("History of the <blink> tag" stays so); HTML, XHTML and
    XML content become text through the shared converter ("Example <b>Atom</b>" → "Example
    Atom"); an image, sound or video has no text; a value of any other type (none declared,
    or ``application/octet-stream`` that feedparser decoded from base64) is read as markup
    when it looks like markup, so "<p>History of the &lt;blink&gt; tag</p>" is never stored
    as it is. Relative links in markup are made absolute against ``base`` (the value's
    xml:base or the feed's address)."""
    text = str(value or "")
    kind = str(media_type or "").split(";")[0].strip().lower()
    if not text:
        return ""
    if any(word in kind for word in _MARKUP_TYPES):
        return html_to_text(_absolute(text, str(base or "")))
    if kind.startswith("text/") or kind == "text":
        return text.replace("\x00", "").replace("\r\n", "\n").strip()
    if kind.startswith(_MEDIA_TYPES) or _BASE64_BLOB.fullmatch(text.strip()):
        return ""
    if _LOOKS_LIKE_MARKUP.search(text):
        return html_to_text(_absolute(text, str(base or "")))
    return text.strip()


_LINK_ATTRIBUTE = re.compile(r"""(\s(?:href|src)\s*=\s*)(["'])([^"'<>]*)\2""", re.IGNORECASE)


def _absolute(markup: str, base: str) -> str:
    """``markup`` with its relative ``href``/``src`` links made absolute against ``base``
    (a regular expression, not feedparser's ``resolve_relative_uris``, which reparses every
    value and doubles the time a feed of HTML entries takes to read)."""
    if not base.startswith(("http://", "https://")) or "=" not in markup:
        return markup

    def resolved(found: re.Match[str]) -> str:
        link = found.group(3).strip()
        if not link or urlsplit(link).scheme:
            return found.group(0)
        return f"{found.group(1)}{found.group(2)}{urljoin(base, link)}{found.group(2)}"

    return _LINK_ATTRIBUTE.sub(resolved, markup)


_MEDIA_TYPES = ("image/", "audio/", "video/", "font/", "model/")
_LOOKS_LIKE_MARKUP = re.compile(r"</?[a-zA-Z][^>]*>|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
# Binary content feedparser could not decode is left as its base64 text: not words.
_BASE64_BLOB = re.compile(r"(?:[A-Za-z0-9+/]{40,}={0,2}\s*)+")


def _detail(entry: Any, key: str) -> str:
    detail = entry.get(f"{key}_detail") or {}
    value = detail.get("value") if hasattr(detail, "get") else None
    if value is None:
        return detail_text(entry.get(key), "")
    return detail_text(value, detail.get("type"), detail.get("base"))


def entry_title(entry: Any) -> str:
    """An entry's title as one line of text."""
    return " ".join(_detail(entry, "title").split())


def entry_text(entry: Any) -> str:
    """An entry's words: the richest of its contents and its summary (the longest text, a
    content before the summary when they are as long)."""
    texts = [
        detail_text(content.get("value"), content.get("type"), content.get("base"))
        for content in entry.get("content") or []
        if hasattr(content, "get")
    ]
    texts.append(_detail(entry, "summary"))
    return max(texts, key=len)


_XML_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*?\?>")
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")


def _declared(body: bytes, content_type: str) -> list[str]:
    """The charsets the server and the document name, the server's first."""
    names = []
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset":
            names.append(charsets.codec_name(value))
    match = _XML_ENCODING.match(body[:1024])
    if match:
        names.append(charsets.codec_name(match.group(1).decode("ascii")))
    return [name for name in dict.fromkeys(names) if name]


def _decoded(body: bytes, content_type: str) -> tuple[str, str]:
    """(the document as text, the charset it was read in), by the charset the server and the
    XML declaration name (the server's first) where the bytes agree (``sayso.core.charsets``)."""
    return charsets.decode(body, _declared(body, content_type))


def _as_utf8(body: bytes, content_type: str) -> tuple[bytes, str]:
    """The document re-encoded as UTF-8 (its XML declaration saying so) and the media type
    with ``charset=utf-8``, so feedparser reads the characters ``_decoded`` settled on."""
    text, _ = _decoded(body, content_type)
    data = text.encode("utf-8", errors="replace")
    declaration = b"<?xml version='1.0' encoding='utf-8'?>"
    if _XML_DECLARATION.match(data):
        data = _XML_DECLARATION.sub(declaration, data, count=1)
    media_type = content_type.split(";")[0].strip() or "application/xml"
    return data, f"{media_type}; charset=utf-8"


def parse(body: bytes, content_type: str = "", url: str = "") -> tuple[Any, list[FetchedItem]]:
    """Parse a feed document; raise ``SourceError`` when it is not a usable feed.

    ``url`` is where it was read (relative links in it are made absolute against it)."""
    looks_html = body.lstrip()[:200].lower().startswith((b"<!doctype html", b"<html"))
    data, declared_type = _as_utf8(body, content_type)
    headers = {"content-type": declared_type}
    if url.startswith(("http://", "https://")):
        headers["content-location"] = url
    # Sayso turns the entries' HTML into text itself (the shared converter) and resolves
    # relative links in it (``_absolute``): feedparser's own passes would only cost time.
    parsed = feedparser.parse(
        data,
        response_headers=headers,
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    if not parsed.get("version") and not parsed.entries:
        if looks_html or "html" in content_type:
            raise SourceError(
                "This address serves a web page, not a feed. Use the feed's own address "
                "(often /feed, /rss or /atom.xml).",
                permanent=True,
            )
        problem = parsed.get("bozo_exception")
        reason = f": {problem}" if problem else ""
        raise SourceError(f"This is not a readable RSS or Atom feed{reason}.", permanent=True)
    problem = parsed.get("bozo_exception")
    if isinstance(problem, SAXParseException) and "undefined entity" not in str(problem):
        # A truncated or broken document: entries recovered from it may be cut in half.
        # (HTML entities such as &nbsp; in a feed are common and harmless: tolerated.)
        raise SourceError(
            f"The feed is not well-formed XML (line {problem.getLineNumber()}, column "
            f"{problem.getColumnNumber()}: {problem.getMessage()}); nothing was stored.",
        )
    site = str(parsed.feed.get("link") or "")
    if len(_named_authors(parsed.entries)) > 1:
        # Several people write here (a forum, a review site, a group blog): the site is none
        # of them, so it neither stands in for a missing author nor recognises one.
        site = ""
    items = []
    for entry in parsed.entries:
        title = entry_title(entry)
        text = entry_text(entry)
        link = str(entry.get("link") or "")
        identifier = str(entry.get("id") or link or "").strip()
        if not identifier:
            identifier = "sha256:" + hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()
        if not text and not title:
            continue
        name, kind, value = _author(entry, site)
        alternates = [(str(IdentityKind.URL), site)] if site and value != site else []
        items.append(
            FetchedItem(
                external_id=identifier[:500],
                text=clip(text or title),
                title=title[:300],
                url=link[:1000] if link.startswith(("http://", "https://")) else "",
                author_name=name[:200],
                author_kind=kind,
                author_value=value,
                published_at=_when(entry),
                alternates=alternates,
            )
        )
    return parsed, items


def fetch(source: Any, cursor: dict[str, Any], *, timeout: float = 10.0) -> FetchResult:
    if not source.url:
        raise SourceError("This feed source has no address.", permanent=True)
    status, headers, body = _download(source.url, cursor, timeout)
    if status == 304:
        return FetchResult([], dict(cursor), not_modified=True)
    if status != 200:
        raise http_status_error(status, "The feed's server", headers.get("retry-after"))
    content_type = headers.get("content-type", "")
    if not body.strip():
        raise SourceError("The feed's address answered with an empty document.")
    _, items = parse(body, content_type, source.url)
    new_cursor = dict(cursor)
    for header, key in (("etag", "etag"), ("last-modified", "modified")):
        if headers.get(header):
            new_cursor[key] = headers[header]
        else:
            new_cursor.pop(key, None)
    return FetchResult(items, new_cursor)
