"""Connectors: each turns one source's service into ``FetchedItem``s and a new cursor.

    from sayso.listening.connectors import fetch
    result = fetch(source, cursor, timeout=10)   # FetchResult(items, cursor) or SourceError

A connector only reads from the outside world; the pipeline (``listening.pipeline``) decides
what is kept and writes it. Nothing downstream reaches back into a connector.
"""

from __future__ import annotations

from typing import Any

from sayso.listening.connectors.base import FetchedItem, FetchResult, SourceError

__all__ = ["FetchResult", "FetchedItem", "SourceError", "fetch"]


def fetch(source: Any, cursor: dict[str, Any], *, timeout: float = 10.0) -> FetchResult:
    from sayso.listening.models import SourceKind

    if source.kind == SourceKind.RSS:
        from sayso.listening.connectors import rss

        return rss.fetch(source, cursor, timeout=timeout)
    if source.kind == SourceKind.MASTODON:
        from sayso.listening.connectors import mastodon

        return mastodon.fetch(source, cursor, timeout=timeout)
    if source.kind == SourceKind.BLUESKY:
        from sayso.listening.connectors import bluesky

        return bluesky.fetch(source, cursor, timeout=timeout)
    raise SourceError(f"A {source.get_kind_display()} source is not polled.", permanent=True)
