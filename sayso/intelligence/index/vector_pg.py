"""The PostgreSQL path of similar-item search: pgvector's ``vector(384)`` column with HNSW.

Migration 0001 adds ``intelligence_embeddeditem.embedding vector(384)`` and one partial HNSW
index per kind (``vector_cosine_ops``) when the ``vector`` extension can be created. The column
is outside the Django model (the model state is the same on every database); the services keep
it equal to the portable ``vector`` bytes, and queries here order by ``embedding <=> query``
with the organization, kind, exclusions and metadata filters in the same SQL.

``enabled()`` is true on PostgreSQL when that column exists and ``SAYSO_PGVECTOR`` is not
turned off; otherwise the embedded index serves the queries (a warning is logged once).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
from django.conf import settings
from django.db import DatabaseError, connection, models, transaction
from django.db.models.expressions import RawSQL

from sayso.intelligence.models import EmbeddedItem, ItemKind

logger = logging.getLogger("sayso.intelligence")

TABLE = "intelligence_embeddeditem"
EF_SEARCH_MAX = 1000  # pgvector's limit for hnsw.ef_search
SCHEMA_STATEMENTS = [
    "CREATE EXTENSION IF NOT EXISTS vector",
    f"ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS embedding vector(384)",
    *[
        f"CREATE INDEX IF NOT EXISTS {TABLE}_hnsw_{kind} ON {TABLE} "
        f"USING hnsw (embedding vector_cosine_ops) WHERE kind = '{kind}'"
        for kind in ItemKind.values
    ],
]

_column: dict[tuple[str, str], bool] = {}
_warned: set[tuple[str, str]] = set()


def _key() -> tuple[str, str]:
    return (connection.alias, str(connection.settings_dict.get("NAME")))


def column_present() -> bool:
    """Whether this PostgreSQL database has the ``embedding vector`` column (cached)."""
    if connection.vendor != "postgresql":
        return False
    key = _key()
    if key not in _column:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = %s "
                "AND column_name = 'embedding' AND udt_name = 'vector'",
                [TABLE],
            )
            _column[key] = cursor.fetchone() is not None
    return _column[key]


def enabled() -> bool:
    """Whether similar-item queries go to pgvector (else to the embedded index)."""
    if connection.vendor != "postgresql":
        return False
    if not getattr(settings, "SAYSO_PGVECTOR", True):
        return False
    if column_present():
        return True
    key = _key()
    if key not in _warned:
        _warned.add(key)
        logger.warning(
            "PostgreSQL without the pgvector column: similar-item search uses the embedded "
            "index (run `sayso index enable-pgvector` once the extension is installed)."
        )
    return False


def forget() -> None:
    """Forget what was learnt about the database (after a schema change; tests)."""
    _column.clear()
    _warned.clear()


def enable() -> bool:
    """Create the extension, column and indexes now; True when pgvector is then usable."""
    if connection.vendor != "postgresql":
        return False
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in SCHEMA_STATEMENTS:
                cursor.execute(statement)
    except DatabaseError as error:
        logger.warning("Cannot enable pgvector: %s", str(error).strip())
        return False
    forget()
    return column_present()


def literal(vector: np.ndarray) -> str:
    """pgvector's text form of a vector (9 significant digits round-trip float32)."""
    return "[" + ",".join(map("{:.9g}".format, np.asarray(vector, dtype=np.float32).tolist())) + "]"


def write(
    *, organization_id: int, kind: str, rows: Sequence[tuple[int, bytes]], batch: int = 1000
) -> None:
    """Set ``embedding`` from the vector bytes of the given rows (empty bytes: NULL)."""
    if not column_present():
        return
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            part = rows[start : start + batch]
            ids = [int(object_id) for object_id, _ in part]
            texts = [
                literal(np.frombuffer(raw, dtype=np.float32)) if raw else None for _, raw in part
            ]
            cursor.execute(
                f"UPDATE {TABLE} AS e SET embedding = v.emb::vector "  # noqa: S608 (constant)
                "FROM unnest(%s::bigint[], %s::text[]) AS v(oid, emb) "
                "WHERE e.organization_id = %s AND e.kind = %s AND e.object_id = v.oid",
                [ids, texts, organization_id, kind],
            )


def upsert(
    *,
    organization_id: int,
    kind: str,
    rows: Sequence[tuple[int, bytes, str, str, dict[str, Any]]],
    generation: int,
    now: Any,
    batch: int = 1000,
) -> None:
    """Insert or update ``EmbeddedItem`` rows (object id, vector bytes, text hash, embedder,
    metadata) with their ``embedding`` in the same statement (empty bytes: NULL).

    What ``bulk_create(update_conflicts=True)`` followed by ``write`` would leave, in one write
    of each row instead of two: the UPDATE that ``write`` adds makes PostgreSQL write a second
    version of every new row, with new entries in each of the table's indexes and a second
    HNSW insertion — a third to a half of the cost of indexing a new vector (measured in
    docs/performance.md). Call only when ``column_present()``."""
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            part = rows[start : start + batch]
            cursor.execute(
                f"INSERT INTO {TABLE} (created_at, updated_at, organization_id, kind, "  # noqa: S608
                "object_id, vector, text_hash, embedder, metadata, generation, embedding) "
                "SELECT %s, %s, %s, %s, v.oid, v.raw, v.digest, v.embedder, v.meta::jsonb, %s, "
                "v.emb::vector "
                "FROM unnest(%s::bigint[], %s::bytea[], %s::text[], %s::text[], %s::text[], "
                "%s::text[]) AS v(oid, raw, digest, embedder, meta, emb) "
                "ON CONFLICT (organization_id, kind, object_id) DO UPDATE SET "
                "vector = EXCLUDED.vector, text_hash = EXCLUDED.text_hash, "
                "embedder = EXCLUDED.embedder, metadata = EXCLUDED.metadata, "
                "generation = EXCLUDED.generation, updated_at = EXCLUDED.updated_at, "
                "embedding = EXCLUDED.embedding",
                [
                    now,
                    now,
                    organization_id,
                    kind,
                    generation,
                    [int(object_id) for object_id, *_ in part],
                    [raw for _, raw, *_ in part],
                    [digest for _, _, digest, _, _ in part],
                    [embedder for *_, embedder, _ in part],
                    [json.dumps(metadata) for *_, metadata in part],
                    [
                        literal(np.frombuffer(raw, dtype=np.float32)) if raw else None
                        for _, raw, *_ in part
                    ],
                ],
            )


def backfill(*, organization_id: int, kind: str) -> int:
    """Fill ``embedding`` for rows that have vector bytes but no embedding; returns how many."""
    if not column_present():
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT object_id FROM {TABLE} WHERE organization_id = %s AND kind = %s "  # noqa: S608
            "AND embedding IS NULL AND length(vector) > 0",
            [organization_id, kind],
        )
        missing = [row[0] for row in cursor.fetchall()]
    done = 0
    for start in range(0, len(missing), 1000):
        rows = list(
            EmbeddedItem.objects.filter(
                organization_id=organization_id,
                kind=kind,
                object_id__in=missing[start : start + 1000],
            ).values_list("object_id", "vector")
        )
        write(
            organization_id=organization_id,
            kind=kind,
            rows=[(object_id, bytes(raw)) for object_id, raw in rows],
        )
        done += len(rows)
    return done


def _candidates(
    *,
    organization_id: int,
    kind: str,
    filters: models.Q,
    exclude: Collection[int],
) -> models.QuerySet[EmbeddedItem]:
    rows = EmbeddedItem.objects.filter(organization_id=organization_id, kind=kind).filter(
        RawSQL("embedding IS NOT NULL", (), output_field=models.BooleanField())
    )
    rows = rows.filter(filters)
    if exclude:
        rows = rows.exclude(object_id__in=list(exclude))
    return rows


def nearest_queryset(
    *,
    organization_id: int,
    kind: str,
    query: np.ndarray,
    k: int,
    filters: models.Q,
    exclude: Collection[int] = (),
    exact: bool = False,
) -> models.QuerySet[EmbeddedItem]:
    """Rows ordered by cosine distance to ``query``; ``exact`` hides the order from the HNSW
    index (``+ 0``) so the planner scans the (organization, kind) rows instead."""
    expression = "(embedding <=> %s::vector) + 0" if exact else "embedding <=> %s::vector"
    rows = _candidates(organization_id=organization_id, kind=kind, filters=filters, exclude=exclude)
    return rows.annotate(
        # The query vector is a bound parameter; the expression is one of two constants.
        distance=RawSQL(expression, (literal(query),), output_field=models.FloatField())  # noqa: S611
    ).order_by("distance")[:k]


def search(
    *,
    organization_id: int,
    kind: str,
    query: np.ndarray,
    k: int,
    filters: models.Q,
    exclude: Collection[int] = (),
    filtered: bool = False,
) -> list[tuple[int, float, dict[str, Any]]]:
    """The ``k`` nearest rows as (object id, cosine similarity, metadata).

    The HNSW index gives ``hnsw.ef_search`` candidates before the WHERE clause applies
    (pgvector 0.6 has no iterative scans), so when that leaves fewer than ``k`` rows the query
    runs again in exact order: the result has ``k`` items whenever ``k`` rows match.
    """
    ef_search = min(EF_SEARCH_MAX, max(40, 2 * (k + len(exclude)), 10 * k if filtered else 0))
    arguments: dict[str, Any] = {
        "organization_id": organization_id,
        "kind": kind,
        "query": query,
        "k": k,
        "filters": filters,
        "exclude": exclude,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('hnsw.ef_search', %s, true)", [str(ef_search)])
        found = _rows(nearest_queryset(**arguments))
        if len(found) < k:
            found = _rows(nearest_queryset(**arguments, exact=True))
    return found


def _rows(rows: Any) -> list[tuple[int, float, dict[str, Any]]]:
    return [
        (int(object_id), 1.0 - float(distance), metadata)
        for object_id, distance, metadata in rows.values_list("object_id", "distance", "metadata")
    ]
