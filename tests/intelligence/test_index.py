"""The similar-item index on synthetic vectors: writes, persistence, filters, isolation.

These tests pin the embedded index (``SAYSO_PGVECTOR=False``) so they exercise it on SQLite
and on PostgreSQL alike; tests/intelligence/test_index_pgvector.py covers pgvector.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from sayso.intelligence.index import embedded as index_embedded
from sayso.intelligence.index import vector_pg
from sayso.intelligence.index.search import ItemNotIndexed
from sayso.intelligence.index.selectors import index_status, similar, similar_backend
from sayso.intelligence.index.services import (
    IndexInput,
    index_persist,
    index_rebuild,
    item_index,
    item_unindex,
    items_index,
)
from sayso.intelligence.index.snapshot import EXACT, USEARCH, SnapshotStore
from sayso.intelligence.models import EmbeddedItem, IndexState

DIM = 384


def unit(rng: np.random.Generator, centre: np.ndarray | None = None, spread: float = 0.3) -> Any:
    vector = rng.standard_normal(DIM).astype(np.float32)
    if centre is not None:
        vector = centre + spread * vector / np.linalg.norm(vector)
    return vector / np.linalg.norm(vector)


@pytest.fixture(autouse=True)
def embedded(settings: Any) -> Any:
    """Use the embedded index on every database, and start each test with no loaded index."""
    settings.SAYSO_PGVECTOR = False
    index_embedded.forget()
    vector_pg.forget()
    yield
    index_embedded.forget()
    vector_pg.forget()


def other_process() -> None:
    """What another process (the worker beside the web server) would hold: nothing loaded."""
    index_embedded.forget()


def load(
    org: Any, vectors: dict[int, np.ndarray], metadata: dict[int, dict[str, Any]] | None = None
):
    return items_index(
        organization=org,
        kind="case",
        items=[
            IndexInput(object_id=i, vector=v, metadata=(metadata or {}).get(i, {}))
            for i, v in vectors.items()
        ],
    )


def test_added_items_are_found_nearest_first_with_cosine_scores(org: Any) -> None:
    rng = np.random.default_rng(1)
    vectors = {i: unit(rng) for i in range(1, 51)}
    load(org, vectors)
    query = vectors[7] + 0.05 * unit(rng)
    hits = similar(organization=org, kind="case", vector=query, k=5)
    assert hits[0].object_id == 7
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    expected = float(vectors[7] @ (query / np.linalg.norm(query)))
    assert hits[0].score == pytest.approx(expected, abs=1e-5)
    assert len(hits) == 5 and hits[0].kind == "case"


def test_similar_by_item_leaves_the_item_out(org: Any) -> None:
    rng = np.random.default_rng(2)
    centre = unit(rng)
    vectors = {i: unit(rng, centre, 0.2) for i in range(1, 6)}
    vectors |= {i: unit(rng) for i in range(6, 30)}
    load(org, vectors)
    hits = similar(organization=org, kind="case", object_id=3, k=4)
    ids = [h.object_id for h in hits]
    assert 3 not in ids
    assert set(ids) == {1, 2, 4, 5}


def test_similar_by_an_item_that_is_not_indexed_raises(org: Any) -> None:
    with pytest.raises(ItemNotIndexed):
        similar(organization=org, kind="case", object_id=404)


def test_update_replaces_the_vector_and_metadata(org: Any) -> None:
    rng = np.random.default_rng(3)
    vectors = {i: unit(rng) for i in range(1, 21)}
    load(org, vectors)
    before = similar(organization=org, kind="case", vector=vectors[20], k=1)
    assert before[0].object_id == 20
    item_index(organization=org, kind="case", object_id=5, vector=vectors[20], metadata={"a": 1})
    hits = similar(organization=org, kind="case", vector=vectors[20], k=2)
    assert {h.object_id for h in hits} == {5, 20}
    assert next(h for h in hits if h.object_id == 5).metadata == {"a": 1}
    assert EmbeddedItem.objects.filter(organization=org, kind="case").count() == 20


def test_writing_the_same_vector_again_changes_nothing(org: Any) -> None:
    rng = np.random.default_rng(4)
    vector = unit(rng)
    assert item_index(organization=org, kind="case", object_id=1, vector=vector) == "embedded"
    generation = IndexState.objects.get(organization=org, kind="case").generation
    assert item_index(organization=org, kind="case", object_id=1, vector=vector) == "unchanged"
    assert IndexState.objects.get(organization=org, kind="case").generation == generation
    assert (
        item_index(
            organization=org, kind="case", object_id=1, vector=vector, metadata={"status": "open"}
        )
        == "updated"
    )


def test_removed_items_are_never_returned(org: Any) -> None:
    rng = np.random.default_rng(5)
    vectors = {i: unit(rng) for i in range(1, 31)}
    load(org, vectors)
    similar(organization=org, kind="case", vector=vectors[9], k=3)  # loads the index
    assert item_unindex(organization=org, kind="case", object_id=9) is True
    assert item_unindex(organization=org, kind="case", object_id=9) is False
    hits = similar(organization=org, kind="case", vector=vectors[9], k=29)
    assert 9 not in [h.object_id for h in hits]
    assert len(hits) == 29
    with pytest.raises(ItemNotIndexed):
        similar(organization=org, kind="case", object_id=9)


def test_filters_match_metadata_and_still_return_k_items(org: Any) -> None:
    rng = np.random.default_rng(6)
    centre = unit(rng)
    # 200 close neighbours that are closed, 12 farther ones that are open.
    vectors = {i: unit(rng, centre, 0.1) for i in range(1, 201)}
    vectors |= {i: unit(rng, centre, 1.0) for i in range(201, 213)}
    metadata = {
        i: {"status": "open" if i > 200 else "closed", "customer_id": i % 3} for i in vectors
    }
    load(org, vectors, metadata)
    hits = similar(organization=org, kind="case", vector=centre, k=10, filters={"status": "open"})
    assert len(hits) == 10
    assert all(h.object_id > 200 and h.metadata["status"] == "open" for h in hits)
    both = similar(
        organization=org,
        kind="case",
        vector=centre,
        k=10,
        filters={"status": "open", "customer_id": 1},
    )
    assert {h.object_id for h in both} == {i for i in range(201, 213) if i % 3 == 1}
    either = similar(
        organization=org, kind="case", vector=centre, k=50, filters={"customer_id": [0, 2]}
    )
    assert len(either) == 50 and all(h.metadata["customer_id"] in (0, 2) for h in either)


def test_exclusions_are_left_out(org: Any) -> None:
    rng = np.random.default_rng(7)
    vectors = {i: unit(rng) for i in range(1, 41)}
    load(org, vectors)
    top = [h.object_id for h in similar(organization=org, kind="case", vector=vectors[1], k=5)]
    hits = similar(organization=org, kind="case", vector=vectors[1], k=5, exclude=top[:3])
    assert not set(top[:3]) & {h.object_id for h in hits}
    assert len(hits) == 5


def test_invalid_filters_and_arguments_are_refused(org: Any) -> None:
    with pytest.raises(ValueError):
        similar(organization=org, kind="case", vector=np.ones(DIM), filters={"a__b": 1})
    with pytest.raises(ValueError):
        similar(organization=org, kind="case", vector=np.ones(DIM), filters={"a": {"b": 1}})
    with pytest.raises(ValueError):
        similar(organization=org, kind="nope", vector=np.ones(DIM))
    with pytest.raises(ValueError):
        similar(organization=org, kind="case", vector=np.ones(DIM), text="both")
    with pytest.raises(ValueError):
        similar(organization=org, kind="case", vector=np.ones(DIM), k=0)
    with pytest.raises(ValueError):
        item_index(organization=org, kind="case", object_id=1, vector=np.ones(12))


def test_an_organization_never_sees_another_organizations_items(org: Any, other_org: Any) -> None:
    rng = np.random.default_rng(8)
    mine = {i: unit(rng) for i in range(1, 11)}
    theirs = {i: unit(rng) for i in range(1, 200)}
    load(org, mine)
    load(other_org, theirs)
    hits = similar(organization=org, kind="case", vector=theirs[50], k=50)
    assert len(hits) == 10
    assert all(h.score < 0.5 for h in hits)  # only own (unrelated) items came back
    mine_again = similar(organization=other_org, kind="case", vector=mine[1], k=3)
    assert all(h.score < 0.5 for h in mine_again)
    assert similar(organization=other_org, kind="case", vector=theirs[50], k=1)[0].object_id == 50


def test_kinds_are_separate_indexes(org: Any) -> None:
    rng = np.random.default_rng(9)
    vector = unit(rng)
    item_index(organization=org, kind="message", object_id=1, vector=vector)
    assert similar(organization=org, kind="case", vector=vector) == []
    assert similar(organization=org, kind="message", vector=vector)[0].object_id == 1


def test_persisted_snapshot_is_written_atomically_with_a_marker(org: Any, settings: Any) -> None:
    rng = np.random.default_rng(10)
    load(org, {i: unit(rng) for i in range(1, 21)})
    marker = index_persist(organization=org, kind="case")
    assert marker is not None and marker.backend == EXACT and marker.count == 20
    directory = index_embedded.data_dir() / "index" / str(org.pk)
    written = json.loads((directory / "case.json").read_text())
    assert written["generation"] == IndexState.objects.get(organization=org, kind="case").generation
    assert sorted(p.name for p in directory.iterdir() if not p.name.endswith(".lock")) == sorted(
        ["case.json", *marker.files]
    )
    assert not [p for p in directory.iterdir() if p.name.startswith(".")]  # no temp files left


def test_a_second_process_sees_writes_made_after_it_loaded_the_index(org: Any) -> None:
    rng = np.random.default_rng(11)
    vectors = {i: unit(rng) for i in range(1, 21)}
    load(org, vectors)
    index_persist(organization=org, kind="case")
    web = index_embedded.live_index(org.pk, "case")
    # The worker (another process) writes: a new item, a changed one, a removed one.
    new = unit(rng)
    item_index(organization=org, kind="case", object_id=100, vector=new)
    item_index(organization=org, kind="case", object_id=2, vector=vectors[3])
    item_unindex(organization=org, kind="case", object_id=4)
    assert web.generation < IndexState.objects.get(organization=org, kind="case").generation
    assert similar(organization=org, kind="case", vector=new, k=1)[0].object_id == 100
    assert {
        h.object_id for h in similar(organization=org, kind="case", vector=vectors[3], k=2)
    } == {
        2,
        3,
    }
    assert 4 not in {
        h.object_id for h in similar(organization=org, kind="case", vector=vectors[4], k=20)
    }
    assert len(index_embedded.live_index(org.pk, "case")) == 20  # 20 + 1 new - 1 removed


def test_another_processs_new_snapshot_is_picked_up(org: Any) -> None:
    rng = np.random.default_rng(12)
    vectors = {i: unit(rng) for i in range(1, 21)}
    load(org, vectors)
    first = index_embedded.live_index(org.pk, "case")
    item_index(organization=org, kind="case", object_id=50, vector=unit(rng))
    other_process()
    index_persist(organization=org, kind="case")  # "the worker" writes a snapshot
    second = index_embedded.live_index(org.pk, "case")
    assert second is not first and second.snapshot.generation > first.snapshot.generation
    assert second.changes == 0 and len(second) == 21


def test_missing_snapshot_is_rebuilt_from_the_database(org: Any) -> None:
    rng = np.random.default_rng(13)
    vectors = {i: unit(rng) for i in range(1, 21)}
    load(org, vectors)
    marker = index_persist(organization=org, kind="case")
    assert marker is not None
    store = index_embedded.store_for(org.pk)
    store.remove("case")
    other_process()
    assert similar(organization=org, kind="case", vector=vectors[8], k=1)[0].object_id == 8
    assert store.read_marker("case") is not None


def test_stale_or_foreign_snapshot_is_rebuilt(org: Any) -> None:
    rng = np.random.default_rng(14)
    vectors = {i: unit(rng) for i in range(1, 21)}
    load(org, vectors)
    index_persist(organization=org, kind="case")
    store = index_embedded.store_for(org.pk)
    marker = store.read_marker("case")
    assert marker is not None
    # A snapshot from a database restored to an older state: it claims a later generation
    # and holds vectors the rows no longer have.
    other_ids = np.arange(1000, 1005)
    with store.writing("case"):
        store.write_exact(
            "case",
            ids=other_ids,
            vectors=np.stack([unit(rng) for _ in other_ids]),
            generation=marker.generation + 50,
        )
    other_process()
    hits = similar(organization=org, kind="case", vector=vectors[8], k=30)
    assert hits[0].object_id == 8 and len(hits) == 20
    rebuilt = store.read_marker("case")
    assert rebuilt is not None and rebuilt.generation == marker.generation and rebuilt.count == 20
    # A corrupt file is rebuilt too.
    (store.directory / rebuilt.files[0]).write_bytes(b"garbage")
    other_process()
    assert similar(organization=org, kind="case", vector=vectors[8], k=1)[0].object_id == 8


def test_snapshot_whose_count_does_not_match_the_rows_is_rebuilt(org: Any) -> None:
    rng = np.random.default_rng(15)
    vectors = {i: unit(rng) for i in range(1, 21)}
    load(org, vectors)
    index_persist(organization=org, kind="case")
    # Rows deleted behind the index's back (a manual purge, a partial restore).
    EmbeddedItem.objects.filter(organization=org, object_id__in=[1, 2, 3]).delete()
    other_process()
    live = index_embedded.live_index(org.pk, "case")
    assert len(live) == 17 and len(live.snapshot) == 17


def test_large_indexes_use_hnsw_and_small_ones_exact(org: Any, settings: Any) -> None:
    rng = np.random.default_rng(16)
    centres = [unit(rng) for _ in range(10)]
    vectors = {i: unit(rng, centres[i % 10], 0.5) for i in range(1, 401)}
    load(org, vectors)
    queries = [unit(rng, vectors[probe], 0.3) for probe in range(1, 401, 20)]
    # The truth is the exact search over the same stored (quantized) vectors: the graph's
    # recall is measured against it, not against the float vectors before storage, whose
    # near-ties storage may reorder.
    settings.SAYSO_INDEX_EXACT_MAX = 10_000
    exact = index_persist(organization=org, kind="case")
    assert exact is not None and exact.backend != USEARCH
    truths = [
        {h.object_id for h in similar(organization=org, kind="case", vector=query, k=10)}
        for query in queries
    ]
    settings.SAYSO_INDEX_EXACT_MAX = 100
    marker = index_persist(organization=org, kind="case")
    assert marker is not None and marker.backend == USEARCH
    assert similar_backend(organization=org, kind="case") == USEARCH
    recall = 0
    for query, truth in zip(queries, truths, strict=True):
        found = {h.object_id for h in similar(organization=org, kind="case", vector=query, k=10)}
        recall += len(truth & found)
    assert recall / (len(queries) * 10) >= 0.95
    # Writes after the snapshot land in the delta; persisting patches the graph.
    item_unindex(organization=org, kind="case", object_id=1)
    item_index(organization=org, kind="case", object_id=1000, vector=vectors[2])
    assert {
        h.object_id for h in similar(organization=org, kind="case", vector=vectors[2], k=2)
    } == {
        2,
        1000,
    }
    patched = index_persist(organization=org, kind="case")
    assert patched is not None and patched.backend == USEARCH and patched.count == 400
    other_process()
    hits = similar(organization=org, kind="case", vector=vectors[2], k=2)
    assert {h.object_id for h in hits} == {2, 1000}
    # Shrinking far below the threshold goes back to exact search.
    settings.SAYSO_INDEX_EXACT_MAX = 10_000
    assert index_embedded.maintain(org.pk, "case") is True
    assert similar_backend(organization=org, kind="case") == EXACT


def test_worker_writes_a_snapshot_once_changes_pile_up(org: Any, settings: Any) -> None:
    settings.SAYSO_INDEX_DELTA_MAX = 10
    rng = np.random.default_rng(17)
    load(org, {i: unit(rng) for i in range(1, 21)})
    index_persist(organization=org, kind="case")
    assert index_embedded.maintain(org.pk, "case") is False
    load(org, {i: unit(rng) for i in range(100, 400)})
    assert index_embedded.maintain(org.pk, "case") is True
    live = index_embedded.live_index(org.pk, "case")
    assert live.changes == 0 and len(live) == 320


@pytest.fixture
def question_source_unregistered() -> Iterator[None]:
    """Take the community app's "question" source away for one test, then put it back."""
    from sayso.intelligence.index.sources import get_source, register_source, unregister_source

    source = get_source("question")
    unregister_source("question")
    try:
        yield
    finally:
        if source is not None:
            register_source("question", source.items, count=source.count)


def test_rebuild_without_a_source_keeps_the_vectors_and_purges_removed_rows(
    org: Any, question_source_unregistered: None
) -> None:
    rng = np.random.default_rng(18)
    load(org, {i: unit(rng) for i in range(1, 11)})
    # "question" has no registered source here: the stored vectors are the index.
    items_index(
        organization=org,
        kind="question",
        items=[IndexInput(object_id=i, vector=unit(rng)) for i in range(1, 6)],
    )
    item_unindex(organization=org, kind="question", object_id=5)
    assert EmbeddedItem.objects.filter(organization=org, kind="question").count() == 5
    result = index_rebuild(organization=org, kind="question")
    assert result.items == 4 and result.purged == 1 and result.backend == EXACT
    assert EmbeddedItem.objects.filter(organization=org, kind="question").count() == 4
    status = {line.kind: line for line in index_status(organization=org)}
    assert status["question"].items == 4 and status["question"].behind == 0
    assert status["case"].items == 10 and status["case"].snapshot_generation is None


def test_snapshot_files_are_memory_mapped_not_copied(org: Any) -> None:
    rng = np.random.default_rng(19)
    load(org, {i: unit(rng) for i in range(1, 21)})
    index_persist(organization=org, kind="case")
    other_process()
    live = index_embedded.live_index(org.pk, "case")
    assert isinstance(live.snapshot, index_embedded.ExactSnapshot)
    assert isinstance(live.snapshot.vectors, np.memmap)
    assert SnapshotStore(index_embedded.store_for(org.pk).directory).read_marker("case")
