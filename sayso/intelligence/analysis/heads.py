"""Small trained heads on sentence embeddings plus handcrafted features.

A head is a standardized linear model (logistic regression trained by scikit-learn, see
``sayso.intelligence.training.train``) stored as plain JSON in ``models/``: no pickles, so a
model file is readable, diffable and safe to load.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

MODELS_DIR = Path(__file__).resolve().parent / "models"
HEAD_NAMES = ("sentiment", "intents", "spam")
# Other model files the analysis reads (the spam wording model): retraining one changes
# ``model_version`` too.
OTHER_MODELS = ("spam_text",)


@dataclass(frozen=True)
class LinearHead:
    """``softmax`` (one class per row) or ``sigmoid`` (independent labels)."""

    name: str
    kind: str
    classes: list[str]
    features: list[str]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray
    thresholds: dict[str, float] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        z = ((x - self.mean) / self.scale) @ self.coef.T + self.intercept
        if self.kind == "softmax":
            z = z - z.max(axis=1, keepdims=True)
            e = np.exp(z)
            return np.asarray(e / e.sum(axis=1, keepdims=True))
        return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -30, 30))))

    def to_dict(self) -> dict[str, Any]:
        def rounded(a: np.ndarray) -> Any:
            return np.round(a.astype(np.float64), 6).tolist()

        return {
            "name": self.name,
            "kind": self.kind,
            "classes": self.classes,
            "features": self.features,
            "mean": rounded(self.mean),
            "scale": rounded(self.scale),
            "coef": rounded(self.coef),
            "intercept": rounded(self.intercept),
            "thresholds": self.thresholds,
            "meta": self.meta,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LinearHead:
        return cls(
            name=data["name"],
            kind=data["kind"],
            classes=list(data["classes"]),
            features=list(data["features"]),
            mean=np.asarray(data["mean"], dtype=np.float32),
            scale=np.asarray(data["scale"], dtype=np.float32),
            coef=np.asarray(data["coef"], dtype=np.float32),
            intercept=np.asarray(data["intercept"], dtype=np.float32),
            thresholds={k: float(v) for k, v in data.get("thresholds", {}).items()},
            meta=dict(data.get("meta", {})),
        )


def head_path(name: str, directory: Path | None = None) -> Path:
    return (directory or MODELS_DIR) / f"{name}.json"


def save_head(head: LinearHead, directory: Path | None = None) -> Path:
    path = head_path(head.name, directory)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(head.to_dict(), separators=(",", ":")) + "\n", encoding="utf-8")
    return path


class ModelMissing(RuntimeError):
    pass


@lru_cache(maxsize=8)
def load_head(name: str) -> LinearHead:
    path = head_path(name)
    if not path.exists():
        raise ModelMissing(
            f"No trained {name} head at {path}: run `python -m sayso.intelligence.training.train`."
        )
    return LinearHead.from_dict(json.loads(path.read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def model_version() -> str:
    """Changes whenever a head is retrained: stored analyses older than it are redone."""
    digest = hashlib.sha256()
    for name in (*HEAD_NAMES, *OTHER_MODELS):
        path = head_path(name)
        digest.update(path.read_bytes() if path.exists() else b"-")
    return f"analysis-1.{digest.hexdigest()[:12]}"
