"""Sayso's offline models: embeddings, the similar-item index, message analysis, training.

The app's public face, for the other apps::

    from sayso.intelligence import analyze, embed, similar

    embed(["truck did not arrive"])                       # (n, 384) float32, unit rows
    analyze([Item(text="…")])                             # list[Analysis]
    similar(organization=org, kind="case", text="…")      # list[SimilarItem], best first

and what an app needs to have its items indexed: ``register_source`` (in its
``AppConfig.ready``), ``SourceItem``, ``index_item_later`` and ``index_coalesced``.

Sub-packages: ``embeddings/`` (the sentence encoder and its int8 backend), ``index/`` (the
similar-item index), ``analysis/`` (sentiment, intents, language, spam, duplicates; the stored
analysis of messages; the spam filter moderators teach; Akismet) and ``training/`` (training and
evaluation scripts). Names are imported on first use, so importing this package (Django does at
start) loads neither NumPy nor a model.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sayso.intelligence.analysis.pipeline import Analysis, Item, analyze
    from sayso.intelligence.embeddings import embed
    from sayso.intelligence.index.search import ItemNotIndexed, SimilarItem
    from sayso.intelligence.index.selectors import similar
    from sayso.intelligence.index.services import index_coalesced, index_item_later
    from sayso.intelligence.index.sources import SourceItem, register_source

_EXPORTS = {
    "Analysis": "sayso.intelligence.analysis.pipeline",
    "Item": "sayso.intelligence.analysis.pipeline",
    "ItemNotIndexed": "sayso.intelligence.index.search",
    "SimilarItem": "sayso.intelligence.index.search",
    "SourceItem": "sayso.intelligence.index.sources",
    "analyze": "sayso.intelligence.analysis.pipeline",
    "embed": "sayso.intelligence.embeddings",
    "index_coalesced": "sayso.intelligence.index.services",
    "index_item_later": "sayso.intelligence.index.services",
    "register_source": "sayso.intelligence.index.sources",
    "similar": "sayso.intelligence.index.selectors",
}

__all__ = [
    "Analysis",
    "Item",
    "ItemNotIndexed",
    "SimilarItem",
    "SourceItem",
    "analyze",
    "embed",
    "index_coalesced",
    "index_item_later",
    "register_source",
    "similar",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
