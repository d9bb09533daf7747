"""Int8 linear layers with one activation scale per token, as an ONNX graph rewrite.

ONNX Runtime's own dynamic quantization (``quantize_dynamic``) gives a whole activation
tensor — every token of every text in the batch — one int8 scale. A few tokens of a BERT
layer's input ([CLS], [SEP], punctuation) are several times larger than the rest, so the
ordinary tokens lose most of their precision. Here every token (row) gets its own scale
(``ZeroQuant``, Yao et al., 2022; the per-token setting of SmoothQuant), the weights one
scale and zero point per output channel, and ``MatMulInteger`` multiplies uint8 by uint8:

    x (…, K) ─► per row: s = max|x| / 127, q = round(x / s) + 128   (uint8, zero point 128)
    W (K, N) ─► per column: uint8 with its own scale w_s and zero point
    y = (q - 128) @ (W_q - w_zp) * s * w_s                             (…, N), float32

uint8 by uint8 by default because ONNX Runtime's uint8-by-int8 kernel on x86 CPUs without
VNNI adds pairs of products in 16 bits, which saturates with full-range weights; the uint8 by
uint8 kernel does not. On CPUs with VNNI the uint8-by-int8 kernel sums in 32 bits, exactly,
and is three to four times faster than uint8 by uint8 (which does not use VNNI), so
``signed_weights`` stores the same weights as int8 (``W_q - 128``, zero point less 128): the
same products, the faster kernel. Inputs that feed several layers (query, key and value) are
quantized once.

A layer whose input is a GELU output (a feed-forward output projection: ``shifted``) reads
values that are never below -0.17 and mostly small. Symmetric scales would spend half of the
256 levels on negative values that hardly occur, so its input is shifted by 0.17 and
quantized per token over ``[0, max]`` with every level (zero point 0), and the shift's share
of the product, ``0.17 * column sums of W``, is taken off after it:

    x (…, K) ─► per row: s = max(x + 0.17) / 255, q = round((x + 0.17) / s)   (uint8)
    y = q @ (W_q - w_zp) * s * w_s - 0.17 * colsum(W)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

GELU_SHIFT = 0.17  # GELU's least value is -0.16997 (at x = -0.7518)


def _weight(w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """uint8 weights, zero points and scales, one per output column of ``w`` (K, N)."""
    low = np.minimum(w.min(axis=0), 0.0)
    high = np.maximum(w.max(axis=0), 0.0)
    scale = np.maximum((high - low) / 255.0, 1e-12).astype(np.float32)
    zero = np.clip(np.round(-low / scale), 0, 255)
    quantized = np.clip(np.round(w / scale) + zero, 0, 255).astype(np.uint8)
    return quantized, zero.astype(np.uint8), scale


def _dequantized(wq: np.ndarray, wzp: np.ndarray, ws: np.ndarray) -> np.ndarray:
    """The weights as the int8 product sees them (``W_q - w_zp``, scaled), uint8 or int8."""
    return (wq.astype(np.float32) - wzp.astype(np.float32)) * ws


def _signed(values: np.ndarray) -> np.ndarray:
    """The same quantized values as int8: every value and zero point less 128, so that
    ``W_q - w_zp`` (and so the product) is unchanged."""
    return (values.astype(np.int16) - 128).astype(np.int8)


def quantize_per_token(
    source: Path,
    target: Path,
    *,
    skip: Callable[[str], bool],
    signed_weights: bool = False,
    shifted: Callable[[str], bool] | None = None,
) -> int:
    """Rewrite every ``MatMul`` of ``source`` whose second input is a weight (and whose name
    ``skip`` does not reject) as a per-token int8 product; write ``target``. ``shifted``
    names the products whose input is a GELU output (quantized over ``[0, max]`` after a
    shift; see above). Returns how many were rewritten."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(source))
    graph = model.graph
    weights = {init.name: init for init in graph.initializer}
    nodes: list[Any] = []
    added: list[Any] = []

    def constant(name: str, value: Any) -> str:
        added.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    zero_point = constant("q_128", np.array(128, np.uint8))
    no_zero_point = constant("q_0", np.array(0, np.uint8))
    shift = constant("q_shift", np.array(GELU_SHIFT, np.float32))
    epsilon = constant("q_eps", np.array(1e-8, np.float32))
    inverse_127 = constant("q_inv127", np.array(1.0 / 127.0, np.float32))
    inverse_255 = constant("q_inv255", np.array(1.0 / 255.0, np.float32))
    axis_1 = constant("q_axis1", np.array([1], np.int64))
    first = constant("q_first", np.array([0], np.int64))
    last = constant("q_last", np.array([-1], np.int64))
    # (activation name, shifted) -> prefix of its quantized form
    rows: dict[tuple[str, bool], str] = {}
    count = 0
    for node in graph.node:
        if node.op_type != "MatMul" or node.input[1] not in weights or skip(node.name):
            nodes.append(node)
            continue
        x, weight_name = node.input
        w = numpy_helper.to_array(weights[weight_name]).astype(np.float32)
        if w.ndim != 2:
            nodes.append(node)
            continue
        is_shifted = shifted is not None and shifted(node.name)
        a_zero_point = no_zero_point if is_shifted else zero_point
        if (x, is_shifted) not in rows:
            q = f"q{len(rows)}_"
            rows[x, is_shifted] = q
            k = constant(q + "k", np.array([-1, w.shape[0]], np.int64))
            if is_shifted:  # over [0, max] of x + 0.17, every level
                nodes += [
                    helper.make_node("Add", [x, shift], [q + "xs"]),
                    helper.make_node("Reshape", [q + "xs", k], [q + "x"]),
                    helper.make_node("ReduceMax", [q + "x"], [q + "hi"], axes=[1], keepdims=0),
                    helper.make_node("Max", [q + "hi", epsilon], [q + "amax"]),
                    helper.make_node("Mul", [q + "amax", inverse_255], [q + "s"]),
                ]
            else:  # symmetric over [-max|x|, max|x|], zero point 128
                nodes += [
                    helper.make_node("Reshape", [x, k], [q + "x"]),
                    helper.make_node("ReduceMax", [q + "x"], [q + "hi"], axes=[1], keepdims=0),
                    helper.make_node("ReduceMin", [q + "x"], [q + "lo"], axes=[1], keepdims=0),
                    helper.make_node("Neg", [q + "lo"], [q + "neg"]),
                    helper.make_node("Max", [q + "hi", q + "neg", epsilon], [q + "amax"]),
                    helper.make_node("Mul", [q + "amax", inverse_127], [q + "s"]),
                ]
            nodes += [
                helper.make_node("Shape", [q + "s"], [q + "n"]),
                helper.make_node("Expand", [a_zero_point, q + "n"], [q + "zp"]),
                helper.make_node("QuantizeLinear", [q + "x", q + "s", q + "zp"], [q + "q"], axis=0),
                helper.make_node("Unsqueeze", [q + "s", axis_1], [q + "s1"]),
                helper.make_node("Shape", [x], [q + "shape"]),
                helper.make_node("Slice", [q + "shape", first, last], [q + "lead"]),
            ]
        q = rows[x, is_shifted]
        p = f"m{count}_"
        count += 1
        wq, wzp, ws = _weight(w)
        if signed_weights:
            wq, wzp = _signed(wq), _signed(wzp)
        product = p + "out" if is_shifted else node.output[0]
        nodes += [
            helper.make_node(
                "MatMulInteger",
                [q + "q", constant(p + "w", wq), a_zero_point, constant(p + "wzp", wzp)],
                [p + "int"],
            ),
            helper.make_node("Cast", [p + "int"], [p + "float"], to=TensorProto.FLOAT),
            helper.make_node("Mul", [q + "s1", constant(p + "ws", ws)], [p + "scale"]),
            helper.make_node("Mul", [p + "float", p + "scale"], [p + "y"]),
            helper.make_node(
                "Concat",
                [q + "lead", constant(p + "n", np.array([w.shape[1]], np.int64))],
                [p + "shape"],
                axis=0,
            ),
            helper.make_node("Reshape", [p + "y", p + "shape"], [product]),
        ]
        if is_shifted:
            # The shift's share of the product, from the quantized weights as the product
            # sees them; taken off after the reshape (ONNX Runtime's ``MatMulIntegerToFloat``
            # fusion would take an ``Add`` right after the product for a bias and scale it
            # per token).
            correction = GELU_SHIFT * _dequantized(wq, wzp, ws).sum(axis=0)
            nodes.append(
                helper.make_node(
                    "Sub", [product, constant(p + "shifted", correction)], [node.output[0]]
                )
            )
    used = {name for n in nodes for name in n.input}
    kept = [init for init in graph.initializer if init.name in used]
    del graph.node[:]
    graph.node.extend(nodes)
    del graph.initializer[:]
    graph.initializer.extend(kept + [init for init in added if init.name in used])
    onnx.checker.check_model(model)
    onnx.save(model, str(target))
    return count
