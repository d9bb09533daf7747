"""Mastodon: hashtag timelines, keyword search and mentions of the organization's account,
through ``Mastodon.py`` against any instance's base URL.

Each query keeps its own ``since_id`` in the cursor (``tag:<name>``, ``search:<words>``,
``mentions``), so a poll asks only for posts newer than the last one stored. The access token
is read from the environment variable the source names; public hashtag timelines need none.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

import requests
from mastodon import Mastodon
from mastodon.errors import (
    MastodonAPIError,
    MastodonError,
    MastodonNetworkError,
    MastodonRatelimitError,
)

from sayso.customers.models import IdentityKind
from sayso.listening.connectors.base import (
    FetchedItem,
    FetchResult,
    SourceError,
    aware,
    clip,
    html_to_text,
    http_status_error,
    parse_retry_after,
)

PAGE = 40
WHAT = "The Mastodon server"


def _newer(a: str | None, b: str | None) -> str | None:
    """The larger of two status ids (numeric strings on Mastodon; compared as numbers)."""
    if not a:
        return b
    if not b:
        return a
    if a.isdigit() and b.isdigit():
        return a if int(a) >= int(b) else b
    return max(a, b)


def _item(status: Any, host: str, *, direct: bool) -> FetchedItem | None:
    if status is None or status.get("reblog"):
        return None
    account = status.get("account") or {}
    acct = str(account.get("acct") or account.get("username") or "")
    handle = acct if "@" in acct else f"{acct}@{host}"
    text = html_to_text(str(status.get("content") or ""))
    warning = str(status.get("spoiler_text") or "").strip()
    if warning:
        text = f"{warning}\n\n{text}"
    identifier = str(status.get("uri") or status.get("url") or status.get("id") or "")
    if not identifier or not text:
        return None
    return FetchedItem(
        external_id=identifier[:500],
        text=clip(text),
        url=str(status.get("url") or "")[:1000],
        author_name=str(account.get("display_name") or account.get("username") or "")[:200],
        author_kind=IdentityKind.MASTODON if acct else "",
        author_value=f"@{handle}" if acct else "",
        published_at=aware(status.get("created_at")),
        direct=direct,
    )


def _error(exc: Exception, last: requests.Response | None, timeout: float) -> SourceError:
    if isinstance(exc, MastodonRatelimitError):
        retry = last.headers.get("Retry-After") if last is not None else None
        wait = parse_retry_after(retry)
        return http_status_error(429, WHAT, None if wait is None else str(int(wait)))
    if isinstance(exc, MastodonNetworkError):
        if "timed out" in str(exc).lower() or "timeout" in str(exc).lower():
            return SourceError(f"{WHAT} did not answer within {timeout:g} seconds.")
        return SourceError(f"{WHAT} could not be reached: {exc.args[0] if exc.args else exc}")
    if isinstance(exc, MastodonAPIError) and len(exc.args) >= 2 and isinstance(exc.args[1], int):
        return http_status_error(exc.args[1], WHAT)
    if isinstance(exc, MastodonAPIError) and "json" in str(exc).lower():
        return SourceError(
            f"{WHAT} answered with something that is not JSON (is this a Mastodon server?)."
        )
    return SourceError(f"{WHAT} failed: {exc}")


def fetch(source: Any, cursor: dict[str, Any], *, timeout: float = 10.0) -> FetchResult:
    if not source.url:
        raise SourceError("This Mastodon source has no server address.", permanent=True)
    token = os.environ.get(source.credential_env, "") if source.credential_env else ""
    if source.credential_env and not token:
        raise SourceError(
            f"The environment variable {source.credential_env} that should hold the access "
            "token is not set.",
            permanent=True,
        )
    queries = source.query_list()
    if not queries and not source.account:
        raise SourceError(
            "Give hashtags or keywords to follow, or the account to watch.", permanent=True
        )
    session = requests.Session()
    last: dict[str, requests.Response] = {}

    def remember(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        last["response"] = response

    session.hooks["response"].append(remember)
    client = Mastodon(
        api_base_url=source.url.rstrip("/"),
        access_token=token or None,
        request_timeout=timeout,
        ratelimit_method="throw",
        version_check_mode="none",
        session=session,
    )
    host = (urlsplit(source.url).hostname or "").lower()
    items: list[FetchedItem] = []
    new_cursor = dict(cursor)
    try:
        for query in queries:
            if query.startswith("#"):
                key = f"tag:{query[1:].lower()}"
                statuses = client.timeline_hashtag(query[1:], since_id=cursor.get(key), limit=PAGE)
            else:
                key = f"search:{query.lower()}"
                found = client.search_v2(
                    query, result_type="statuses", min_id=cursor.get(key), resolve=False
                )
                statuses = found.get("statuses") or []
            for status in statuses or []:
                item = _item(status, host, direct=False)
                if item is not None:
                    items.append(item)
                new_cursor[key] = _newer(new_cursor.get(key), str(status.get("id") or ""))
        if source.account and token:
            notes = client.notifications(
                types=["mention"], since_id=cursor.get("mentions"), limit=PAGE
            )
            for note in notes or []:
                item = _item(note.get("status"), host, direct=True)
                if item is not None:
                    items.append(item)
                new_cursor["mentions"] = _newer(new_cursor.get("mentions"), str(note.get("id")))
    except MastodonError as exc:
        raise _error(exc, last.get("response"), timeout) from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SourceError(f"{WHAT} answered in a shape Sayso does not understand: {exc}") from None
    return FetchResult(items, new_cursor)
