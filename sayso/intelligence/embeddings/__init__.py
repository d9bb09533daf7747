"""Sentence embeddings (all-MiniLM-L6-v2): ``embed``, ``encode`` and ``features``.

- ``encoder``: the public functions and the fp32 (PyTorch) backend;
- ``int8``: the default backend, the same model smoothed and quantized to int8 for ONNX Runtime;
- ``quantize``: the per-token quantization ``int8`` uses.

Plain Python, no Django; nothing heavy (PyTorch, ONNX Runtime) is imported until a text is
encoded.
"""

from sayso.intelligence.embeddings.encoder import (
    BACKENDS,
    DIMENSIONS,
    Encoding,
    default_backend,
    embed,
    encode,
    features,
    model_dir,
)

__all__ = [
    "BACKENDS",
    "DIMENSIONS",
    "Encoding",
    "default_backend",
    "embed",
    "encode",
    "features",
    "model_dir",
]
