"""embed(): the fast int8 path by default, the fp32 reference on request, and how close the
two are on Sayso's own messages."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command

from sayso.intelligence import embeddings, embeddings_int8
from sayso.intelligence.embeddings import embed
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


def test_the_model_file_is_named_for_what_made_it() -> None:
    path = embeddings_int8.prepare()

    assert path.exists()
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


def test_export_makes_the_same_model_again(tmp_path: Path) -> None:
    """The export is reproducible: a fresh one gives the cached model's vectors."""
    import onnxruntime as ort

    target = embeddings_int8.export(tmp_path / "fresh.onnx")
    session = ort.InferenceSession(str(target), providers=["CPUExecutionProvider"])
    ids = np.asarray([[101, 7592, 2088, 102]], dtype=np.int64)
    feed = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": ids * 0}
    cached_session, _ = embeddings_int8._runtime(False)

    fresh = session.run(None, feed)[0]
    cached = cached_session.run(None, feed)[0]

    assert not list(tmp_path.glob("tmp*")), "the work files are cleaned up"
    assert np.allclose(fresh, cached, atol=1e-5)


def test_onnxruntime_loads_after_usearch() -> None:
    """usearch 2.26 crashed the process when onnxruntime was imported after it (as the worker
    does: an index task, then an analysis); the pinned versions must not."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", "import usearch.index, onnxruntime"], capture_output=True
    )
    assert done.returncode == 0, done.stderr.decode()


def test_threads_spin_for_batches_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """ONNX Runtime's threads wait by spinning for batch work only (a web request embeds one
    text and goes on with the index and the database); the setting forces either way."""
    monkeypatch.delenv("SAYSO_EMBEDDING_SPIN", raising=False)
    assert not embeddings_int8._spinning(1)
    assert embeddings_int8._spinning(embeddings_int8.SPIN_MIN_TEXTS)
    monkeypatch.setenv("SAYSO_EMBEDDING_SPIN", "1")
    assert embeddings_int8._spinning(1)
    monkeypatch.setenv("SAYSO_EMBEDDING_SPIN", "0")
    assert not embeddings_int8._spinning(500)


def test_the_batch_session_and_the_quiet_one_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch runs on the spinning session, a single text on the quiet one: the same model,
    the same vectors for the same input."""
    monkeypatch.delenv("SAYSO_EMBEDDING_SPIN", raising=False)
    embeddings_int8._runtime.cache_clear()
    texts = [f"My truck reservation number {n} was cancelled without a call" for n in range(20)]
    embeddings_int8.embed_int8(texts[:1], batch_size=64)
    assert embeddings_int8._runtime.cache_info().currsize == 1
    embeddings_int8.embed_int8(texts, batch_size=64)
    assert embeddings_int8._runtime.cache_info().currsize == 2
    ids = np.asarray([[101, 7592, 2088, 102]], dtype=np.int64)
    feed = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": ids * 0}
    spinning, _ = embeddings_int8._runtime(True)
    quiet, _ = embeddings_int8._runtime(False)
    assert spinning is not quiet
    assert np.allclose(spinning.run(None, feed)[0], quiet.run(None, feed)[0], atol=1e-6)
