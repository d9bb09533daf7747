"""Where the texts of each kind come from: a registry the index reads through.

Each kind registers one function ``items(organization, object_ids)`` yielding
``SourceItem(object_id, text, metadata)`` for the organization — every item when
``object_ids`` is None, else only those ids that still exist (an id it does not yield is
treated as deleted). The index never imports the models of the kinds: each app registers its
own from its ``AppConfig.ready()`` (conversations its cases and messages, community its ideas and
questions, status its incidents)::

    from sayso.intelligence import register_source

    register_source("idea", idea_texts_for_index, count=idea_count_for_index)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sayso.core.models import Organization


@dataclass(frozen=True)
class SourceItem:
    object_id: int
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)


SourceFunction = Callable[["Organization", Collection[int] | None], Iterable[SourceItem]]
CountFunction = Callable[["Organization"], int]


@dataclass(frozen=True)
class Source:
    kind: str
    items: SourceFunction
    count: CountFunction | None = None


_sources: dict[str, Source] = {}
_lock = threading.Lock()


def register_source(
    kind: str, items: SourceFunction, *, count: CountFunction | None = None
) -> None:
    """Register (or replace) the source of ``kind``; ``count`` sizes the progress bar."""
    from sayso.intelligence.models import ItemKind

    if kind not in ItemKind.values:
        raise ValueError(f"Unknown item kind “{kind}”; add it to ItemKind first.")
    with _lock:
        _sources[kind] = Source(kind=kind, items=items, count=count)


def get_source(kind: str) -> Source | None:
    return _sources.get(kind)


def registered_kinds() -> list[str]:
    return sorted(_sources)


def unregister_source(kind: str) -> None:
    """Remove a registration (tests)."""
    with _lock:
        _sources.pop(kind, None)
