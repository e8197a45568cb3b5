"""Colour hints, refined by a network (issue #27): color_propagate spreads the hints over the automatic
colour along edges of similar lightness, and a small U-Net (the colorize_hints task) corrects what it
spread. It sees, at the propagation's working size: the propagated a*b*, the lightness, the automatic
a*b* and the hints themselves (where, and their colour). Its output is the propagated colour plus a
correction whose last layer starts at zero, so untrained it is exactly the propagation: start from the
classical answer and learn the correction. What propagation cannot do and the network can learn: a hint
on one patch of sky says what colour the patches behind a branch are, and a hint that leaked across a
soft edge can be pulled back. This module is the shared input layout; training is tasks/colorize_hints.py,
inference colorize.follow_hints."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

Predictor = Callable[[np.ndarray], np.ndarray]  # CxHxW -> CxHxW, tiled (tasks.base.Predictor)

AB_SCALE = 100.0  # a*b* of sRGB colours lie within about +-110
# propagated a*, b*; L; automatic a*, b*; the hints' a*, b* (0 elsewhere) and where they are (1)
CHANNELS = 8


def refiner_input(lightness: np.ndarray, auto_ab: np.ndarray, spread_ab: np.ndarray, hint_maps: np.ndarray) -> np.ndarray:
    """HxW L in [0, 100], HxWx2 automatic and propagated a*b*, and the hints as 3xHxW maps (a* and b*
    over AB_SCALE, then a mask: color_hint_maps.rasterise's first three channels) -> CHANNELSxHxW."""
    return np.concatenate([
        spread_ab.transpose(2, 0, 1) / AB_SCALE,  # first: the residual model's output adds to these
        np.asarray(lightness, np.float32)[None] / 100,
        auto_ab.transpose(2, 0, 1) / AB_SCALE,
        hint_maps[:3],
    ]).astype(np.float32)


def refined(predict: Predictor, lightness: np.ndarray, auto_ab: np.ndarray, spread_ab: np.ndarray,
            hint_maps: np.ndarray) -> np.ndarray:
    """The refiner's HxWx2 a*b* for these inputs (refiner_input's)."""
    out = predict(refiner_input(lightness, auto_ab, spread_ab, hint_maps))
    return np.ascontiguousarray(out.transpose(1, 2, 0)) * np.float32(AB_SCALE)
