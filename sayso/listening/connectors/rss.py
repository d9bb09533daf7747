"""RSS and Atom feeds (blogs, forums, review sites) through ``feedparser``.

The feed is fetched here with a conditional GET (``If-None-Match`` / ``If-Modified-Since``
from the cursor) and a size limit, through the outbound policy (``sayso.core.outbound``: no
internal addresses, redirects included), then parsed from bytes: feedparser never opens a URL.
An entry's author is recognised by their link (``<author><uri>``), else their email (as an
unverified claim: it never joins the customer who holds the address), else the feed's own site
(a personal blog has one author).
"""

from __future__ import annotations

import calendar
import hashlib
from datetime import UTC, datetime
from typing import Any
from xml.sax import SAXParseException

import feedparser
import httpx

from sayso.core import outbound
from sayso.customers.models import IdentityKind
from sayso.listening.connectors.base import (
    FetchedItem,
    FetchResult,
    SourceError,
    clip,
    html_to_text,
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


def _text(entry: Any) -> str:
    contents = entry.get("content") or []
    for content in contents:
        value = content.get("value") if hasattr(content, "get") else None
        if value:
            return html_to_text(str(value))
    return html_to_text(str(entry.get("summary") or entry.get("description") or ""))


def parse(body: bytes, content_type: str = "") -> tuple[Any, list[FetchedItem]]:
    """Parse a feed document; raise ``SourceError`` when it is not a usable feed."""
    looks_html = body.lstrip()[:200].lower().startswith((b"<!doctype html", b"<html"))
    # Sayso turns the entries' HTML into text itself (nh3): feedparser's own sanitizer and
    # relative-link rewriting would only cost time.
    parsed = feedparser.parse(
        body,
        response_headers={"content-type": content_type or "text/xml"},
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
    items = []
    for entry in parsed.entries:
        title = " ".join(str(entry.get("title") or "").split())
        text = _text(entry)
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
    _, items = parse(body, content_type)
    new_cursor = dict(cursor)
    for header, key in (("etag", "etag"), ("last-modified", "modified")):
        if headers.get(header):
            new_cursor[key] = headers[header]
        else:
            new_cursor.pop(key, None)
    return FetchResult(items, new_cursor)
