"""Embeddings for training and evaluation, optionally cached on disk between runs."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sayso.intelligence.analysis.pipeline import MAX_EMBED_CHARS


def embed_texts(texts: Sequence[str], cache_dir: Path | None = None) -> np.ndarray:
    from sayso.intelligence.embeddings import default_backend, embed

    clipped = [t[:MAX_EMBED_CHARS] for t in texts]
    if cache_dir is None:
        return embed(clipped)
    digest = hashlib.sha256(default_backend().encode())
    for text in clipped:
        digest.update(text.encode("utf-8", "surrogatepass") + b"\0")
    path = cache_dir / f"{digest.hexdigest()[:24]}.npy"
    if path.exists():
        return np.asarray(np.load(path), dtype=np.float32)
    vectors = embed(clipped)
    cache_dir.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors
