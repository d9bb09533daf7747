"""Bluesky: post search and mentions through the ``atproto`` SDK, against a configurable
service URL (the public AppView for search; the account's PDS, or https://bsky.social, when it
signs in).

The cursor keeps, per query, the newest ``indexedAt`` stored; a poll searches posts ``since``
a margin before it (the service filters on a post's ``sortAt``, which is its ``createdAt`` when
that is earlier, so a post indexed late would otherwise be missed) and keeps only those indexed
after it. Newer posts are read page after page (up to ``MAX_PAGES``); the first poll takes the
newest page only.

Mentions (and replies) need the account's handle and an app password, the source's own,
stored encrypted (``Source.credential``); a source that names an account without one is a
configuration error. The SDK's httpx client is given the outbound policy's transport
(``sayso.core.outbound``), so every request and redirect hop is checked. The signed-in session
is kept in this process between polls (never in the database), since Bluesky allows few
sign-ins a day; a session the service no longer accepts is replaced by a new sign-in. An
item seen twice in one poll (found by the search and a mention) is kept once, as addressed to
the organization. An author whose handle does not verify (``handle.invalid``) is known by
their DID.
"""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from atproto import Client
from atproto_client.exceptions import (
    AtProtocolError,
    BadRequestError,
    InvokeTimeoutError,
    ModelError,
    NetworkError,
    RateLimitExceededError,
    RequestErrorBase,
    UnauthorizedError,
)
from atproto_client.models.common import XrpcError
from atproto_client.request import Request, Response
from pydantic import ValidationError

from sayso.core import outbound
from sayso.core.encryption import SecretUnreadable
from sayso.customers.models import IdentityKind
from sayso.intelligence.analysis.pipeline import parse_datetime
from sayso.listening.connectors.base import (
    FetchedItem,
    FetchResult,
    SourceError,
    clip,
    http_status_error,
)

PAGE = 100
NOTIFICATIONS_PAGE = 50
# Quoted posts read per getPosts request (the service's limit).
GET_POSTS_BATCH = 25
# Pages of newer posts (or notifications) read per query and poll.
MAX_PAGES = 5
# How far before the cursor a search asks from (see the module's docstring).
LATE_INDEX_MARGIN = timedelta(minutes=15)
WHAT = "The Bluesky service"
NOT_JSON = f"{WHAT} answered with something that is not JSON (is this a Bluesky service?)."
INVALID_HANDLE = "handle.invalid"
# A session the service no longer accepts answers one of these.
_STALE_SESSION = frozenset({"ExpiredToken", "InvalidToken", "AuthenticationRequired"})

# Signed-in sessions by (service, account, password digest): exported session strings.
_SESSIONS: dict[tuple[str, str, str], str] = {}
_SESSIONS_LOCK = threading.Lock()


def _post_url(author: str, uri: str) -> str:
    rkey = uri.rsplit("/", 1)[-1] if uri.startswith("at://") else ""
    return f"https://bsky.app/profile/{author}/post/{rkey}" if author and rkey else ""


def _parent(record: Any) -> str:
    """The AT URI of the post a reply answers ("" for a post that answers none)."""
    parent = getattr(getattr(record, "reply", None), "parent", None)
    return str(getattr(parent, "uri", "") or "")[:500]


# The stored text ------------------------------------------------------------------------------
# A post as a person reads it: its content warning (self-labels), its text, what its media show
# (alt text), its link card and the post it quotes (with that post's author and media), from the
# embed's view when the service sent one (search results) or the record's own embed (a
# notification carries only the record: a quoted post is then named by its address).

# Self-labels an author puts on their own post, in words.
_SELF_LABELS = {
    "porn": "adult content",
    "sexual": "sexual content",
    "nudity": "nudity",
    "graphic-media": "graphic media",
    "gore": "graphic media",
}


def _get(obj: Any, name: str) -> Any:
    """A field of an SDK model or of a plain mapping (types the SDK does not know)."""
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def _kind(obj: Any) -> str:
    return str(_get(obj, "py_type") or _get(obj, "$type") or "")


def _squeezed(value: Any) -> str:
    return " ".join(str(value or "").split())


def _warning(record: Any) -> str:
    values = _get(_get(record, "labels"), "values") or []
    said = []
    for label in values:
        val = str(_get(label, "val") or "").strip()
        if val and not val.startswith("!"):
            word = _SELF_LABELS.get(val, val.replace("-", " "))
            if word not in said:
                said.append(word)
    return ", ".join(said)


def _quoted_author(author: Any) -> str:
    handle = str(_get(author, "handle") or "")
    if handle == INVALID_HANDLE:
        handle = ""
    who = handle or str(_get(author, "did") or "")
    name = _squeezed(_get(author, "display_name") or _get(author, "displayName"))
    at = f"@{who}" if who else ""
    return f"{name} ({at})" if name and at else name or at


def _quote(view_record: Any) -> str:
    """A quoted post (``app.bsky.embed.record#viewRecord``) as a quoted part."""
    value = _get(view_record, "value")
    if _kind(value) not in {"", "app.bsky.feed.post"}:
        return ""  # a quoted feed, list or starter pack: its link says enough
    written = _with_links(str(_get(value, "text") or ""), _get(value, "facets"))
    parts = [written.replace("\x00", "").strip()]
    for embed in _get(view_record, "embeds") or []:
        parts.extend(_embed(embed, quotes=False))
    text = "\n\n".join(part for part in parts if part)
    if not text:
        return ""
    who = _quoted_author(_get(view_record, "author"))
    head = f"Quoting {who}:" if who else "Quoting:"
    return head + "\n" + "\n".join(f"> {line}" if line else ">" for line in text.split("\n"))


def _embed(embed: Any, *, quotes: bool = True) -> list[str]:
    """The parts an embed adds to a post's text (a view or a record's own embed)."""
    if embed is None:
        return []
    kind = _kind(embed)
    parts: list[str] = []
    if kind.startswith("app.bsky.embed.images"):
        for image in _get(embed, "images") or []:
            alt = _squeezed(_get(image, "alt"))
            parts.append(f"[image: {alt}]" if alt else "[image]")
    elif kind.startswith("app.bsky.embed.video"):
        alt = _squeezed(_get(embed, "alt"))
        parts.append(f"[video: {alt}]" if alt else "[video]")
    elif kind.startswith("app.bsky.embed.external"):
        external = _get(embed, "external")
        title = _squeezed(_get(external, "title"))
        description = _squeezed(_get(external, "description"))
        uri = str(_get(external, "uri") or "").strip()
        said = " — ".join(part for part in (title, description) if part)
        if said or uri:
            parts.append(f"[link: {said} <{uri}>]" if said and uri else f"[link: {said or uri}]")
    elif kind.startswith("app.bsky.embed.recordWithMedia"):
        parts.extend(_embed(_get(embed, "media"), quotes=quotes))
        if quotes:
            parts.extend(_embed(_get(embed, "record"), quotes=quotes))
    elif kind.startswith("app.bsky.embed.record") and quotes:
        inner = _get(embed, "record")
        inner_kind = _kind(inner)
        if inner_kind == "app.bsky.embed.record#viewRecord":
            quoted = _quote(inner)
            if quoted:
                parts.append(quoted)
        elif inner_kind.startswith("app.bsky.embed.record#view"):
            parts.append("[quoted post not available]")
        else:
            # A record's own embed: only the quoted post's address (a strong reference).
            uri = str(_get(inner, "uri") or "")
            if uri.startswith("at://") and "/app.bsky.feed.post/" in uri:
                author = uri.removeprefix("at://").split("/", 1)[0]
                parts.append(f"[quoting {_post_url(author, uri)}]")
    return parts


def _with_links(text: str, facets: Any) -> str:
    """``text`` with each link facet's address in full: Bluesky clients shorten a link in the
    text ("news.example/haulright-re...") and keep the address in the facet, by UTF-8 byte
    range; a link on other words keeps them, the address after them."""
    links = []
    for facet in facets or []:
        index = _get(facet, "index")
        start = _get(index, "byte_start") or _get(index, "byteStart") or 0
        end = _get(index, "byte_end") or _get(index, "byteEnd") or 0
        for feature in _get(facet, "features") or []:
            uri = str(_get(feature, "uri") or "").strip()
            if uri and _kind(feature).endswith("#link") and 0 <= start < end:
                links.append((int(start), int(end), uri))
    if not links:
        return text
    data = text.encode("utf-8")
    pieces, at = [], 0
    for start, end, uri in sorted(links):
        if start < at or end > len(data):
            continue  # overlapping or out of range: the text as written
        shown = data[start:end].decode("utf-8", errors="replace")
        stem = shown.strip().rstrip(".…").removeprefix("https://").removeprefix("http://")
        pieces.append(data[at:start].decode("utf-8", errors="replace"))
        if stem and "." in stem and stem in uri:
            pieces.append(uri)
        else:
            pieces.append(f"{shown} ({uri})")
        at = end
    pieces.append(data[at:].decode("utf-8", errors="replace"))
    return "".join(pieces)


def post_text(record: Any, embed: Any = None) -> str:
    """A post's text as a person reads it (see above); ``embed`` is the post view's embed,
    richer than the record's own. Empty when the post says nothing."""
    written = _with_links(str(_get(record, "text") or ""), _get(record, "facets"))
    parts = [written.replace("\x00", "").strip()]
    parts.extend(_embed(embed if embed is not None else _get(record, "embed")))
    text = "\n\n".join(part for part in parts if part)
    warning = _warning(record)
    if warning and text:
        return f"CW: {warning}\n\n{text}"
    return text


def _item(
    uri: str, author: Any, record: Any, indexed_at: str, *, direct: bool, embed: Any = None
) -> FetchedItem | None:
    text = post_text(record, embed)
    if not uri or not text.strip():
        return None
    handle = str(getattr(author, "handle", "") or "")
    if handle == INVALID_HANDLE:
        handle = ""
    did = str(getattr(author, "did", "") or "")
    who = handle or did
    # The DID outlives a change of handle: an alternate identity of the same account.
    alternates = [(str(IdentityKind.BLUESKY), did)] if handle and did else []
    created = parse_datetime(str(getattr(record, "created_at", "") or "")) or parse_datetime(
        indexed_at
    )
    return FetchedItem(
        external_id=uri[:500],
        text=clip(text),
        url=_post_url(who, uri),
        author_name=str(getattr(author, "display_name", "") or who)[:200],
        author_kind=IdentityKind.BLUESKY if who else "",
        author_value=who,
        alternates=alternates,
        native_id=uri[:500],
        reply_to=_parent(record),
        published_at=created if created is not None and created.tzinfo else None,
        direct=direct,
    )


def _merged(items: list[FetchedItem]) -> list[FetchedItem]:
    """Each item once; one also addressed to the organization stays addressed to it."""
    by_id: dict[str, FetchedItem] = {}
    for item in items:
        first = by_id.setdefault(item.external_id, item)
        if first is not item and item.direct:
            first.direct = True
    return list(by_id.values())


def _earlier(stamp: str, margin: timedelta) -> str:
    moment = parse_datetime(stamp)
    if moment is None or moment.tzinfo is None:
        return stamp
    earlier = (moment - margin).astimezone(UTC)
    return earlier.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _xrpc_error(exc: RequestErrorBase) -> str:
    content = exc.response.content if exc.response is not None else None
    return str(content.error or "") if isinstance(content, XrpcError) else ""


def _error(exc: Exception, timeout: float) -> SourceError:
    if outbound.connection_failed(exc):
        # Refused here or there, no route, no answer: one message (internal hosts unmapped).
        return SourceError(outbound.UNREACHABLE)
    refused = outbound.cause(exc)
    if refused is not None:
        return SourceError(refused.message)
    if isinstance(exc, InvokeTimeoutError):
        unit = "second" if timeout == 1 else "seconds"
        return SourceError(f"{WHAT} did not answer within {timeout:g} {unit}.")
    if isinstance(exc, RateLimitExceededError):
        wait = exc.retry_after
        if wait is None and exc.reset_at is not None:
            # Bluesky sends RateLimit-Reset (epoch seconds) rather than Retry-After.
            wait = max(0.0, (exc.reset_at - datetime.now(UTC)).total_seconds())
        return http_status_error(429, WHAT, None if wait is None else str(int(wait)))
    if isinstance(exc, RequestErrorBase) and exc.response is not None:
        error = http_status_error(exc.response.status_code, WHAT, credential="app password")
        content = exc.response.content
        said = ""
        if isinstance(content, XrpcError):
            said = " ".join(str(content.message or content.error or "").split())[:300]
        if said and 400 <= exc.response.status_code < 500:
            return SourceError(
                f"{error.message} It said: “{said}”.",
                retry_after=error.retry_after,
                permanent=error.permanent,
            )
        return error
    if isinstance(exc, NetworkError):
        return SourceError(f"{WHAT} could not be read (the connection failed).")
    if isinstance(exc, ModelError):
        cause = exc.__cause__
        if isinstance(cause, ValidationError) and cause.errors():
            first = cause.errors()[0]
            where = ".".join(str(part) for part in first.get("loc", ()))
            return SourceError(
                f"{WHAT} answered in a shape Sayso does not understand ({where}: "
                f"{first.get('msg', '')})."
            )
        if "JSON is expected" in str(exc):
            return SourceError(NOT_JSON)
    return SourceError(f"{WHAT} answered in a shape Sayso does not understand: {exc}")


def _stale(exc: AtProtocolError) -> bool:
    """Whether the service refused the session itself (expired, revoked)."""
    if isinstance(exc, UnauthorizedError):
        return True
    return isinstance(exc, BadRequestError) and _xrpc_error(exc) in _STALE_SESSION


def _search(client: Client, query: str, since: str | None) -> list[Any]:
    params: dict[str, Any] = {"q": query, "limit": PAGE, "sort": "latest"}
    if since:
        params["since"] = _earlier(since, LATE_INDEX_MARGIN)
    posts: list[Any] = []
    for _ in range(MAX_PAGES):
        found = client.app.bsky.feed.search_posts(params=params)
        posts.extend(found.posts)
        if not since or not found.cursor or len(found.posts) < PAGE:
            break
        params["cursor"] = found.cursor
    return posts


def _mentions(client: Client, seen: str) -> list[Any]:
    params: dict[str, Any] = {"limit": NOTIFICATIONS_PAGE, "reasons": ["mention", "reply"]}
    notes: list[Any] = []
    for _ in range(MAX_PAGES):
        found = client.app.bsky.notification.list_notifications(params=params)
        notes.extend(found.notifications)
        if (
            not seen
            or not found.cursor
            or len(found.notifications) < NOTIFICATIONS_PAGE
            or any(note.indexed_at <= seen for note in found.notifications)
        ):
            break
        params["cursor"] = found.cursor
    return notes


def _quoted_ref(record: Any) -> str:
    """The AT URI of the post a record's own embed quotes ("" if none)."""
    embed = _get(record, "embed")
    if _kind(embed).startswith("app.bsky.embed.recordWithMedia"):
        embed = _get(embed, "record")
    if not _kind(embed).startswith("app.bsky.embed.record"):
        return ""
    uri = str(_get(_get(embed, "record"), "uri") or "")
    return uri if uri.startswith("at://") and "/app.bsky.feed.post/" in uri else ""


def _quoted_posts(client: Client, records: list[Any]) -> dict[str, Any]:
    """The posts the records quote, by AT URI: a notification carries only the record (a
    quote is a reference), so they are read in one ``getPosts`` per 25, and only when some
    mention quotes a post. A failure leaves the quotes named by address."""
    wanted = list(dict.fromkeys(uri for uri in map(_quoted_ref, records) if uri))
    found: dict[str, Any] = {}
    for start in range(0, len(wanted), GET_POSTS_BATCH):
        try:
            answer = client.app.bsky.feed.get_posts(
                params={"uris": wanted[start : start + GET_POSTS_BATCH]}
            )
        except AtProtocolError:
            break
        found.update({post.uri: post for post in answer.posts})
    return found


def _record_view(record: Any, quoted: dict[str, Any]) -> Any:
    """The view of a notification record's embed, with the quoted post read (else None: the
    record's own embed is used)."""
    post = quoted.get(_quoted_ref(record))
    if post is None:
        return None
    view = {
        "$type": "app.bsky.embed.record#view",
        "record": {
            "$type": "app.bsky.embed.record#viewRecord",
            "uri": post.uri,
            "author": post.author,
            "value": post.record,
            "embeds": [post.embed] if getattr(post, "embed", None) is not None else [],
        },
    }
    embed = _get(record, "embed")
    if _kind(embed).startswith("app.bsky.embed.recordWithMedia"):
        return {
            "$type": "app.bsky.embed.recordWithMedia#view",
            "record": view,
            "media": _get(embed, "media"),
        }
    return view


def _entry_item(entry: Any, *, direct: bool, embed: Any) -> FetchedItem | None:
    """The item of a post view or a notification (both have uri, author, record, indexedAt)."""
    return _item(
        entry.uri, entry.author, entry.record, entry.indexed_at, direct=direct, embed=embed
    )


def _collect(
    client: Client, source: Any, cursor: dict[str, Any], *, mentions: bool
) -> tuple[list[FetchedItem], dict[str, Any]]:
    items: list[FetchedItem] = []
    new_cursor = dict(cursor)
    for query in source.query_list():
        key = f"search:{query.lower()}"
        since = cursor.get(key) or None
        for post in _search(client, query, since):
            if since and post.indexed_at <= since:
                continue
            item = _entry_item(post, direct=False, embed=getattr(post, "embed", None))
            if item is not None:
                items.append(item)
            new_cursor[key] = max(new_cursor.get(key) or "", post.indexed_at)
    if mentions:
        seen = cursor.get("mentions") or ""
        notes = [
            note
            for note in _mentions(client, seen)
            if note.reason in {"mention", "reply"} and note.indexed_at > seen
        ]
        quoted = _quoted_posts(client, [note.record for note in notes])
        for note in notes:
            item = _entry_item(note, direct=True, embed=_record_view(note.record, quoted))
            if item is not None:
                items.append(item)
            new_cursor["mentions"] = max(new_cursor.get("mentions") or "", note.indexed_at)
    return items, new_cursor


class _Request(Request):
    """The SDK's transport, telling a body that is not JSON from a body of the wrong shape
    (the SDK lets the JSON parser's ``ValueError`` through)."""

    def get(self, *args: Any, **kwargs: Any) -> Response:
        try:
            return super().get(*args, **kwargs)
        except ValueError:
            raise SourceError(NOT_JSON) from None

    def post(self, *args: Any, **kwargs: Any) -> Response:
        try:
            return super().post(*args, **kwargs)
        except ValueError:
            raise SourceError(NOT_JSON) from None


def _client(source: Any, timeout: float) -> Client:
    return Client(
        base_url=source.url.rstrip("/") + "/xrpc",
        request=_Request(**outbound.client_options(timeout=timeout)),
    )


def fetch(source: Any, cursor: dict[str, Any], *, timeout: float = 10.0) -> FetchResult:
    if not source.url:
        raise SourceError("This Bluesky source has no service address.", permanent=True)
    try:
        password = source.credential_value()
    except SecretUnreadable as exc:
        raise SourceError(str(exc), permanent=True) from None
    queries = source.query_list()
    if not queries and not source.account:
        raise SourceError("Give words to search for, or the account to watch.", permanent=True)
    if source.account and not password:
        raise SourceError(
            f"Reading the mentions of {source.account} needs an app password: enter it on the "
            "source's page.",
            permanent=True,
        )
    handle = source.account.strip().lstrip("@")
    key = (
        source.url.rstrip("/"),
        handle.lower(),
        hashlib.sha256(password.encode()).hexdigest() if password else "",
    )
    clients: list[Client] = []
    try:
        client = _client(source, timeout)
        clients.append(client)
        if not handle:
            items, new_cursor = _collect(client, source, cursor, mentions=False)
            return FetchResult(_merged(items), new_cursor)
        with _SESSIONS_LOCK:
            kept = _SESSIONS.get(key)
        try:
            if kept:
                client.login(session_string=kept, fetch_bsky_profile=False)
            else:
                client.login(handle, password, fetch_bsky_profile=False)
            items, new_cursor = _collect(client, source, cursor, mentions=True)
        except AtProtocolError as exc:
            if not kept or not _stale(exc):
                raise
            # The kept session expired or was revoked: sign in again, once.
            with _SESSIONS_LOCK:
                _SESSIONS.pop(key, None)
            client = _client(source, timeout)
            clients.append(client)
            client.login(handle, password, fetch_bsky_profile=False)
            items, new_cursor = _collect(client, source, cursor, mentions=True)
        with _SESSIONS_LOCK:
            _SESSIONS[key] = client.export_session_string()
        return FetchResult(_merged(items), new_cursor)
    except SourceError:
        raise
    except outbound.OutboundError as exc:
        raise _error(exc, timeout) from None
    except AtProtocolError as exc:
        raise _error(exc, timeout) from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SourceError(f"{WHAT} answered in a shape Sayso does not understand: {exc}") from None
    except Exception as exc:
        # Whatever else the library raises is this source's failure, not the poller's.
        raise SourceError(f"{WHAT} could not be read ({type(exc).__name__}: {exc}).") from None
    finally:
        for each in clients:
            each.request.close()
