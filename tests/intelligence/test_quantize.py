"""embeddings/quantize.py: per-token int8 products, and the shifted ones that read a GELU
output, checked on small graphs against the fp32 product."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from sayso.intelligence.embeddings.quantize import GELU_SHIFT, quantize_per_token

K, N = 96, 48
NAME = "/layer.0/output/dense/MatMul"  # as the export names a feed-forward output projection


def _graph(path: Path, weight: np.ndarray) -> None:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"], name=NAME)],
        "product",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "tokens", K])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", "tokens", N])],
        [numpy_helper.from_array(weight, "w")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, str(path))


def _run(path: Path, x: np.ndarray) -> np.ndarray:
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return np.asarray(session.run(None, {"x": x})[0])


def _gelu(x: np.ndarray) -> np.ndarray:
    erf = np.vectorize(math.erf)
    return (0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))).astype(np.float32)


@pytest.fixture()
def case(tmp_path: Path) -> tuple[Path, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    weight = rng.normal(0, 0.05, (K, N)).astype(np.float32)
    # GELU outputs of a layer's pre-activations: mostly small, never below -0.17, a few large.
    x = _gelu(rng.normal(-0.5, 1.0, (2, 7, K)).astype(np.float32))
    x[0, 0, 5] = 9.0
    source = tmp_path / "plain.onnx"
    _graph(source, weight)
    return source, weight, x


def _error(got: np.ndarray, x: np.ndarray, weight: np.ndarray) -> float:
    exact = x @ weight
    return float(np.abs(got - exact).max() / np.abs(exact).max())


@pytest.mark.parametrize("signed", [False, True])
def test_a_shifted_product_reads_a_gelu_output_more_closely(
    case: tuple[Path, np.ndarray, np.ndarray], tmp_path: Path, signed: bool
) -> None:
    source, weight, x = case
    assert float(x.min()) >= -GELU_SHIFT
    symmetric, shifted = tmp_path / "symmetric.onnx", tmp_path / "shifted.onnx"

    assert (
        quantize_per_token(source, symmetric, skip=lambda name: False, signed_weights=signed) == 1
    )
    assert (
        quantize_per_token(
            source,
            shifted,
            skip=lambda name: False,
            shifted=lambda name: name == NAME,
            signed_weights=signed,
        )
        == 1
    )

    plain_error = _error(_run(source, x), x, weight)
    symmetric_error = _error(_run(symmetric, x), x, weight)
    shifted_error = _error(_run(shifted, x), x, weight)
    assert plain_error < 1e-5
    assert shifted_error < 0.02  # within int8 rounding of the fp32 product
    # All 256 levels for what occurs instead of half of them: half the error, or less.
    assert shifted_error < 0.6 * symmetric_error


def test_signed_and_unsigned_shifted_weights_give_the_same_product(
    case: tuple[Path, np.ndarray, np.ndarray], tmp_path: Path
) -> None:
    source, _, x = case
    outputs = []
    for signed in (False, True):
        target = tmp_path / f"{signed}.onnx"
        quantize_per_token(
            source,
            target,
            skip=lambda name: False,
            shifted=lambda name: True,
            signed_weights=signed,
        )
        outputs.append(_run(target, x))
    assert np.allclose(outputs[0], outputs[1], atol=1e-6)


def test_skipped_products_stay_fp32(
    case: tuple[Path, np.ndarray, np.ndarray], tmp_path: Path
) -> None:
    import onnx

    source, _, x = case
    target = tmp_path / "kept.onnx"

    assert quantize_per_token(source, target, skip=lambda name: True) == 0
    ops = [node.op_type for node in onnx.load(str(target)).graph.node]
    assert ops == ["MatMul"]
    assert np.array_equal(_run(target, x), _run(source, x))
