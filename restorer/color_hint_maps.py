"""Colour hints as the colorize network's input (Zhang et al. 2017, "Real-time user-guided image
colorization"): maps beside the lightness at the size the network sees: the hinted a* and b*
(divided by AB_SCALE) and a mask that is 1 where a hint is, then the same hints spread by a
normalised Gaussian convolution (each pixel: the weighted mean colour of the hints around it) and
how near a hint is (1 at an isolated hint, falling off over SPREAD_SIGMA). Why the spread: a few
hint pixels give a fine-tuned network almost no gradient (measured: after 660 CPU steps with the
point maps alone it followed 5 hints by +0.02 dB); a dense guess of the colour everywhere is a
classical start it can learn to correct along edges.

Training samples them from the ground truth (points of a small patch's mean colour and short strokes
of one colour; none in a share of samples) so one model serves with and without hints; inference
rasterises the user's Hints (color_hints.py) onto the prediction grid."""
from __future__ import annotations

import cv2
import numpy as np

from .color_hints import Hints
from .color_propagate import hint_pixels

CHANNELS = 6  # a*, b*, mask of the hinted pixels; a*, b* spread and nearness
AB_SCALE = 100.0  # a*b* of sRGB colours lie within about +-110
SPREAD_SIGMA = 12.0  # px of the prediction grid (long side 256): about a twentieth of the photo
NO_HINTS_P = 0.3  # share of training samples without hints: the automatic colour must stay good
POINT_P = 1 / 8  # points per hinted sample: geometric with this p (mean 8), as Zhang et al.
MAX_POINTS = 40
STROKE_P = 0.3  # share of hinted samples that also get 1-3 short strokes (the UI's brush)


def empty(height: int, width: int) -> np.ndarray:
    return np.zeros((CHANNELS, height, width), np.float32)


def spread(maps: np.ndarray) -> np.ndarray:
    """Fill channels 3-5 from the point maps in channels 0-2, in place; returns maps."""
    if not maps[2].any():
        maps[3:] = 0
        return maps
    blur = lambda x: cv2.GaussianBlur(x, (0, 0), SPREAD_SIGMA, borderType=cv2.BORDER_REFLECT)
    weight = blur(maps[2])
    peak = 1 / (2 * np.pi * SPREAD_SIGMA**2)  # what one isolated hint pixel blurs to at its centre
    for c in range(2):
        maps[3 + c] = blur(maps[c] * maps[2]) / np.maximum(weight, peak * 1e-3)
    maps[5] = np.minimum(weight / peak, 1)
    return maps


def rasterise(hints: Hints, full_shape: tuple[int, ...], small_shape: tuple[int, ...], spread_too: bool = True) -> np.ndarray:
    """The photo's hints (full-resolution pixels) as CHANNELSxhxw maps on the prediction grid: each
    grid cell holding hints gets their mean colour. spread_too=False: channels 3-5 stay 0."""
    h, w = small_shape[:2]
    maps = empty(h, w)
    if not len(hints):
        return maps
    ys, xs = hint_pixels(hints, small_shape, full_shape)  # the cells the propagation pins them to
    cell = ys * w + xs
    count = np.bincount(cell, minlength=h * w)
    has = count > 0
    for c in range(2):
        total = np.bincount(cell, weights=hints.ab[:, c].astype(np.float64), minlength=h * w)
        maps[c].flat[has] = total[has] / count[has] / AB_SCALE
    maps[2].flat[has] = 1
    return spread(maps) if spread_too else maps


def stroke(h: int, w: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Pixels of a short, gently curving brush stroke (a random walk with momentum)."""
    y, x = rng.uniform(0, h), rng.uniform(0, w)
    angle = rng.uniform(0, 2 * np.pi)
    ys, xs = [], []
    for _ in range(int(rng.integers(4, 25))):
        ys.append(int(np.clip(y, 0, h - 1)))
        xs.append(int(np.clip(x, 0, w - 1)))
        angle += rng.normal(0, 0.3)
        y, x = y + np.sin(angle), x + np.cos(angle)
    return np.array(ys), np.array(xs)


def sample(ab: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Ground-truth HxWx2 a*b* -> CHANNELSxHxW hint maps: none in NO_HINTS_P of samples, else a
    geometric number of points (each a 1-5 px square of its mean colour, as the bench's hints average
    the original over 5x5 px) and sometimes short strokes of their mean colour."""
    h, w = ab.shape[:2]
    maps = empty(h, w)
    if rng.random() < NO_HINTS_P:
        return maps

    def put(ys: np.ndarray | slice, xs: np.ndarray | slice) -> None:
        colour = ab[ys, xs].reshape(-1, 2).mean(0) / AB_SCALE
        maps[0, ys, xs], maps[1, ys, xs], maps[2, ys, xs] = colour[0], colour[1], 1

    for _ in range(min(int(rng.geometric(POINT_P)), MAX_POINTS)):
        r = int(rng.choice([0, 0, 1, 2]))
        y, x = int(rng.integers(h)), int(rng.integers(w))
        put(slice(max(y - r, 0), y + r + 1), slice(max(x - r, 0), x + r + 1))
    if rng.random() < STROKE_P:
        for _ in range(int(rng.integers(1, 4))):
            put(*stroke(h, w, rng))
    return spread(maps)
