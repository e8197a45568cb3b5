"""Which device a model runs on: the choice every command offers (--device) and what
`auto` picks. Shared by inference (restorer/tiling.py), training and the UI."""
from __future__ import annotations

import os

import torch

DEVICES = ("auto", "cpu", "cuda", "mps")


def pick_device(name: str = "auto") -> torch.device:
    """auto: CUDA, then Apple MPS, then CPU. An explicit device that is not
    available is an error rather than a silent fallback."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("--device cuda: no CUDA GPU is available")
    if name == "mps" and not torch.backends.mps.is_available():
        raise RuntimeError("--device mps: Apple MPS is not available")
    return torch.device(name)


def cpu_autocast_dtype() -> torch.dtype | None:
    """bfloat16 for inference on CPUs that compute it natively (AVX512-BF16 or AMX), else None
    (float32). Measured on a 2-core AMD EPYC with AVX512-BF16: every shipped model ran a 512 px
    tile 1.9-2.5x faster, within a few hundredths of a dB of float32 (docs/BENCHMARKS.md).
    Elsewhere bfloat16 is emulated and slower. RESTORER_PRECISION=float32 turns it off."""
    if os.environ.get("RESTORER_PRECISION", "auto").lower() in ("float32", "fp32"):
        return None
    native = [getattr(torch.cpu, name, None) for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported")]
    return torch.bfloat16 if any(f is not None and f() for f in native) else None
