"""The classical correction of a faded colour print, and the transfer of a correction found on a
thumbnail to the full-size photo. Pure numpy, no model.

Classical correction (what photo editors' "auto colour" does, and OpenCV xphoto's simple white
balance): per-channel auto-levels stretch each channel's low and high percentiles to black and
white (a white patch and a black patch per channel: removes the cast of the highlights and the
shadows and restores the contrast); then a per-channel gamma brings each channel's mean to the
common mean (grey world on the mid-tones, leaving black and white where the levels put them).
Its parameters are measured on a thumbnail and applied at any size, so a photo and its thumbnail
get the same correction.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

LOW_PERCENTILE, HIGH_PERCENTILE = 0.5, 99.5  # ignore the darkest and brightest 0.5 %: specks, glare
MIN_RANGE = 0.05  # a channel's levels never stretch more than 20 times
GAMMA_LIMITS = (0.5, 2.0)  # grey world fails on photos of one colour (foliage, sunsets): bounded


@dataclass(frozen=True)
class Levels:
    """Per-channel (R, G, B) black point, white point and mid-tone gamma."""

    black: np.ndarray
    white: np.ndarray
    gamma: np.ndarray


def stretch(img: np.ndarray, black: np.ndarray, white: np.ndarray) -> np.ndarray:
    return np.clip((img - black) / (white - black), 0, 1).astype(np.float32)


def measure_levels(img: np.ndarray) -> Levels:
    """The classical correction's parameters for float32 HxWx3 `img` (a thumbnail will do)."""
    pixels = img.reshape(-1, 3)
    black = np.percentile(pixels, LOW_PERCENTILE, axis=0).astype(np.float32)
    white = np.percentile(pixels, HIGH_PERCENTILE, axis=0).astype(np.float32)
    white = np.maximum(white, np.minimum(black + MIN_RANGE, 1))
    black = np.minimum(black, white - MIN_RANGE)
    means = np.clip(stretch(pixels, black, white).mean(axis=0), 1e-3, 1 - 1e-3)
    target = float(np.exp(np.log(means).mean()))  # the geometric mean: a gamma of 1 in total
    gamma = np.clip(np.log(target) / np.log(means), *GAMMA_LIMITS).astype(np.float32)
    return Levels(black, white, gamma)


# A print that faded lost both ends of its tonal range: blacks lifted in every channel and whites
# dimmed in every one. Chosen on 61 held-out photos of the training sets, each as is and faded by
# corrupt/fading.py (scripts/experiments/unfade_gate.py): 9.8 % of the untouched photos pass the
# gate (against 100 % without it: unfade moved never-faded photos by mean Delta E 5.3) and 71 % of
# the 48 visibly faded ones (Delta E > 5 from the original).
FADED_BLACK, FADED_WHITE = 0.04, 0.95
GATE_PERCENTILES = (1.0, 99.0)


def looks_faded(img: np.ndarray) -> bool:
    """Whether a colour photo (float32 HxWx3) looks like a faded print: the darkest of its channels'
    1st percentiles above FADED_BLACK and the brightest of their 99th below FADED_WHITE."""
    pixels = img[::2, ::2].reshape(-1, 3)
    low, high = np.percentile(pixels, GATE_PERCENTILES, axis=0)
    return bool(low.min() > FADED_BLACK and high.max() < FADED_WHITE)


def apply_levels(img: np.ndarray, levels: Levels) -> np.ndarray:
    return (stretch(img, levels.black, levels.white) ** levels.gamma).astype(np.float32)


def classical(img: np.ndarray) -> np.ndarray:
    """Auto-levels and grey-world balance of float32 HxWx3 `img`, measured on the image itself."""
    return apply_levels(img, measure_levels(img))


# ----------------------------------------------------------------- thumbnail correction -> full size

RESIDUAL_BLUR = 1 / 24  # of the thumbnail's long side: what the colour mapping leaves, kept only as a smooth field


def _colour_terms(img: np.ndarray) -> np.ndarray:
    """N x 10 second-order polynomial terms of the colours: 1, r, g, b, r^2, g^2, b^2, rg, rb, gb."""
    c = img.reshape(-1, 3).astype(np.float64)
    r, g, b = c.T
    return np.stack([np.ones_like(r), r, g, b, r * r, g * g, b * b, r * g, r * b, g * b], axis=1)


def fit_colour_mapping(source: np.ndarray, target: np.ndarray, ridge: float = 1e-4) -> np.ndarray:
    """10x3 least-squares polynomial mapping taking `source` colours to `target`'s (both HxWx3),
    lightly regularised towards the identity, so colours the thumbnail lacks stay as they were."""
    terms = _colour_terms(source)
    identity = np.zeros((10, 3))
    identity[1:4] = np.eye(3)
    gram = terms.T @ terms / len(terms) + ridge * np.eye(10)
    rhs = terms.T @ target.reshape(-1, 3).astype(np.float64) / len(terms) + ridge * identity
    return np.linalg.solve(gram, rhs)


def map_colours(img: np.ndarray, mapping: np.ndarray, rows: int = 512) -> np.ndarray:
    """`img` through a fit_colour_mapping mapping, in strips of `rows` (bounded memory at any size)."""
    out = np.empty(img.shape, np.float32)
    for y in range(0, img.shape[0], rows):
        strip = img[y : y + rows]
        out[y : y + rows] = (_colour_terms(strip) @ mapping).reshape(strip.shape)
    return out


def transfer(full: np.ndarray, small: np.ndarray, small_corrected: np.ndarray) -> np.ndarray:
    """The correction that took thumbnail `small` to `small_corrected`, applied to `full` (the same photo
    at full size): a polynomial colour mapping (pointwise, so edges stay clean at any size) plus what it
    misses (the uneven fading across the print) as a smooth field, enlarged."""
    mapping = fit_colour_mapping(small, small_corrected)
    residual = small_corrected - map_colours(small, mapping)
    sigma = RESIDUAL_BLUR * max(small.shape[:2])
    residual = cv2.GaussianBlur(residual.astype(np.float32), (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
    h, w = full.shape[:2]
    field = cv2.resize(residual, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.clip(map_colours(full, mapping) + field, 0, 1)
