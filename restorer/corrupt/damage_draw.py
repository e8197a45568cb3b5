"""Drawing primitives shared by the damage kinds (damage.py: hard-edged marks; damage_soft.py:
soft, anti-aliased marks as scans show them): paths, crack trees and a supersampled opacity layer."""
from __future__ import annotations

import cv2
import numpy as np

Damage = tuple[np.ndarray, np.ndarray]
MIN_CHANGE = 3 / 255  # a drawn pixel counts as damage when some channel moved this much


def walk(rng: np.random.Generator, start: tuple[float, float], angle: float, length: float,
         step: float, wiggle: float) -> np.ndarray:
    """Float points of a random walk with small turns: the path of a scratch, crack or hair."""
    n = max(2, int(length / step))
    angles = angle + np.cumsum(rng.normal(0, wiggle, n))
    return np.cumsum(np.stack([np.cos(angles), np.sin(angles)], 1) * step, 0) + np.asarray(start)


def per_area(h: int, w: int, per: float = 256**2) -> float:
    """How many 256x256 crops' worth of area the image has (at least 1): scales counts."""
    return max(1.0, h * w / per)


def crack_paths(rng: np.random.Generator, h: int, w: int, wiggle: float = 0.2) -> list[np.ndarray]:
    """A trunk and branches from points on earlier lines, each half its parent's length."""
    paths = []
    # the trunk starts in the middle half, so most of the tree lands in the picture
    tips = [((rng.uniform(0.25, 0.75) * w, rng.uniform(0.25, 0.75) * h), rng.uniform(0, 2 * np.pi), rng.uniform(60, 200))]
    for _ in range(int(rng.integers(3, 9))):
        if not tips:
            break
        start, angle, length = tips.pop(0)
        pts = walk(rng, start, angle, length, 3.0, wiggle)
        paths.append(pts)
        for _ in range(int(rng.integers(0, 3))):
            p = pts[int(rng.integers(len(pts)))]
            tips.append(((float(p[0]), float(p[1])), angle + rng.choice([-1, 1]) * rng.uniform(0.5, 1.3), length * 0.5))
    return paths


LABEL_ALPHA = 0.2  # a 0.3 px line at 0.7 opacity is labelled: thin scratches are what the detector must learn
SUPERSAMPLE = 8  # marks are drawn at 8x and area-averaged: a 0.5 px line covers half its pixels


def _thickness(rows: float) -> int:
    """OpenCV's thickness argument that draws about `rows` rows: it draws an odd number, t + 1 or
    t + 2 (t = 1: one row), so an even count cannot be had and odd r needs t = r - 1."""
    r = 2 * max(0, int(round((rows - 1) / 2))) + 1
    return 1 if r == 1 else r - 1


class Layer:
    """An opacity layer drawn at SUPERSAMPLE times the image's resolution in uint8."""

    def __init__(self, h: int, w: int):
        self.h, self.w = h, w
        self.hi = np.zeros((h * SUPERSAMPLE, w * SUPERSAMPLE), np.uint8)

    def path(self, pts: np.ndarray, width: float, opacity: float = 1.0) -> None:
        hi = np.round(np.asarray(pts, np.float64) * SUPERSAMPLE).astype(np.int32)
        cv2.polylines(self.hi, [hi], False, int(round(255 * opacity)), _thickness(width * SUPERSAMPLE))

    def spot(self, centre: tuple[float, float], axes: tuple[float, float], angle: float, opacity: float = 1.0) -> None:
        c = tuple(int(round(v * SUPERSAMPLE)) for v in centre)
        ax = tuple(max(1, int(round(v * SUPERSAMPLE))) for v in axes)
        cv2.ellipse(self.hi, c, ax, angle, 0, 360, int(round(255 * opacity)), -1)

    def alpha(self) -> np.ndarray:
        return cv2.resize(self.hi, (self.w, self.h), interpolation=cv2.INTER_AREA).astype(np.float32) / 255


def soft_finish(img: np.ndarray, alpha: np.ndarray, colour: np.ndarray, base: np.ndarray | None = None) -> Damage:
    """Blend `colour` (HxWx3 or 3) over `base` (default img) by `alpha`; label = alpha >= LABEL_ALPHA
    and a visible change against `img`."""
    base = img if base is None else base
    a = np.clip(alpha, 0, 1)[..., None]
    out = (base * (1 - a) + np.asarray(colour, np.float32) * a).astype(np.float32)
    mask = (alpha >= LABEL_ALPHA) & (np.abs(out - img).max(axis=2) >= MIN_CHANGE)
    return out, mask


def halo(alpha: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A soft glow around scraped or cracked emulsion: the layer, blurred and faint, under the line."""
    glow = cv2.GaussianBlur(alpha, (0, 0), rng.uniform(0.7, 2.0)) * rng.uniform(0.15, 0.5)
    return np.maximum(alpha, glow)


def pieces(rng: np.random.Generator, pts: np.ndarray, broken: bool) -> list[np.ndarray]:
    """A path cut into runs of 4-16 points; a broken line drops some runs."""
    out, i = [], 0
    keep = rng.uniform(0.5, 0.9) if broken else 1.0
    while i < len(pts) - 1:
        n = int(rng.integers(4, 17))
        if rng.random() < keep:
            out.append(pts[i : i + n + 1])
        i += n
    return out


def log_width(rng: np.random.Generator, lo: float, hi: float) -> float:
    """Widths spread evenly in log: as many sub-pixel hairlines as wide scratches."""
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))
