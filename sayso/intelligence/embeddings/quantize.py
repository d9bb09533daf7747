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


def _weight(w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """uint8 weights, zero points and scales, one per output column of ``w`` (K, N)."""
    low = np.minimum(w.min(axis=0), 0.0)
    high = np.maximum(w.max(axis=0), 0.0)
    scale = np.maximum((high - low) / 255.0, 1e-12).astype(np.float32)
    zero = np.clip(np.round(-low / scale), 0, 255)
    quantized = np.clip(np.round(w / scale) + zero, 0, 255).astype(np.uint8)
    return quantized, zero.astype(np.uint8), scale


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
    epsilon = constant("q_eps", np.array(1e-8, np.float32))
    inverse_127 = constant("q_inv127", np.array(1.0 / 127.0, np.float32))
    axis_1 = constant("q_axis1", np.array([1], np.int64))
    first = constant("q_first", np.array([0], np.int64))
    last = constant("q_last", np.array([-1], np.int64))
    rows: dict[str, str] = {}  # activation name -> prefix of its quantized form
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
        if shifted is not None and shifted(node.name):
            count += 1
            nodes += _shifted_product(node, w, count, constant, signed_weights)
            continue
        if x not in rows:
            q = f"q{len(rows)}_"
            rows[x] = q
            nodes += [
                helper.make_node(
                    "Reshape",
                    [x, constant(q + "k", np.array([-1, w.shape[0]], np.int64))],
                    [q + "x"],
                ),
                helper.make_node("ReduceMax", [q + "x"], [q + "hi"], axes=[1], keepdims=0),
                helper.make_node("ReduceMin", [q + "x"], [q + "lo"], axes=[1], keepdims=0),
                helper.make_node("Neg", [q + "lo"], [q + "neg"]),
                helper.make_node("Max", [q + "hi", q + "neg", epsilon], [q + "amax"]),
                helper.make_node("Mul", [q + "amax", inverse_127], [q + "s"]),
                helper.make_node("Shape", [q + "s"], [q + "n"]),
                helper.make_node("Expand", [zero_point, q + "n"], [q + "zp"]),
                helper.make_node("QuantizeLinear", [q + "x", q + "s", q + "zp"], [q + "q"], axis=0),
                helper.make_node("Unsqueeze", [q + "s", axis_1], [q + "s1"]),
                helper.make_node("Shape", [x], [q + "shape"]),
                helper.make_node("Slice", [q + "shape", first, last], [q + "lead"]),
            ]
        q = rows[x]
        p = f"m{count}_"
        count += 1
        wq, wzp, ws = _weight(w)
        if signed_weights:
            wq, wzp = _signed(wq), _signed(wzp)
        nodes += [
            helper.make_node(
                "MatMulInteger",
                [q + "q", constant(p + "w", wq), zero_point, constant(p + "wzp", wzp)],
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
            helper.make_node("Reshape", [p + "y", p + "shape"], [node.output[0]]),
        ]
    used = {name for n in nodes for name in n.input}
    kept = [init for init in graph.initializer if init.name in used]
    del graph.node[:]
    graph.node.extend(nodes)
    del graph.initializer[:]
    graph.initializer.extend(kept + [init for init in added if init.name in used])
    onnx.checker.check_model(model)
    onnx.save(model, str(target))
    return count


GELU_SHIFT = 0.17  # GELU's least value is -0.16997 (at x = -0.7518)


def _shifted_product(
    node: Any, w: np.ndarray, index: int, constant: Callable[[str, Any], str], signed: bool
) -> list[Any]:
    """The nodes of ``x @ w`` for a GELU output ``x``: ``x + 0.17`` quantized per token over
    ``[0, max]`` (uint8, zero point 0), and the shift's share of the product, computed from
    the quantized weights as the product sees them, taken off after the reshape (ONNX
    Runtime's ``MatMulIntegerToFloat`` fusion would take an ``Add`` right after the product
    for a bias and scale it per token)."""
    from onnx import TensorProto, helper

    p = f"g{index}_"
    wq, wzp, ws = _weight(w)
    dequantized = (wq.astype(np.float32) - wzp.astype(np.float32)) * ws
    if signed:
        wq, wzp = _signed(wq), _signed(wzp)

    def node_(op: str, inputs: list[str], output: str, **attributes: Any) -> Any:
        return helper.make_node(op, inputs, [output], **attributes)

    return [
        node_("Add", [node.input[0], constant(p + "shift", np.float32(GELU_SHIFT))], p + "xs"),
        node_("Reshape", [p + "xs", constant(p + "k", np.array([-1, w.shape[0]]))], p + "x"),
        node_("ReduceMax", [p + "x"], p + "hi", axes=[1], keepdims=0),
        node_("Max", [p + "hi", constant(p + "eps", np.float32(1e-8))], p + "amax"),
        node_("Mul", [p + "amax", constant(p + "inv255", np.float32(1.0 / 255.0))], p + "s"),
        node_("Shape", [p + "s"], p + "n"),
        node_("Expand", [constant(p + "zero", np.uint8(0)), p + "n"], p + "zp"),
        node_("QuantizeLinear", [p + "x", p + "s", p + "zp"], p + "q", axis=0),
        node_("Unsqueeze", [p + "s", constant(p + "axis1", np.array([1]))], p + "s1"),
        node_(
            "MatMulInteger",
            [p + "q", constant(p + "w", wq), p + "zero", constant(p + "wzp", wzp)],
            p + "int",
        ),
        node_("Cast", [p + "int"], p + "float", to=TensorProto.FLOAT),
        node_("Mul", [p + "s1", constant(p + "ws", ws)], p + "scale"),
        node_("Mul", [p + "float", p + "scale"], p + "y"),
        node_("Shape", [node.input[0]], p + "xshape"),
        node_(
            "Slice",
            [p + "xshape", constant(p + "first", np.array([0])), constant(p + "last", [-1])],
            p + "lead",
        ),
        node_(
            "Concat",
            [p + "lead", constant(p + "n_out", np.array([w.shape[1]]))],
            p + "shape",
            axis=0,
        ),
        node_("Reshape", [p + "y", p + "shape"], p + "out"),
        node_(
            "Sub",
            [p + "out", constant(p + "shifted", GELU_SHIFT * dequantized.sum(axis=0))],
            node.output[0],
        ),
    ]
