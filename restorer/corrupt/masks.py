"""Free-form hole masks for inpainting, after LaMa's thin / medium / thick
generators (Suvorov et al. 2022): brush strokes (polylines of round-jointed
thick lines), boxes, and long thin scratches like those on old prints; and
object masks (one blob or silhouette covering 5-30 % of the image), the shape
a user paints over a person or a thing to remove it.

Pure and seeded: all randomness comes from the np.random.Generator argument.
Sizes scale with the image's short side, so a mask drawn for a 2000 px photo
looks like one drawn for a 256 px crop, only larger.
"""
from __future__ import annotations

from typing import Literal

import cv2
import numpy as np

from .object_masks import OBJECT_AREA, object_mask

Size = Literal["thin", "medium", "thick"]
SIZES: tuple[Size, ...] = ("thin", "medium", "thick")
Kind = Literal["thin", "medium", "thick", "object"]
KINDS: tuple[Kind, ...] = (*SIZES, "object")
OBJECT_SHARE = 0.25  # training: this share of samples get an object mask, the rest strokes

# Hole area as a fraction of the image; each mask aims at a uniform draw in its band.
AREA: dict[str, tuple[float, float]] = {"thin": (0.02, 0.10), "medium": (0.10, 0.25), "thick": (0.25, 0.45)}

# Per size class, as fractions of the short side (LaMa's 256 px settings, scaled):
# brush width, segment length and box side ranges; and the odds of each primitive.
_RECIPES: dict[str, dict] = {
    "thin": {"width": (0.01, 0.04), "length": (0.05, 0.2), "box": (0.0, 0.0),
             "odds": {"stroke": 0.75, "scratch": 0.25, "box": 0.0}},
    "medium": {"width": (0.04, 0.12), "length": (0.1, 0.35), "box": (0.05, 0.2),
               "odds": {"stroke": 0.6, "scratch": 0.1, "box": 0.3}},
    "thick": {"width": (0.1, 0.25), "length": (0.15, 0.5), "box": (0.1, 0.4),
              "odds": {"stroke": 0.7, "scratch": 0.0, "box": 0.3}},
}
_MAX_TRIES = 300  # primitives drawn (or rejected) before giving up on reaching the target area


def _stroke(mask: np.ndarray, rng: np.random.Generator, width: float, length: tuple[float, float],
            turn: float, vertices: int) -> None:
    """A polyline with random turns; circles at the joints make it a smooth brush stroke."""
    h, w = mask.shape
    x, y = rng.uniform(0, w), rng.uniform(0, h)
    angle = rng.uniform(0, 2 * np.pi)
    thick = max(1, int(round(width)))
    for _ in range(vertices):
        angle += rng.uniform(-turn, turn)
        step = rng.uniform(*length)
        nx = float(np.clip(x + step * np.cos(angle), 0, w - 1))
        ny = float(np.clip(y + step * np.sin(angle), 0, h - 1))
        cv2.line(mask, (int(x), int(y)), (int(nx), int(ny)), 1, thick)
        cv2.circle(mask, (int(nx), int(ny)), thick // 2, 1, -1)
        x, y = nx, ny


def _box(mask: np.ndarray, rng: np.random.Generator, side: tuple[float, float]) -> None:
    h, w = mask.shape
    bw, bh = (max(1, int(rng.uniform(*side))) for _ in range(2))
    x, y = int(rng.integers(0, max(1, w - bw))), int(rng.integers(0, max(1, h - bh)))
    mask[y : y + bh, x : x + bw] = 1


def _scratch(mask: np.ndarray, rng: np.random.Generator, short: int) -> None:
    """Long, nearly straight and 1-3 px wide (more on big images): a scratch across the print."""
    h, w = mask.shape
    width = max(1, int(round(rng.uniform(0.004, 0.012) * short)))
    span = rng.uniform(0.5, 1.0) * np.hypot(h, w)
    _stroke(mask, rng, width, (span / 8, span / 6), turn=0.15, vertices=6)


def random_mask(h: int, w: int, rng: np.random.Generator, size: Size | None = None) -> np.ndarray:
    """Bool HxW hole mask (True = hole) of a size class (random when None).

    Primitives are added until the hole area reaches a target drawn from the
    class's band; one that would push the area past the band is undone.
    """
    size = size if size is not None else SIZES[int(rng.integers(len(SIZES)))]
    if size not in _RECIPES:
        raise ValueError(f"unknown mask size {size!r}; known: {', '.join(SIZES)}")
    recipe, (lo, hi) = _RECIPES[size], AREA[size]
    short = min(h, w)
    kinds, odds = zip(*recipe["odds"].items())
    target = rng.uniform(lo, hi)
    mask = np.zeros((h, w), np.uint8)
    area = 0.0
    for _ in range(_MAX_TRIES):
        if area >= target:
            break
        cand = mask.copy()
        kind = kinds[rng.choice(len(kinds), p=np.array(odds) / sum(odds))]
        if kind == "stroke":
            width = rng.uniform(*recipe["width"]) * short
            length = tuple(f * short for f in recipe["length"])
            _stroke(cand, rng, width, length, turn=np.pi / 2, vertices=int(rng.integers(2, 7)))
        elif kind == "box":
            _box(cand, rng, tuple(f * short for f in recipe["box"]))
        else:
            _scratch(cand, rng, short)
        cand_area = float(cand.mean())
        if cand_area <= hi:
            mask, area = cand, cand_area
    return mask.astype(bool)


def hole_mask(h: int, w: int, rng: np.random.Generator, kind: Kind | None = None) -> np.ndarray:
    """Bool HxW hole mask of a kind: a stroke size class, or "object" (one blob or silhouette
    covering OBJECT_AREA of the image). None: an object OBJECT_SHARE of the time, else strokes
    of a random size; what the inpainting model trains on."""
    if kind is None:
        kind = "object" if rng.random() < OBJECT_SHARE else None
    if kind == "object":
        return object_mask(h, w, rng, OBJECT_AREA)
    return random_mask(h, w, rng, kind)
