"""Bluesky: post search and mentions through the ``atproto`` SDK, against a configurable
service URL (the public AppView for search; the account's PDS when it signs in).

The cursor keeps, per query, the newest ``indexedAt`` stored; a poll searches posts ``since``
then. Mentions need the account's handle and an app password, read from the environment
variable the source names.
"""

from __future__ import annotations

import os
from typing import Any

from atproto import Client
from atproto_client.exceptions import (
    AtProtocolError,
    InvokeTimeoutError,
    NetworkError,
    RateLimitExceededError,
    RequestErrorBase,
)
from atproto_client.request import Request

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
WHAT = "The Bluesky service"


def _post_url(handle: str, uri: str) -> str:
    rkey = uri.rsplit("/", 1)[-1] if uri.startswith("at://") else ""
    return f"https://bsky.app/profile/{handle}/post/{rkey}" if handle and rkey else ""


def _item(
    uri: str, author: Any, record: Any, indexed_at: str, *, direct: bool
) -> FetchedItem | None:
    text = str(getattr(record, "text", "") or "").replace("\x00", "")
    if not uri or not text.strip():
        return None
    handle = str(getattr(author, "handle", "") or "")
    created = parse_datetime(str(getattr(record, "created_at", "") or "")) or parse_datetime(
        indexed_at
    )
    return FetchedItem(
        external_id=uri[:500],
        text=clip(text),
        url=_post_url(handle, uri),
        author_name=str(getattr(author, "display_name", "") or handle)[:200],
        author_kind=IdentityKind.BLUESKY if handle else "",
        author_value=handle,
        published_at=created if created is not None and created.tzinfo else None,
        direct=direct,
    )


def _error(exc: Exception, timeout: float) -> SourceError:
    if isinstance(exc, InvokeTimeoutError):
        return SourceError(f"{WHAT} did not answer within {timeout:g} seconds.")
    if isinstance(exc, RateLimitExceededError):
        wait = exc.retry_after
        return http_status_error(429, WHAT, None if wait is None else str(int(wait)))
    if isinstance(exc, RequestErrorBase) and exc.response is not None:
        return http_status_error(exc.response.status_code, WHAT)
    if isinstance(exc, NetworkError):
        return SourceError(f"{WHAT} could not be reached: {exc}")
    return SourceError(f"{WHAT} answered in a shape Sayso does not understand: {exc}")


def fetch(source: Any, cursor: dict[str, Any], *, timeout: float = 10.0) -> FetchResult:
    if not source.url:
        raise SourceError("This Bluesky source has no service address.", permanent=True)
    password = os.environ.get(source.credential_env, "") if source.credential_env else ""
    if source.credential_env and not password:
        raise SourceError(
            f"The environment variable {source.credential_env} that should hold the app "
            "password is not set.",
            permanent=True,
        )
    queries = source.query_list()
    if not queries and not source.account:
        raise SourceError("Give words to search for, or the account to watch.", permanent=True)
    client = Client(base_url=source.url.rstrip("/") + "/xrpc", request=Request(timeout=timeout))
    items: list[FetchedItem] = []
    new_cursor = dict(cursor)
    try:
        if source.account and password:
            client.login(source.account.lstrip("@"), password, fetch_bsky_profile=False)
        for query in queries:
            key = f"search:{query.lower()}"
            params: dict[str, Any] = {"q": query, "limit": PAGE, "sort": "latest"}
            if cursor.get(key):
                params["since"] = cursor[key]
            found = client.app.bsky.feed.search_posts(params=params)
            for post in found.posts:
                if cursor.get(key) and post.indexed_at <= cursor[key]:
                    continue
                item = _item(post.uri, post.author, post.record, post.indexed_at, direct=False)
                if item is not None:
                    items.append(item)
                new_cursor[key] = max(new_cursor.get(key) or "", post.indexed_at)
        if source.account and password:
            notes = client.app.bsky.notification.list_notifications(params={"limit": 50})
            seen = cursor.get("mentions") or ""
            for note in notes.notifications:
                if note.reason not in {"mention", "reply"} or note.indexed_at <= seen:
                    continue
                item = _item(note.uri, note.author, note.record, note.indexed_at, direct=True)
                if item is not None:
                    items.append(item)
                new_cursor["mentions"] = max(new_cursor.get("mentions") or "", note.indexed_at)
    except AtProtocolError as exc:
        raise _error(exc, timeout) from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SourceError(f"{WHAT} answered in a shape Sayso does not understand: {exc}") from None
    return FetchResult(items, new_cursor)
