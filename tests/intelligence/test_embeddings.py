"""embed(): the fast int8 path by default, the fp32 reference on request, and how close the
two are on Sayso's own messages."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.management import call_command

from sayso.intelligence import embeddings
from sayso.intelligence.embeddings import embed
from sayso.intelligence.embeddings import int8 as embeddings_int8
from sayso.intelligence.training.evaluate_embeddings import agreement, sayso_messages


def test_the_default_backend_is_int8(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAYSO_EMBEDDING_BACKEND", raising=False)
    assert embeddings.default_backend() == "int8"


@pytest.mark.parametrize("backend", embeddings.BACKENDS)
def test_embed_gives_unit_float32_rows_in_input_order(backend: str) -> None:
    texts = ["My truck never showed up", "", "Is the depot open on Sunday?" * 40, "ok"]

    vectors = embed(texts, backend=backend)

    assert vectors.dtype == np.float32
    assert vectors.shape == (4, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    # Sorting by length inside must not reorder the rows: each row is its own text's vector.
    alone = embed([texts[2]], backend=backend)[0]
    assert float(vectors[2] @ alone) > 0.999


def test_no_texts_give_an_empty_matrix() -> None:
    assert embed([]).shape == (0, 384)


def test_an_unknown_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="Unknown embedding backend"):
        embed(["hello"], backend="fp8")


def test_the_fp32_path_stays_selectable(monkeypatch: pytest.MonkeyPatch) -> None:
    text = ["The van's air conditioning stopped working on the highway."]
    reference = embed(text, backend="fp32")
    monkeypatch.setenv("SAYSO_EMBEDDING_BACKEND", "fp32")

    assert np.array_equal(embed(text), reference)


def test_int8_agrees_with_fp32_on_sayso_messages() -> None:
    """The quality bar of the fast path: cosine ≥ 0.97 to the fp32 vectors and recall@10 ≥
    0.95 of the fp32 neighbours, on messages the int8 model was not calibrated on."""
    texts = sayso_messages()
    assert len(texts) > 500

    result = agreement(embed(texts, backend="fp32"), embed(texts, backend="int8"))

    assert result.cosine_mean >= 0.97
    assert result.cosine_min >= 0.97
    assert result.recall_at_10 >= 0.95


def test_paraphrases_stay_closer_than_unrelated_texts() -> None:
    a, b, c = embed(
        [
            "I was charged twice for the same rental.",
            "My card got billed two times for one booking.",
            "What time does the Oakland branch close?",
        ]
    )
    assert float(a @ b) > float(a @ c) + 0.2


TEXTS = [
    "I was charged twice for the same rental.",
    "My card got billed two times for one booking.",
    "What time does the Oakland branch close?",
]


def test_encode_gives_embeds_vectors_and_the_features_in_one_pass() -> None:
    encoded = embeddings.encode(TEXTS)

    assert encoded.vectors is not None and encoded.features is not None
    assert np.allclose(encoded.vectors, embed(TEXTS), atol=1e-5)
    assert encoded.features.shape == (3, embeddings.DIMENSIONS)
    assert encoded.features.dtype == np.float32
    assert np.allclose(np.linalg.norm(encoded.features, axis=1), 1.0, atol=1e-5)
    assert np.allclose(embeddings.features(TEXTS), encoded.features, atol=1e-5)
    # The features are the hidden states of an earlier layer, not the sentence vectors.
    assert float(np.min(np.sum(encoded.features * encoded.vectors, axis=1))) < 0.9


@pytest.mark.parametrize("count", [3, 40])  # one batch on every thread; batches side by side
def test_only_the_rows_asked_for_get_a_vector(count: int) -> None:
    texts = [TEXTS[i % 3] + f" (#{i})" for i in range(count)]
    wanted = np.arange(count) % 3 == 1

    encoded = embeddings.encode(texts, vectors=wanted)

    assert encoded.vectors is not None and encoded.features is not None
    assert not encoded.vectors[~wanted].any()
    assert np.allclose(
        encoded.vectors[wanted],
        embed([t for t, w in zip(texts, wanted, strict=True) if w]),
        atol=1e-5,
    )
    assert np.allclose(encoded.features, embeddings.features(texts), atol=1e-5)
    assert embeddings.encode(texts, vectors=False).vectors is None


def test_the_int8_features_and_vectors_follow_the_fp32_model() -> None:
    fp32 = embeddings.encode(TEXTS, backend="fp32")
    int8 = embeddings.encode(TEXTS)

    assert fp32.features is not None and int8.features is not None
    assert fp32.vectors is not None and int8.vectors is not None
    assert float(np.min(np.sum(fp32.features * int8.features, axis=1))) > 0.99
    assert float(np.min(np.sum(fp32.vectors * int8.vectors, axis=1))) > 0.99
    assert np.allclose(fp32.vectors, embed(TEXTS, backend="fp32"), atol=1e-5)


def test_the_model_file_is_named_for_what_made_it() -> None:
    path = embeddings_int8.prepare()

    assert path.exists()
    assert embeddings_int8.back_file().exists()
    assert path == embeddings_int8.model_file()
    assert embeddings_int8.fingerprint() in path.name


def test_the_cache_directory_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SAYSO_MODEL_CACHE", str(tmp_path / "models"))

    assert embeddings_int8.model_file().parent == tmp_path / "models"


def test_sayso_embeddings_prepare_prints_the_model_path() -> None:
    out = StringIO()
    call_command("embeddings", "prepare", stdout=out)

    assert Path(out.getvalue().strip()) == embeddings_int8.model_file()


def _both_parts(
    front: Any, back: Any, ids: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The hidden states after the first part of the encoder, their features and the
    sentence vectors."""
    mask = np.ones_like(ids)
    feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": ids * 0}
    hidden, features = front.run(["features_hidden", "features"], feed)
    vectors = back.run(["vectors"], {"features_hidden": hidden, "attention_mask": mask})[0]
    return hidden, features, vectors


def test_the_parts_pool_in_the_graph() -> None:
    """The first part gives its hidden states and their features, the second the sentence
    vectors: each the mean over a text's real tokens, L2-normalized, padding left out."""
    front, back, _ = embeddings_int8._runtime(1)
    ids = np.asarray(
        [[101, 7592, 2088, 102, 0, 0, 0], [101, 7592, 2088, 2003, 2025, 1037, 102]],
        dtype=np.int64,
    )
    mask = (ids != 0).astype(np.int64)

    hidden, features = front.run(
        ["features_hidden", "features"],
        {"input_ids": ids, "attention_mask": mask, "token_type_ids": ids * 0},
    )
    vectors = back.run(["vectors"], {"features_hidden": hidden, "attention_mask": mask})[0]

    weights = mask[..., None].astype(np.float32)
    mean = (hidden * weights).sum(axis=1) / weights.sum(axis=1)
    assert np.allclose(features, mean / np.linalg.norm(mean, axis=1, keepdims=True), atol=1e-6)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    alone = _both_parts(front, back, ids[:1, :4])
    assert np.allclose(alone[1][0], features[0], atol=1e-5)
    assert np.allclose(alone[2][0], vectors[0], atol=1e-5)


def test_the_first_part_runs_every_product_in_int8() -> None:
    """Recipe 4: the analysis's three layers run all six products of a layer in int8, the
    feed-forward output projections on shifted inputs; the last three keep those in fp32."""
    import onnx

    front = embeddings_int8.prepare()
    counts = []
    for path in (front, embeddings_int8.back_file()):
        ops = [node.op_type for node in onnx.load(str(path)).graph.node]
        counts.append((ops.count("MatMulInteger"), ops.count("MatMul")))
    layers = embeddings_int8.FEATURE_LAYERS
    # The fp32 MatMuls left are attention's (scores and their weighted sum: 2 a layer), and
    # in the second part the feed-forward output projections.
    assert counts == [(6 * layers, 2 * layers), (5 * (6 - layers), 3 * (6 - layers))]


def _sessions(front: Path) -> tuple[Any, Any]:
    import onnxruntime as ort

    return tuple(  # type: ignore[return-value]
        ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        for path in (front, front.with_suffix(".back.onnx"))
    )


def test_export_makes_the_same_model_again(tmp_path: Path) -> None:
    """The export is reproducible: a fresh one gives the cached model's features and vectors."""
    target = embeddings_int8.export(tmp_path / "fresh.onnx")
    ids = np.asarray([[101, 7592, 2088, 102]], dtype=np.int64)
    cached_front, cached_back, _ = embeddings_int8._runtime(1)

    fresh = _both_parts(*_sessions(target), ids)
    cached = _both_parts(cached_front, cached_back, ids)

    assert not list(tmp_path.glob("tmp*")), "the work files are cleaned up"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fresh.back.onnx", "fresh.onnx"]
    for a, b in zip(fresh, cached, strict=True):
        assert np.allclose(a, b, atol=1e-5)


def test_onnxruntime_loads_after_usearch() -> None:
    """usearch 2.26 crashed the process when onnxruntime was imported after it (as the worker
    does: an index task, then an analysis); the pinned versions must not."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", "import usearch.index, onnxruntime"], capture_output=True
    )
    assert done.returncode == 0, done.stderr.decode()


def test_batches_run_side_by_side_on_one_thread_each(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batch work runs its batches in parallel, each on one thread of a shared session; a
    web request's single text runs on every thread at once. The same model, the same
    vectors."""
    monkeypatch.setenv("SAYSO_EMBEDDING_THREADS", "2")
    embeddings_int8._runtime.cache_clear()
    texts = [f"My truck reservation number {n} was cancelled without a call" for n in range(40)]
    texts[7] = "Where is the depot?"

    single = embeddings_int8.embed_int8(texts[7:8], batch_size=32)
    assert embeddings_int8._runtime.cache_info().currsize == 1
    together = embeddings_int8.embed_int8(texts, batch_size=4)  # ten batches, two threads
    assert embeddings_int8._runtime.cache_info().currsize == 2

    one_thread, _, _ = embeddings_int8._runtime(1)
    every_thread, _, _ = embeddings_int8._runtime(2)
    assert one_thread is not every_thread
    assert np.allclose(together[7], single[0], atol=1e-5)
    alone = np.stack([embeddings_int8.embed_int8([t], batch_size=32)[0] for t in texts[:12]])
    assert np.allclose(together[:12], alone, atol=1e-5)


def test_a_failing_batch_fails_the_call(monkeypatch: pytest.MonkeyPatch) -> None:
    """An error in one of the parallel batches reaches the caller instead of leaving rows
    unset."""
    monkeypatch.setenv("SAYSO_EMBEDDING_THREADS", "2")
    embeddings_int8._runtime.cache_clear()

    class Broken:
        def run(self, *args: object) -> None:
            raise RuntimeError("the session broke")

    _, back, tokenizer = embeddings_int8._runtime(1)
    monkeypatch.setattr(embeddings_int8, "_runtime", lambda threads: (Broken(), back, tokenizer))
    with pytest.raises(RuntimeError, match="the session broke"):
        embeddings_int8.embed_int8(["a text"] * 40, batch_size=8)


def test_signed_and_unsigned_weights_make_the_same_model(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """On a CPU with VNNI the weights are stored as int8 (ONNX Runtime's faster kernel there),
    elsewhere as uint8: the same quantized values, so the same vectors either way."""
    other = "unsigned" if embeddings_int8.weights_signed() else "signed"
    monkeypatch.setenv("SAYSO_INT8_WEIGHTS", other)
    assert embeddings_int8.weights_signed() == (other == "signed")
    target = embeddings_int8.export(tmp_path / f"{other}.onnx")
    monkeypatch.delenv("SAYSO_INT8_WEIGHTS")
    cached_front, cached_back, _ = embeddings_int8._runtime(1)
    ids = np.asarray([[101, 7592, 2088, 2003, 2025, 1037, 3160, 102]], dtype=np.int64)

    made = _both_parts(*_sessions(target), ids)
    cached = _both_parts(cached_front, cached_back, ids)
    for a, b in zip(made, cached, strict=True):
        assert np.allclose(a, b, atol=1e-5)


def test_the_weight_kind_is_part_of_the_model_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAYSO_INT8_WEIGHTS", "signed")
    signed = embeddings_int8.model_file()
    monkeypatch.setenv("SAYSO_INT8_WEIGHTS", "unsigned")
    unsigned = embeddings_int8.model_file()

    assert signed != unsigned


def test_batches_hold_texts_of_similar_length_within_the_token_budget() -> None:
    lengths = np.asarray([30, 5, 250, 7, 30, 12, 6, 300, 9, 31] * 8, dtype=np.int64)

    batches = list(embeddings_int8.batches(lengths, 16))

    rows = np.concatenate(batches)
    assert sorted(rows.tolist()) == list(range(len(lengths)))  # every text once
    assert np.all(np.diff(lengths[rows]) >= 0)  # shortest first
    for batch in batches:
        assert len(batch) <= 16
        assert len(batch) == 1 or lengths[batch].max() * len(batch) <= (
            embeddings_int8.BATCH_TOKENS
        )
    # A text longer than half the budget goes alone (16 of them here).
    assert [len(b) for b in batches if lengths[b].max() * 2 > embeddings_int8.BATCH_TOKENS] == [
        1
    ] * 16
    assert [b.tolist() for b in embeddings_int8.batches(np.asarray([900]), 16)] == [[0]]


def test_a_texts_vector_does_not_depend_on_its_batch() -> None:
    texts = [
        "Where is my refund?",
        "The truck I reserved for Saturday was given to someone else and nobody called me.",
        "ok",
        "Can I return the van to a different depot than the one I picked it up from?" * 3,
    ]

    together = embed(texts, backend="int8")
    alone = np.stack([embed([text], backend="int8")[0] for text in texts])

    assert np.allclose(together, alone, atol=1e-5)
