"""What every connector returns, and the error it raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

# An item's text is cut here before anything else reads it (a "huge entry").
MAX_ITEM_CHARS = 20_000


@dataclass
class FetchedItem:
    """One post, entry or widget message, in the same shape whatever its source."""

    external_id: str
    text: str
    title: str = ""
    url: str = ""
    author_name: str = ""
    # How the author is recognised: an ``IdentityKind`` and its value ("url", "sam.blog").
    author_kind: str = ""
    author_value: str = ""
    published_at: datetime | None = None
    # Addressed to the organization (a mention of its account, the widget): always kept.
    direct: bool = False
    # Other identities of the same author (the feed's site beside an entry's author link).
    alternates: list[tuple[str, str]] = field(default_factory=list)
    # Not public where it was said (a direct message, a followers-only post).
    private: bool = False
    # The service's own id of this item, and of the item it answers (a reply in a thread or
    # a conversation of direct messages): a reply joins the case of what it answers.
    native_id: str = ""
    reply_to: str = ""


@dataclass
class FetchResult:
    items: list[FetchedItem]
    cursor: dict[str, Any]
    not_modified: bool = False


class SourceError(Exception):
    """A fetch that failed, with a message for the people who configured the source.

    ``retry_after`` (seconds) comes from the service (HTTP 429 ``Retry-After``);
    ``permanent`` errors (bad configuration) are not worth retrying soon.
    """

    def __init__(
        self, message: str, *, retry_after: float | None = None, permanent: bool = False
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after
        self.permanent = permanent


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` as seconds: either a number or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def http_status_error(
    status: int, what: str, retry_after: str | None = None, *, credential: str = "token"
) -> SourceError:
    """The message for a failed HTTP status, in words a person can act on."""
    if status == 429:
        wait = parse_retry_after(retry_after)
        when = f" It asks to wait {int(wait)} seconds." if wait is not None else ""
        return SourceError(f"{what} is rate-limiting Sayso (HTTP 429).{when}", retry_after=wait)
    if status == 401:
        return SourceError(
            f"{what} refused the credentials (HTTP 401). Check the {credential} entered for "
            "this source.",
            permanent=True,
        )
    if status == 403:
        return SourceError(f"{what} denied access (HTTP 403).", permanent=True)
    if status == 404:
        return SourceError(f"{what} has nothing at this address (HTTP 404).", permanent=True)
    if status >= 500:
        return SourceError(f"{what} failed on its side (HTTP {status}); Sayso will retry.")
    return SourceError(f"{what} answered HTTP {status}.")


def clip(text: str, limit: int = MAX_ITEM_CHARS) -> str:
    text = (text or "").replace("\x00", "")
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
