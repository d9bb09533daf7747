"""Similar-item queries: one entry point over pgvector and the embedded index.

Every query is scoped to one organization and kind in SQL, so an organization never sees
another's items whatever the index returns. On the embedded path the index proposes
candidates, and their rows are then read from the database (live rows only, with the metadata
filters in the WHERE clause) and re-scored with the exact float32 vectors: scores are exact
cosine similarities, removed items never come back, and filters over-fetch (x4 each round) until
``k`` matching items are found or the index is exhausted; a filter too selective for that is
answered by exact search over the rows that match it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import Q

from sayso.core.sql_names import columns, table
from sayso.intelligence.index import embedded as index_embedded
from sayso.intelligence.index import vector_pg
from sayso.intelligence.models import EmbeddedItem, ItemKind

MAX_K = 1000
RERANK_FACTOR = 2  # the embedded index proposes k x this, exact vectors pick the best k
FILTER_FIRST_FETCH = 64
MAX_FETCH = 4096
_KEY = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
_SCALARS = (str, int, float, bool, type(None))


class ItemNotIndexed(LookupError):
    """The item to find neighbours of has no vector in the index."""


@dataclass(frozen=True)
class SimilarItem:
    object_id: int
    score: float  # cosine similarity, -1..1 (1 = same direction)
    kind: str
    metadata: dict[str, Any] = field(default_factory=dict)


def metadata_q(filters: Mapping[str, Any] | None) -> Q:
    """SQL for a metadata match: ``{"status": "open", "customer_id": 3}`` (all must hold); a
    list/tuple/set value matches any of its values."""
    condition = Q()
    for key, value in (filters or {}).items():
        if not isinstance(key, str) or not _KEY.match(key) or "__" in key:
            raise ValueError(f"Invalid metadata filter key {key!r}.")
        if isinstance(value, list | tuple | set | frozenset):
            values = list(value)
            if not all(isinstance(item, _SCALARS) for item in values):
                raise ValueError(f"Invalid values for metadata filter {key!r}.")
            condition &= Q(**{f"metadata__{key}__in": values})
        elif isinstance(value, _SCALARS):
            condition &= Q(**{f"metadata__{key}": value})
        else:
            raise ValueError(f"Invalid value for metadata filter {key!r}.")
    return condition


def backend_name(*, organization_id: int, kind: str) -> str:
    """Which index answers queries for this organization and kind right now."""
    if vector_pg.enabled():
        return "pgvector"
    return index_embedded.live_index(organization_id, kind).backend


def query_vector(
    *, organization_id: int, kind: str, text: str | None, object_id: int | None, vector: Any
) -> np.ndarray:
    given = sum(value is not None for value in (text, object_id, vector))
    if given != 1:
        raise ValueError("Give exactly one of text, object_id or vector.")
    if vector is not None:
        array = np.asarray(vector, dtype=np.float32).reshape(-1)
    elif text is not None:
        from sayso.intelligence.embeddings import embed

        array = embed([text])[0]
    else:
        rows = _live_rows(organization_id, kind, [int(object_id or 0)])
        if not rows:
            raise ItemNotIndexed(f"{kind} {object_id} is not in the index.")
        array = np.frombuffer(bytes(rows[0][1]), dtype=np.float32)
    if array.shape != (index_embedded.DIMENSIONS,):
        raise ValueError(f"A query vector has {index_embedded.DIMENSIONS} values.")
    norm = float(np.linalg.norm(array))
    return array / norm if norm > 0 else array


def similar(
    *,
    organization_id: int,
    kind: str,
    text: str | None = None,
    object_id: int | None = None,
    vector: Any = None,
    k: int = 10,
    filters: Mapping[str, Any] | None = None,
    exclude: Collection[int] = (),
) -> list[SimilarItem]:
    if kind not in ItemKind.values:
        raise ValueError(f"Unknown item kind “{kind}”.")
    if not 1 <= k <= MAX_K:
        raise ValueError(f"k must be between 1 and {MAX_K}.")
    condition = metadata_q(filters)
    query = query_vector(
        organization_id=organization_id, kind=kind, text=text, object_id=object_id, vector=vector
    )
    excluded = {int(i) for i in exclude}
    if object_id is not None:
        excluded.add(int(object_id))
    if vector_pg.enabled():
        found = vector_pg.search(
            organization_id=organization_id,
            kind=kind,
            query=query,
            k=k,
            filters=condition,
            exclude=excluded,
            filtered=bool(filters),
        )
    else:
        found = _embedded_search(
            organization_id=organization_id,
            kind=kind,
            query=query,
            k=k,
            condition=condition,
            filtered=bool(filters),
            excluded=excluded,
        )
    return [
        SimilarItem(object_id=object_id, score=score, kind=kind, metadata=metadata)
        for object_id, score, metadata in found
    ]


def _embedded_search(
    *,
    organization_id: int,
    kind: str,
    query: np.ndarray,
    k: int,
    condition: Q,
    filtered: bool,
    excluded: set[int],
) -> list[tuple[int, float, dict[str, Any]]]:
    live = index_embedded.live_index(organization_id, kind)
    fetch = k * RERANK_FACTOR + len(excluded)
    if filtered:
        fetch = max(fetch, FILTER_FIRST_FETCH)
    with live.lock:
        size = len(live)
    while True:
        with live.lock:
            ids, _ = live.search(query, fetch)
        candidates = [int(i) for i in ids if int(i) not in excluded]
        if filtered:
            rows = _kind_rows(organization_id, kind).filter(condition, object_id__in=candidates)
            found = _rescore(rows, query)
        else:
            found = _rescore_rows(_live_rows(organization_id, kind, candidates), query)
        if len(found) >= k or len(ids) < fetch or fetch >= size:
            return found[:k]
        if fetch >= MAX_FETCH:
            break
        fetch = min(fetch * 4, MAX_FETCH, max(size, 1))
    # Too selective for the index: exact search over the rows the filter matches.
    matching = _kind_rows(organization_id, kind).filter(condition)
    if excluded:
        matching = matching.exclude(object_id__in=excluded)
    return _rescore(matching, query)[:k]


def _kind_rows(organization_id: int, kind: str) -> Any:
    """The live rows of one organization and kind, as a queryset (built only where a metadata
    filter or the exact fallback needs it: the unfiltered path reads ``_live_rows``)."""
    return EmbeddedItem.objects.live().filter(organization_id=organization_id, kind=kind)


def _live_rows(
    organization_id: int, kind: str, object_ids: list[int]
) -> list[tuple[int, Any, dict[str, Any]]]:
    """The live rows of these items: (object id, vector, metadata). Read on every unfiltered
    query with one plain statement, which costs less than building it through the ORM
    (docs/performance.md); filtered queries go through ``metadata_q``."""
    if not object_ids:
        return []
    column = columns(EmbeddedItem, "organization", "kind", "object_id", "vector", "metadata")
    marks = ", ".join(["%s"] * len(object_ids))
    sql = (  # names from the model, values bound
        f"SELECT {column['object_id']}, {column['vector']}, {column['metadata']} "  # noqa: S608
        f"FROM {table(EmbeddedItem)} WHERE {column['organization']} = %s "
        f"AND {column['kind']} = %s AND {column['object_id']} IN ({marks}) "
        f"AND {column['vector']} <> %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [int(organization_id), kind, *object_ids, b""])
        return [
            (int(object_id), raw, _metadata(value)) for object_id, raw, value in cursor.fetchall()
        ]


def _metadata(value: Any) -> dict[str, Any]:
    """A metadata column as read by a plain statement: JSON text (SQLite, and PostgreSQL as
    Django's connection reads jsonb), or already decoded."""
    if isinstance(value, str | bytes):
        decoded = json.loads(value)
        return decoded if isinstance(decoded, dict) else {}
    return value if isinstance(value, dict) else {}


def _rescore(rows: Any, query: np.ndarray) -> list[tuple[int, float, dict[str, Any]]]:
    return _rescore_rows(
        list(rows.values_list("object_id", "vector", "metadata").order_by()), query
    )


def _rescore_rows(
    found: list[tuple[int, Any, dict[str, Any]]], query: np.ndarray
) -> list[tuple[int, float, dict[str, Any]]]:
    if not found:
        return []
    matrix = np.frombuffer(b"".join(bytes(raw) for _, raw, _ in found), dtype=np.float32)
    scores = matrix.reshape(len(found), -1) @ query
    order = np.argsort(-scores, kind="stable")
    return [(int(found[i][0]), float(scores[i]), found[i][2]) for i in order]
