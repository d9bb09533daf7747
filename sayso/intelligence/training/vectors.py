"""Encodings for training and evaluation, optionally cached on disk between runs."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sayso.intelligence.analysis.pipeline import MAX_EMBED_CHARS
from sayso.intelligence.embeddings import Encoding


def encode_texts(texts: Sequence[str], cache_dir: Path | None = None) -> Encoding:
    """The sentence vectors and the features (what the heads read) of ``texts``."""
    from sayso.intelligence.embeddings import default_backend, encode
    from sayso.intelligence.embeddings.int8 import fingerprint

    clipped = [t[:MAX_EMBED_CHARS] for t in texts]
    if cache_dir is None:
        return encode(clipped)
    backend = default_backend()
    # The int8 model's fingerprint names everything that made it (its recipe included), so a
    # new model never reads the encodings of an old one.
    model = f";{fingerprint()}" if backend == "int8" else ""
    digest = hashlib.sha256(f"{backend};encoding-2{model}".encode())
    for text in clipped:
        digest.update(text.encode("utf-8", "surrogatepass") + b"\0")
    path = cache_dir / f"{digest.hexdigest()[:24]}.npz"
    if path.exists():
        with np.load(path) as stored:
            return Encoding(stored["vectors"], stored["features"])
    encoded = encode(clipped)
    assert encoded.vectors is not None and encoded.features is not None
    cache_dir.mkdir(parents=True, exist_ok=True)
    np.savez(path, vectors=encoded.vectors, features=encoded.features)
    return encoded


def feature_texts(texts: Sequence[str], cache_dir: Path | None = None) -> np.ndarray:
    """The features of ``texts``: what the analysis heads are trained on."""
    features = encode_texts(texts, cache_dir).features
    assert features is not None
    return np.asarray(features, dtype=np.float32)
