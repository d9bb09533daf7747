"""The pgvector path of the similar-item index (PostgreSQL with the ``vector`` extension, as
the ``pgserver`` wheel ships it): the ``embedding`` column kept equal to the portable vector
bytes on every write, queries answered by pgvector, and an organization's items kept apart.

Skipped on SQLite, where tests/intelligence/test_index.py covers the embedded index (it pins
that index on PostgreSQL too)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from django.db import connection

from sayso.intelligence.index import embedded as index_embedded
from sayso.intelligence.index import vector_pg
from sayso.intelligence.index.selectors import similar, similar_backend
from sayso.intelligence.index.services import IndexInput, item_index, item_unindex, items_index
from sayso.intelligence.models import EmbeddedItem

DIM = 384

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def pgvector(settings: Any) -> Iterator[None]:
    if connection.vendor != "postgresql":
        pytest.skip("pgvector needs PostgreSQL")
    settings.SAYSO_PGVECTOR = True
    index_embedded.forget()
    vector_pg.forget()
    if not vector_pg.column_present():
        pytest.skip("this PostgreSQL has no pgvector")
    yield
    index_embedded.forget()
    vector_pg.forget()


def unit(rng: np.random.Generator, centre: np.ndarray | None = None, spread: float = 0.3) -> Any:
    vector = rng.standard_normal(DIM).astype(np.float32)
    if centre is not None:
        vector = centre + spread * vector / np.linalg.norm(vector)
    return vector / np.linalg.norm(vector)


def embeddings(org: Any, kind: str = "case") -> dict[int, np.ndarray | None]:
    """The ``embedding`` column as PostgreSQL holds it, by object id."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT object_id, embedding::text FROM intelligence_embeddeditem "
            "WHERE organization_id = %s AND kind = %s",
            [org.pk, kind],
        )
        return {
            object_id: None if text is None else np.array(text.strip("[]").split(","), np.float32)
            for object_id, text in cursor.fetchall()
        }


def stored(org: Any, kind: str = "case") -> dict[int, np.ndarray]:
    """The portable vector bytes, by object id."""
    return {
        object_id: np.frombuffer(bytes(raw), dtype=np.float32)
        for object_id, raw in EmbeddedItem.objects.filter(organization=org, kind=kind)
        .values_list("object_id", "vector")
        .iterator()
    }


def test_new_items_are_written_with_their_embedding_and_found_by_pgvector(org: Any) -> None:
    rng = np.random.default_rng(11)
    vectors = {i: unit(rng) for i in range(1, 41)}
    counts = items_index(
        organization=org,
        kind="case",
        items=[IndexInput(object_id=i, vector=v, metadata={"n": i}) for i, v in vectors.items()],
    )

    assert counts.embedded == 40
    column, portable = embeddings(org), stored(org)
    assert set(column) == set(portable) == set(vectors)
    for object_id, vector in vectors.items():
        assert column[object_id] == pytest.approx(portable[object_id], abs=1e-7)
        assert portable[object_id] == pytest.approx(vector, abs=1e-6)
    assert similar_backend(organization=org, kind="case") == "pgvector"
    query = vectors[12] + 0.05 * unit(rng)
    hits = similar(organization=org, kind="case", vector=query, k=3)
    assert hits[0].object_id == 12 and hits[0].metadata == {"n": 12}
    assert hits[0].score == pytest.approx(
        float(vectors[12] @ (query / np.linalg.norm(query))), abs=1e-5
    )


def test_an_update_replaces_vector_embedding_and_metadata_in_place(org: Any) -> None:
    rng = np.random.default_rng(12)
    first, second = unit(rng), unit(rng)
    item_index(organization=org, kind="case", object_id=7, vector=first, metadata={"v": 1})
    row = EmbeddedItem.objects.get(organization=org, kind="case", object_id=7)

    item_index(organization=org, kind="case", object_id=7, vector=second, metadata={"v": 2})

    again = EmbeddedItem.objects.get(organization=org, kind="case", object_id=7)
    assert again.pk == row.pk and again.generation > row.generation
    assert again.metadata == {"v": 2} and again.created_at == row.created_at
    assert embeddings(org)[7] == pytest.approx(second, abs=1e-6)
    assert similar(organization=org, kind="case", vector=second, k=1)[0].object_id == 7


def test_a_removed_item_loses_its_embedding_and_is_never_returned(org: Any) -> None:
    rng = np.random.default_rng(13)
    vectors = {i: unit(rng) for i in range(1, 11)}
    items_index(
        organization=org,
        kind="case",
        items=[IndexInput(object_id=i, vector=v) for i, v in vectors.items()],
    )

    assert item_unindex(organization=org, kind="case", object_id=4) is True

    assert embeddings(org)[4] is None
    hits = similar(organization=org, kind="case", vector=vectors[4], k=10)
    assert 4 not in [h.object_id for h in hits] and len(hits) == 9
    # Indexed again: the emptied row gets its vector and embedding back.
    item_index(organization=org, kind="case", object_id=4, vector=vectors[4])
    assert embeddings(org)[4] == pytest.approx(vectors[4], abs=1e-6)
    assert similar(organization=org, kind="case", vector=vectors[4], k=1)[0].object_id == 4


def test_an_organization_never_sees_another_organizations_vectors(org: Any, other_org: Any) -> None:
    rng = np.random.default_rng(14)
    centre = unit(rng)
    item_index(organization=org, kind="case", object_id=1, vector=unit(rng, centre, 0.1))
    item_index(organization=other_org, kind="case", object_id=1, vector=unit(rng, centre, 0.1))
    item_index(organization=other_org, kind="case", object_id=2, vector=centre)

    hits = similar(organization=org, kind="case", vector=centre, k=5)

    assert [h.object_id for h in hits] == [1]
    assert set(embeddings(other_org)) == {1, 2} and set(embeddings(org)) == {1}
