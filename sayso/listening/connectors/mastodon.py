"""Mastodon: hashtag timelines, keyword search and mentions of the organization's account,
through ``Mastodon.py`` against any instance's base URL.

Each query keeps its own newest status (or notification) id in the cursor (``tag:<name>``,
``search:<words>``, ``mentions``), and a poll asks for what came after it with ``min_id``. A
hashtag timeline and the mentions are read page after page (up to ``MAX_PAGES`` of ``PAGE``),
so a burst larger than a page is caught up, over the next polls if need be, instead of being
skipped; a word search reads one page. The first poll takes the newest page only.

The access token is the source's own, stored encrypted (``Source.credential``). Public hashtag
timelines need none; word searches and mentions do (Mastodon searches posts only for a
signed-in account), so a source that asks for them without a token is a configuration error.
Every request (and redirect hop) goes through the outbound policy: Mastodon.py is given a
``requests`` session whose adapter is ``sayso.core.outbound``'s.
An item seen twice in one poll (a post that uses the hashtag and mentions the account) is kept
once, as addressed to the organization. A local author (``acct`` without a domain) is named
after the host of their profile URL.

Rate limits: ``Retry-After`` when the server sends it, else Mastodon's ``X-RateLimit-Reset``.

Statuses are read as the JSON the server sent (plain dicts), not as Mastodon.py's typed
entities: building those (``Status`` with its ``Account``, media, mentions, tags and emojis,
every date parsed) cost about 2 ms a status, more than the rest of the connector, and the
connector reads a handful of fields with ``.get``. See ``_Client``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from django.utils.dateparse import parse_datetime
from mastodon import Mastodon
from mastodon.errors import (
    MastodonAPIError,
    MastodonError,
    MastodonNetworkError,
    MastodonRatelimitError,
)

from sayso.core import outbound
from sayso.core.encryption import SecretUnreadable
from sayso.core.html_text import html_to_text
from sayso.customers.models import IdentityKind
from sayso.listening.connectors.base import (
    FetchedItem,
    FetchResult,
    SourceError,
    aware,
    clip,
    http_status_error,
    parse_retry_after,
)

PAGE = 40
# Pages of newer posts read per query and poll; the rest waits for the next poll.
MAX_PAGES = 5
WHAT = "The Mastodon server"
# Told to Mastodon.py so that it never probes /api/v1/instance for the server's version: that
# probe costs requests on every poll, and when it fails Mastodon.py recurses until Python's
# recursion limit (or refuses ``min_id`` as needing "Mastodon 2.8.0+"). Every call here exists
# since Mastodon 2.8.
ASSUMED_VERSION = "4.0.0"


class _Client(Mastodon):
    """Mastodon.py answering lists (timelines, notifications) with the server's JSON as it
    came, as plain dicts.

    Mastodon.py 2 casts every answer to its typed entities in one private method; this client
    replaces that method for lists with one that leaves them alone. Everything else —
    requests, errors, rate limits, pagination headers — stays Mastodon.py's, and answers that
    are not lists (a search's result, whose statuses Mastodon.py reads as attributes for its
    pagination; errors) are cast by Mastodon.py as before. Should a later Mastodon.py rename
    the method, lists are typed again and the connector still works (typed entities are dicts
    too; ``_when`` takes their datetimes), only slower; a test notices.
    """

    def _Mastodon__try_cast_to_type(self, value: Any, override_type: Any = None) -> Any:
        if isinstance(value, list):
            return value, None
        return super()._Mastodon__try_cast_to_type(value, override_type)  # type: ignore[misc]

    def timeline_is_available(self, *args: Any, **kwargs: Any) -> bool:
        """Always: Mastodon.py asks ``/api/v2/instance`` whether a timeline is open before
        reading it, and asks again before every page while that request fails (a server
        without the v2 API, a proxy that refuses it). The timeline's own answer (a 401 or 404)
        says the same without the extra request."""
        return True


def _when(value: Any) -> datetime | None:
    """A status's ``created_at``: an ISO 8601 string in the JSON (a datetime if typed)."""
    if isinstance(value, datetime):
        return aware(value)
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = parse_datetime(value.strip())
    except ValueError:
        return None
    return aware(moment)


def _newer(a: str | None, b: str | None) -> str | None:
    """The larger of two status ids (numeric strings on Mastodon; compared as numbers)."""
    if not a:
        return b
    if not b:
        return a
    if a.isdigit() and b.isdigit():
        return a if int(a) >= int(b) else b
    return max(a, b)


# The stored text ------------------------------------------------------------------------------
# A status as a person reads it: the content warning, the text, the poll, what the media show
# (their descriptions), the link card and the quoted post, custom emoji shortcodes removed.

# Mastodon 4.4+ puts a "RE: <link>" paragraph in a quoting status's content for clients that do
# not show quotes; where the quote itself is shown here, that paragraph is dropped.
_QUOTE_INLINE = re.compile(
    r"<p\b[^>]*\bclass=[\"'][^\"']*\bquote-inline\b[^\"']*[\"'][^>]*>.*?</p>", re.I | re.S
)
# Hashtag and @-mention links (Mastodon's microformats classes): their words are the text, the
# address of a tag page or profile is not.
_MENTION_LINK = re.compile(
    r"<a\b[^>]*\bclass=[\"'][^\"']*\b(?:mention|hashtag)\b[^\"']*[\"'][^>]*>", re.I
)
_MEDIA_KINDS = {"image": "image", "gifv": "animation", "video": "video", "audio": "audio"}


def _shortcodes(*emoji_lists: Any) -> set[str]:
    """The custom emoji shortcodes an ``emojis`` list names."""
    codes: set[str] = set()
    for emojis in emoji_lists:
        for emoji in emojis or []:
            code = emoji.get("shortcode") if isinstance(emoji, dict) else None
            if isinstance(code, str) and code.strip(":"):
                codes.add(code.strip(":"))
    return codes


def without_custom_emoji(text: str, *emoji_lists: Any) -> str:
    """``text`` without the ``:shortcode:`` of the custom emoji the lists name (Unicode emoji
    and other words between colons stay), spaces they leave collapsed."""
    codes = _shortcodes(*emoji_lists)
    if not codes or ":" not in text:
        return text
    pattern = re.compile(":(?:" + "|".join(re.escape(code) for code in codes) + "):")
    stripped = pattern.sub("", text)
    stripped = re.sub(r"[ \t]{2,}", " ", stripped)
    return "\n".join(line.strip() for line in stripped.split("\n")).strip()


def _votes(count: Any) -> str:
    if not isinstance(count, int) or isinstance(count, bool):
        return ""
    return f" ({count} vote{'' if count == 1 else 's'})"


def _poll(poll: Any) -> str:
    if not isinstance(poll, dict):
        return ""
    options = []
    for option in poll.get("options") or []:
        if not isinstance(option, dict):
            continue
        title = without_custom_emoji(str(option.get("title") or "").strip(), poll.get("emojis"))
        if title:
            # votes_count is null while the results are hidden.
            options.append(title + _votes(option.get("votes_count")))
    if not options:
        return ""
    closed = " (closed)" if poll.get("expired") else ""
    return f"Poll{closed}: " + ", ".join(options)


def _media(attachments: Any) -> list[str]:
    lines = []
    for media in attachments or []:
        if not isinstance(media, dict):
            continue
        kind = _MEDIA_KINDS.get(str(media.get("type") or ""), "attachment")
        description = " ".join(str(media.get("description") or "").split())
        lines.append(f"[{kind}: {description}]" if description else f"[{kind}]")
    return lines


def _card(card: Any) -> str:
    if not isinstance(card, dict):
        return ""
    title = " ".join(str(card.get("title") or "").split())
    description = " ".join(str(card.get("description") or "").split())
    url = str(card.get("url") or "").strip()
    if not title and not description:
        return ""
    said = " — ".join(part for part in (title, description) if part)
    return f"[link: {said}{f' <{url}>' if url else ''}]"


def _who(account: Any) -> str:
    """A quoted post's author as people write it: "Name (@user@host)"."""
    if not isinstance(account, dict):
        return ""
    acct = str(account.get("acct") or account.get("username") or "")
    if acct and "@" not in acct:
        home = (urlsplit(str(account.get("url") or "")).hostname or "").lower()
        acct = f"{acct}@{home}" if home else acct
    name = without_custom_emoji(
        " ".join(str(account.get("display_name") or "").split()), account.get("emojis")
    )
    handle = f"@{acct}" if acct else ""
    if name and handle:
        return f"{name} ({handle})"
    return name or handle


def _quoted(quote: Any) -> str:
    """A quoted post (Mastodon 4.4+ ``quote``), as a quoted part."""
    if not isinstance(quote, dict):
        return ""
    quoted = quote.get("quoted_status")
    if not isinstance(quoted, dict):
        # Pending, rejected, revoked or deleted quotes (or a shallow quote) carry no text.
        return ""
    text = status_text(quoted, quotes=False)
    if not text:
        return ""
    who = _who(quoted.get("account"))
    head = f"Quoting {who}:" if who else "Quoting:"
    return head + "\n" + "\n".join(f"> {line}" if line else ">" for line in text.split("\n"))


def status_text(status: Any, *, quotes: bool = True) -> str:
    """A status's text as a person reads it (see above); empty when it says nothing."""
    emojis = status.get("emojis")
    quoted = _quoted(status.get("quote")) if quotes else ""
    content = str(status.get("content") or "")
    if quoted:
        # Shown below; a quote not shown (pending, revoked) keeps its "RE: <link>" instead.
        content = _QUOTE_INLINE.sub("", content)
    content = _MENTION_LINK.sub("<a>", content)
    parts = [without_custom_emoji(html_to_text(content), emojis)]
    parts.append(_poll(status.get("poll")))
    parts.append("\n".join(_media(status.get("media_attachments"))))
    parts.append(_card(status.get("card")))
    parts.append(quoted)
    text = "\n\n".join(part for part in parts if part)
    warning = without_custom_emoji(" ".join(str(status.get("spoiler_text") or "").split()), emojis)
    if warning and text:
        text = f"CW: {warning}\n\n{text}"
    elif warning:
        text = f"CW: {warning}"
    return text


def _author(account: Any, host: str) -> tuple[str, list[tuple[str, str]]]:
    """The author's handle (``@user@server``) and the other spellings of the same account:
    their profile URL and ActivityPub id (``https://server/@user``, ``…/users/user``), which
    name the server that hosts the account when it differs from the handle's domain. A local
    account (``acct`` without a domain) is on the server of its profile URL, port included (the
    API's host may be an internal address)."""
    if not isinstance(account, dict):
        return "", []
    acct = str(account.get("acct") or account.get("username") or "").strip().lstrip("@")
    if not acct:
        return "", []
    profile = str(account.get("url") or "")
    if "@" not in acct:
        parts = urlsplit(profile)
        home = parts.netloc.rpartition("@")[2] if parts.hostname else host
        acct = f"{acct}@{home.lower()}"
    alternates = [
        (str(IdentityKind.MASTODON), str(other))
        for other in (profile, account.get("uri"))
        if isinstance(other, str) and other.startswith(("https://", "http://"))
    ]
    return f"@{acct}", alternates


def _item(status: Any, host: str, *, direct: bool) -> FetchedItem | None:
    if isinstance(status, dict) and isinstance(status.get("reblog"), dict):
        # A boost is the boosted post, by its own author, under its own id.
        status = status["reblog"]
    if not isinstance(status, dict):
        return None
    account = status.get("account") or {}
    handle, alternates = _author(account, host)
    text = status_text(status)
    identifier = str(status.get("uri") or status.get("url") or status.get("id") or "")
    if not identifier or not text:
        return None
    return FetchedItem(
        external_id=identifier[:500],
        text=clip(text),
        url=str(status.get("url") or "")[:1000],
        author_name=(
            without_custom_emoji(str(account.get("display_name") or ""), account.get("emojis"))
            or str(account.get("username") or "")
        )[:200],
        author_kind=IdentityKind.MASTODON if handle else "",
        author_value=handle,
        alternates=alternates,
        native_id=str(status.get("id") or "")[:100],
        reply_to=str(status.get("in_reply_to_id") or "")[:100],
        published_at=_when(status.get("created_at")),
        direct=direct,
        # Direct messages and followers-only posts are not public: stored as private.
        private=str(status.get("visibility") or "public") in {"direct", "private"},
    )


def _merged(items: list[FetchedItem]) -> list[FetchedItem]:
    """Each item once; one also addressed to the organization stays addressed to it."""
    by_id: dict[str, FetchedItem] = {}
    for item in items:
        first = by_id.setdefault(item.external_id, item)
        if first is not item and item.direct:
            first.direct = True
    return list(by_id.values())


def _wait_seconds(response: requests.Response | None) -> float | None:
    """How long a 429 asks to wait: ``Retry-After``, else ``X-RateLimit-Reset`` (Mastodon's)."""
    if response is None:
        return None
    wait = parse_retry_after(response.headers.get("Retry-After"))
    if wait is not None:
        return wait
    reset = (response.headers.get("X-RateLimit-Reset") or "").strip()
    if not reset:
        return None
    try:
        when = datetime.fromisoformat(reset.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _said(response: requests.Response | None) -> str:
    """The server's own words for a failed request (Mastodon answers ``{"error": "…"}``)."""
    if response is None:
        return ""
    try:
        body = response.json()
    except ValueError:
        return ""
    said = body.get("error") if isinstance(body, dict) else None
    return " ".join(str(said).split())[:300] if isinstance(said, str) else ""


def _error(exc: Exception, last: requests.Response | None, timeout: float) -> SourceError:
    refused = outbound.cause(exc)
    if outbound.connection_failed(exc):
        # Refused here or there, no route, no answer: one message (internal hosts unmapped).
        return SourceError(outbound.UNREACHABLE)
    if refused is not None:
        return SourceError(refused.message)
    if isinstance(exc, MastodonRatelimitError):
        wait = _wait_seconds(last)
        return http_status_error(429, WHAT, None if wait is None else str(int(wait)))
    if isinstance(exc, MastodonNetworkError):
        if "timed out" in str(exc).lower() or "timeout" in str(exc).lower():
            unit = "second" if timeout == 1 else "seconds"
            return SourceError(f"{WHAT} did not answer within {timeout:g} {unit}.")
        return SourceError(f"{WHAT} could not be read (the connection failed).")
    if isinstance(exc, MastodonAPIError) and len(exc.args) >= 2 and isinstance(exc.args[1], int):
        error = http_status_error(exc.args[1], WHAT, credential="access token")
        said = _said(last)
        if said and 400 <= exc.args[1] < 500:
            return SourceError(
                f"{error.message} It said: “{said}”.",
                retry_after=error.retry_after,
                permanent=error.permanent,
            )
        return error
    if isinstance(exc, MastodonAPIError) and "json" in str(exc).lower():
        return SourceError(
            f"{WHAT} answered with something that is not JSON (is this a Mastodon server?)."
        )
    return SourceError(f"{WHAT} failed: {exc}")


def _after(call: Callable[..., Any], since: str | None, **params: Any) -> list[Any]:
    """What ``call`` lists after ``since`` (page after page with ``min_id``; Mastodon answers
    each page newest first), or its newest page on a first poll."""
    if not since:
        return list(call(limit=PAGE, **params) or [])
    found: list[Any] = []
    for _ in range(MAX_PAGES):
        batch = list(call(min_id=since, limit=PAGE, **params) or [])
        found.extend(batch)
        newest: str | None = since
        for entry in batch:
            newest = _newer(newest, str(entry.get("id") or ""))
        if len(batch) < PAGE or newest == since:
            break
        since = newest
    return found


def fetch(source: Any, cursor: dict[str, Any], *, timeout: float = 10.0) -> FetchResult:
    if not source.url:
        raise SourceError("This Mastodon source has no server address.", permanent=True)
    try:
        token = source.credential_value()
    except SecretUnreadable as exc:
        raise SourceError(str(exc), permanent=True) from None
    queries = source.query_list()
    if not queries and not source.account:
        raise SourceError(
            "Give hashtags or keywords to follow, or the account to watch.", permanent=True
        )
    if source.account and not token:
        raise SourceError(
            f"Reading the mentions of {source.account} needs an access token: enter it on the "
            "source's page.",
            permanent=True,
        )
    words = [q for q in queries if not q.startswith("#")]
    if words and not token:
        raise SourceError(
            f"Mastodon searches words (“{words[0]}”) only for a signed-in account: enter an "
            "access token on the source's page, or follow hashtags instead.",
            permanent=True,
        )
    session = outbound.requests_session()
    last: dict[str, requests.Response] = {}

    def remember(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        last["response"] = response

    session.hooks["response"].append(remember)
    host = (urlsplit(source.url).hostname or "").lower()
    items: list[FetchedItem] = []
    new_cursor = dict(cursor)
    try:
        client = _Client(
            api_base_url=source.url.rstrip("/"),
            access_token=token or None,
            request_timeout=timeout,
            ratelimit_method="throw",
            mastodon_version=ASSUMED_VERSION,
            version_check_mode="created",
            session=session,
        )
        for query in queries:
            if query.startswith("#"):
                tag = query.lstrip("#")
                if not tag:
                    continue
                key = f"tag:{tag.lower()}"
                statuses = _after(client.timeline_hashtag, cursor.get(key), hashtag=tag)
            else:
                key = f"search:{query.lower()}"
                found = client.search_v2(
                    query,
                    result_type="statuses",
                    min_id=cursor.get(key),
                    resolve=False,
                    limit=PAGE,
                )
                statuses = list(found.get("statuses") or [])
            for status in statuses:
                item = _item(status, host, direct=False)
                if item is not None:
                    items.append(item)
                new_cursor[key] = _newer(new_cursor.get(key), str(status.get("id") or ""))
        if source.account:
            notes = _after(client.notifications, cursor.get("mentions"), types=["mention"])
            for note in notes:
                item = _item(note.get("status"), host, direct=True)
                if item is not None:
                    items.append(item)
                new_cursor["mentions"] = _newer(
                    new_cursor.get("mentions"), str(note.get("id") or "")
                )
    except MastodonError as exc:
        raise _error(exc, last.get("response"), timeout) from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SourceError(f"{WHAT} answered in a shape Sayso does not understand: {exc}") from None
    except Exception as exc:
        # Whatever else the library raises is this source's failure, not the poller's.
        raise SourceError(f"{WHAT} could not be read ({type(exc).__name__}: {exc}).") from None
    finally:
        session.close()
    return FetchResult(_merged(items), new_cursor)
