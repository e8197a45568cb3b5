"""Self-ensemble: a prediction averaged over mirrored and transposed views of the input,
each mapped back (the "x8" of the restoration literature). A model trained with flips and
90-degree turns sees each view as an equally likely photo, so its errors partly cancel."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import field
from typing import Any

import numpy as np

from .tiling import contiguous

# (flip rows, flip columns, swap rows and columns), applied in that order; the first N are used.
# Mirrors first: they are valid even for a model trained without 90-degree turns.
VIEWS = ((False, False, False), (False, True, False), (True, False, False), (True, True, False),
         (False, False, True), (False, True, True), (True, False, True), (True, True, True))


def views_field(default: int, help: str) -> Any:
    """A task option choosing how many views to average (the CLI and UI read its bounds)."""
    return field(default=default, metadata={"help": help, "min": 1, "max": len(VIEWS)})


def _forward(chw: np.ndarray, view: tuple[bool, bool, bool]) -> np.ndarray:
    rows, cols, swap = view
    out = chw[:, ::-1] if rows else chw
    out = out[:, :, ::-1] if cols else out
    return contiguous(out.transpose(0, 2, 1) if swap else out)


def _backward(chw: np.ndarray, view: tuple[bool, bool, bool]) -> np.ndarray:
    rows, cols, swap = view
    out = chw.transpose(0, 2, 1) if swap else chw
    out = out[:, :, ::-1] if cols else out
    return out[:, ::-1] if rows else out


def averaged_over_views(predict: Callable[[np.ndarray], np.ndarray], chw: np.ndarray, views: int) -> np.ndarray:
    """The mean of predict over the first `views` (1-8) views of the C x H x W input, in its frame."""
    if not 1 <= views <= len(VIEWS):
        raise ValueError(f"views must be 1-{len(VIEWS)}, got {views}")
    first = np.asarray(predict(chw), dtype=np.float32)
    if views == 1:
        return first  # no copy: the default path, on outputs of up to hundreds of MB
    total = first.copy()  # predict may hand back its input; the views still read that
    for view in VIEWS[1:views]:
        total += _backward(predict(_forward(chw, view)), view)
    total /= views
    return total
