"""An independent old-photo damage generator, for validation only.

Written apart from restorer/corrupt/damage.py, with other shapes, parameters and rendering,
and never trained on (tests/test_structure.py checks that nothing outside restorer/bench
imports it). The gap between a detector's IoU on our generator and on this one measures how
much it learnt our generator's style rather than damage.

What differs on purpose: marks are drawn with anti-aliased OpenCV primitives at sub-pixel
precision as soft alpha layers with halos (widths down to half a pixel); creases are a
light/dark line pair with the tone shifted on one side; stains have darker tidelines; and
the whole print is aged (blur, grain, JPEG) after the damage, so the damage sits under the
scan's grain as on a real print. The label is every pixel where a mark's opacity exceeds
LABEL_ALPHA and the picture visibly changed.
"""
from __future__ import annotations

import cv2
import numpy as np

from ..corrupt.functional import jpeg_artifacts, quantise

SHIFT = 4  # OpenCV fractional bits: coordinates in 1/16 px
LABEL_ALPHA = 0.3
MIN_CHANGE = 4 / 255


def _curve(rng: np.random.Generator, h: int, w: int, length: float) -> np.ndarray:
    """A gently curved path (quadratic Bezier) of about `length` px, as float points."""
    p0 = np.array([rng.uniform(0, w), rng.uniform(0, h)])
    angle = rng.uniform(0, np.pi)
    p2 = p0 + length * np.array([np.cos(angle), np.sin(angle)])
    bend = rng.normal(0, length * 0.15, 2)
    p1 = (p0 + p2) / 2 + bend
    t = np.linspace(0, 1, max(8, int(length / 3)))[:, None]
    return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t**2 * p2


def _polyline(alpha: np.ndarray, pts: np.ndarray, width: float, value: float) -> None:
    """Anti-aliased line of sub-pixel width: drawn 1 px wide at `value * width` opacity when thinner than a pixel."""
    fixed = np.round(pts * (1 << SHIFT)).astype(np.int32)[None]
    layer = np.zeros_like(alpha)
    cv2.polylines(layer, fixed, False, 1.0, max(1, int(round(width))), cv2.LINE_AA, SHIFT)
    np.maximum(alpha, layer * value * min(1.0, width), out=alpha)


def _emulsion_scratches(alpha, colour, rng, h, w):
    for _ in range(rng.integers(1, 5)):
        pts = _curve(rng, h, w, rng.uniform(0.3, 1.2) * max(h, w))
        if rng.random() < 0.5:  # broken: only some segments survive
            keep = rng.random(len(pts) - 1) < 0.7
            segments = [pts[i : i + 2] for i in np.flatnonzero(keep)]
        else:
            segments = [pts]
        width = rng.uniform(0.5, 3.0)
        layer = np.zeros_like(alpha)
        for seg in segments:
            _polyline(layer, seg, width, rng.uniform(0.6, 1.0))
        halo = cv2.GaussianBlur(layer, (0, 0), 1.5) * 0.5  # soft glow around a scraped line
        np.maximum(alpha, np.maximum(layer, halo), out=alpha)
        colour[layer > 0.05] = rng.uniform(0.85, 1.0)


def _crack_network(alpha, colour, rng, h, w):
    stack = [(_curve(rng, h, w, 2)[0], rng.uniform(0, 2 * np.pi), rng.uniform(30, 120), 0)]
    dark = rng.random() < 0.6
    while stack:
        start, angle, length, depth = stack.pop()
        n = max(2, int(length / 4))
        angles = angle + np.cumsum(rng.normal(0, 0.35, n))
        pts = start + np.cumsum(np.stack([np.cos(angles), np.sin(angles)], 1) * 4, 0)
        layer = np.zeros_like(alpha)
        _polyline(layer, pts, rng.uniform(0.5, 1.5), rng.uniform(0.5, 0.9))
        np.maximum(alpha, layer, out=alpha)
        colour[layer > 0.05] = rng.uniform(0.05, 0.25) if dark else rng.uniform(0.8, 0.95)
        if depth < 3:
            for _ in range(rng.integers(0, 3)):
                k = int(rng.integers(1, len(pts)))
                stack.append((pts[k], angles[k - 1] + rng.choice([-1, 1]) * rng.uniform(0.4, 1.2), length * 0.6, depth + 1))


def _crease(alpha, colour, img, rng, h, w):
    """A fold: a light line beside a dark one, and one side's tone shifted (the paper bent there)."""
    pts = _curve(rng, h, w, 1.5 * max(h, w))
    normal = np.array([-(pts[-1] - pts[0])[1], (pts[-1] - pts[0])[0]])
    normal /= np.linalg.norm(normal) + 1e-9
    for offset, value in ((0.0, rng.uniform(0.85, 1.0)), (1.5, rng.uniform(0.1, 0.3))):
        layer = np.zeros_like(alpha)
        _polyline(layer, pts + offset * normal, rng.uniform(0.8, 2.0), rng.uniform(0.5, 0.8))
        np.maximum(alpha, layer, out=alpha)
        colour[layer > 0.05] = value
    yy, xx = np.mgrid[0:h, 0:w]
    side = ((xx - pts[0][0]) * normal[0] + (yy - pts[0][1]) * normal[1]) > 0
    img[side] = np.clip(img[side] * rng.uniform(0.92, 1.06), 0, 1)  # not labelled: the photo is intact there


def _stains(alpha, colour, rng, h, w):
    for _ in range(rng.integers(1, 3)):
        field = np.zeros((h, w), np.float32)
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(8, 0.12 * max(h, w))
        for _ in range(6):
            x, y = int(cx + rng.normal(0, r / 2)), int(cy + rng.normal(0, r / 2))
            if 0 <= x < w and 0 <= y < h:
                field[y, x] = 1
        field = cv2.GaussianBlur(field, (0, 0), r / 2)
        blob = field > field.max() * 0.3 if field.max() > 0 else field > 1
        if not blob.any():
            continue
        ring = blob & ~cv2.erode(blob.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
        a = np.where(ring, 0.7, np.where(blob, rng.uniform(0.3, 0.5), 0)).astype(np.float32)
        np.maximum(alpha, a, out=alpha)
        colour[blob] = np.array([0.55, 0.42, 0.25], np.float32) * rng.uniform(0.7, 1.1)


def _dust_and_hair(alpha, colour, rng, h, w):
    dark = rng.random() < 0.7  # dark on a print; bright on a scanned negative
    for _ in range(rng.integers(5, 25)):
        layer = np.zeros_like(alpha)
        c = (int(rng.uniform(0, w) * 16), int(rng.uniform(0, h) * 16))
        axes = (int(rng.uniform(0.5, 3) * 16), int(rng.uniform(0.5, 2) * 16))
        cv2.ellipse(layer, c, axes, rng.uniform(0, 180), 0, 360, 1.0, -1, cv2.LINE_AA, SHIFT)
        np.maximum(alpha, layer * rng.uniform(0.6, 1.0), out=alpha)
        colour[layer > 0.05] = rng.uniform(0.0, 0.2) if dark else rng.uniform(0.85, 1.0)
    for _ in range(rng.integers(0, 3)):
        layer = np.zeros_like(alpha)
        _polyline(layer, _curve(rng, h, w, rng.uniform(20, 80)), rng.uniform(0.5, 1.2), 0.9)
        np.maximum(alpha, layer, out=alpha)
        colour[layer > 0.05] = rng.uniform(0.0, 0.15) if dark else rng.uniform(0.85, 1.0)


def independent_damage(img: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(damaged 8-bit scan, bool HxW label) of a clean float32 HxWx3 photo: two to four kinds of
    damage, then the scan's own blur, grain and JPEG over everything."""
    h, w = img.shape[:2]
    base = img.astype(np.float32).copy()
    alpha = np.zeros((h, w), np.float32)
    colour = np.zeros((h, w), np.float32)  # grey level of the damage; stains tint below
    tint = np.zeros((h, w, 3), np.float32)
    kinds = rng.choice(5, size=int(rng.integers(2, 5)), replace=False)
    for k in sorted(kinds):
        if k == 0:
            _emulsion_scratches(alpha, colour, rng, h, w)
        elif k == 1:
            _crack_network(alpha, colour, rng, h, w)
        elif k == 2:
            _crease(alpha, colour, base, rng, h, w)
        elif k == 3:
            stain_colour = np.zeros((h, w, 3), np.float32)
            _stains(alpha, stain_colour, rng, h, w)
            tint = np.where(stain_colour.any(axis=2, keepdims=True), stain_colour, tint)
        else:
            _dust_and_hair(alpha, colour, rng, h, w)
    paint = np.where(tint.any(axis=2, keepdims=True), tint, colour[..., None])
    damaged = base * (1 - alpha[..., None]) + paint * alpha[..., None]
    label = (alpha > LABEL_ALPHA) & (np.abs(damaged - base).max(axis=2) >= MIN_CHANGE)
    damaged = cv2.GaussianBlur(damaged, (0, 0), rng.uniform(0.3, 0.8))  # the scanner's optics, over the damage too
    damaged = damaged + rng.normal(0, rng.uniform(1, 4) / 255, damaged.shape).astype(np.float32)  # grain
    damaged = jpeg_artifacts(np.clip(damaged, 0, 1), int(rng.integers(70, 96)))
    return quantise(damaged), label
