"""Which device a model runs on: the choice every command offers (--device) and what
`auto` picks. Shared by inference (restorer/tiling.py), training and the UI."""
from __future__ import annotations

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
