"""Damage fraction: the share of a photo the damage detector (the segment task, as `restore
oldphoto` runs it) marks, read on a full-resolution centre crop, one view.

Full resolution, because the detector is scale-bound: on photos shrunk to 256 px it marked
texture as damage (bsds432: a clean photo's median 0.2 %, but 1.4 % at the 90th percentile,
while damaged photos read 1.7 % at the median) and missed fine scratches; at full resolution
clean bsds432 photos read 0.08 % (median) and 0.34 % (90th percentile), damaged ones 1.8 %.
A crop, because the time is then bounded whatever the scan's size: on sunhays80 and urban100
a 448 px crop read 0.97-correlated with the whole photo.

The detector also marks texture (facades, foliage), and since its repair-weighted fine-tunes (#28) more of it
at its own cut, which suits oldphoto (a false alarm costs a fill little) but not a flag: the scan counts only
the pixels it is all but sure of, so "damaged" is a prompt to look, not a verdict
(scripts/experiments/scan_calibration.py; docs/scan_results.md, Thresholds)."""
from __future__ import annotations

import numpy as np

from ..imageio import rgb_of
from ..tasks.base import Predictor
from ..tasks.segment import threshold_logit

DAMAGE_CROP = 384  # px: side of the centre crop (0.15 MP: about 0.2 s on one CPU core)
# Chosen on bsds432 (every 2nd photo) by scripts/experiments/scan_calibration.py: the pair that calls the most
# photos with random_damage drawn on them while calling at most 6 % of the clean ones: 5.6 % clean, 51 % damaged
# (at the detector's own 0.5 and 1 %: 33 % and 78 %); on urban100 + sunhays80, 3.3 % and 36 %.
DAMAGED_FRACTION = 0.0025
DAMAGE_PROBABILITY = 0.99  # the detector's probability for a pixel to count


def damage_input(pixels: np.ndarray) -> np.ndarray:
    """The full-resolution centre crop the detector reads."""
    h, w = pixels.shape[:2]
    y, x = max(0, (h - DAMAGE_CROP) // 2), max(0, (w - DAMAGE_CROP) // 2)
    return np.ascontiguousarray(rgb_of(pixels[y : y + DAMAGE_CROP, x : x + DAMAGE_CROP]), dtype=np.float32)


def damage_logits(crop: np.ndarray, predict: Predictor) -> np.ndarray:
    """HxW: the detector's damage logit for each pixel of the crop (one view); compare with threshold_logit."""
    return np.asarray(predict(np.ascontiguousarray(crop.transpose(2, 0, 1))), dtype=np.float32)[0]


def damage_fraction(crop: np.ndarray, predict: Predictor) -> float:
    """0-1: the share of the crop's pixels the detector is sure enough are damage."""
    return float((damage_logits(crop, predict) > threshold_logit(DAMAGE_PROBABILITY)).mean())
