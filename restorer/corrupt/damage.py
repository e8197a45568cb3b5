"""Old-photo damage drawn onto clean images, each with its exact mask; the registry of kinds.

Every function takes a float32 HxWx3 image in [0, 1] and an np.random.Generator
(no randomness of its own) and returns (damaged image, bool HxW mask). The hard-edged
kinds here mark exactly the pixels they changed: pixels outside the mask are returned
bit for bit, and a drawn pixel that happens to match what was there (a white
scratch on white sky) is left out of the mask and untouched, so the label never
claims damage that cannot be seen. The soft kinds (damage_soft.py) also leave faint,
unlabelled halos.

Sizes are in pixels, the same whatever the image size (only counts grow with the
area), so damage on a training crop looks like damage on a whole benchmark photo.
"""
from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from . import damage_soft as soft
from .damage_draw import LABEL_ALPHA, MIN_CHANGE, Damage, crack_paths, per_area, walk

__all__ = ["KINDS", "LABEL_ALPHA", "MIN_CHANGE", "SOFT_KINDS", "Damage", "random_damage"]


def _finish(img: np.ndarray, cover: np.ndarray, colour: np.ndarray, opacity: float | np.ndarray) -> Damage:
    """Blend `colour` over `img` where `cover` is set; keep only pixels that visibly changed."""
    drawn = cover.astype(bool)
    alpha = np.asarray(opacity, np.float32)
    alpha = alpha[..., None] if alpha.ndim == 2 else alpha
    blended = (img * (1 - alpha) + colour * alpha).astype(np.float32)
    mask = drawn & (np.abs(blended - img).max(axis=2) >= MIN_CHANGE)
    return np.where(mask[..., None], blended, img).astype(np.float32), mask


def _coloured(marks: np.ndarray, tones: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(cover, HxWx3 colour) from an int32 canvas where mark i was drawn with value i + 1 (later
    marks over earlier ones) and its tone: one canvas instead of a full-frame layer per mark."""
    cover = marks > 0
    colour = np.zeros((*marks.shape, 3), np.float32)
    if tones:
        colour[cover] = np.asarray(tones, np.float32)[marks[cover] - 1]
    return cover, colour


def _tone(rng: np.random.Generator, bright_odds: float) -> np.ndarray:
    """Near-white (emulsion scraped off, paper showing) or near-black (dirt, ink), slightly warm."""
    if rng.random() < bright_odds:
        v = rng.uniform(0.82, 1.0)
        return np.array([v, v * rng.uniform(0.95, 1.0), v * rng.uniform(0.88, 1.0)], np.float32)
    v = rng.uniform(0.0, 0.18)
    return np.full(3, v, np.float32)


def _walk(rng: np.random.Generator, start: tuple[float, float], angle: float, length: float,
          step: float, wiggle: float) -> np.ndarray:
    """damage_draw.walk rounded to whole pixels, for hard-edged marks."""
    return np.round(walk(rng, start, angle, length, step, wiggle)).astype(np.int32)


def _width(rng: np.random.Generator, lo: float, hi: float) -> int:
    return max(1, int(round(rng.uniform(lo, hi))))


def scratches(img: np.ndarray, rng: np.random.Generator) -> Damage:
    """1-4 long, nearly straight lines 1-3 px wide, mostly bright: scratches across the print."""
    h, w = img.shape[:2]
    marks, tones = np.zeros((h, w), np.int32), []
    for i in range(int(rng.integers(1, 5))):
        start = (rng.uniform(0, w), rng.uniform(0, h))
        length = rng.uniform(0.4, 1.2) * np.hypot(h, w)
        pts = _walk(rng, start, rng.uniform(0, 2 * np.pi), length, 4.0, 0.02)
        cv2.polylines(marks, [pts], False, i + 1, _width(rng, 0.6, 2.8))
        tones.append(_tone(rng, 0.75))
    return _finish(img, *_coloured(marks, tones), rng.uniform(0.6, 1.0))


def cracks(img: np.ndarray, rng: np.random.Generator) -> Damage:
    """Jagged, branching thin lines: cracked emulsion."""
    h, w = img.shape[:2]
    cover = np.zeros((h, w), np.uint8)
    for pts in crack_paths(rng, h, w):
        cv2.polylines(cover, [np.round(pts).astype(np.int32)], False, 1, _width(rng, 0.6, 1.8))
    return _finish(img, cover, _tone(rng, 0.4), rng.uniform(0.6, 1.0))


def dust(img: np.ndarray, rng: np.random.Generator) -> Damage:
    """Specks (round, 1-6 px) and a few short hairs, dark or bright."""
    h, w = img.shape[:2]
    marks, tones = np.zeros((h, w), np.int32), []
    for i in range(int(rng.integers(5, 40) * per_area(h, w))):
        c = (int(rng.integers(w)), int(rng.integers(h)))
        if rng.random() < 0.9:
            axes = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
            cv2.ellipse(marks, c, axes, float(rng.uniform(0, 180)), 0, 360, i + 1, -1)
        else:  # a hair: short, curly
            pts = _walk(rng, c, rng.uniform(0, 2 * np.pi), rng.uniform(10, 40), 2.0, 0.3)
            cv2.polylines(marks, [pts], False, i + 1, 1)
        tones.append(_tone(rng, 0.5))
    return _finish(img, *_coloured(marks, tones), rng.uniform(0.7, 1.0))


def tears(img: np.ndarray, rng: np.random.Generator) -> Damage:
    """A fold or tear: a band with ragged edges across the photo, paper-light."""
    h, w = img.shape[:2]
    cover = np.zeros((h, w), np.uint8)
    angle = rng.uniform(0, np.pi)
    centre = np.array([rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h])
    span = np.hypot(h, w)
    start = centre - span / 2 * np.array([np.cos(angle), np.sin(angle)])
    pts = _walk(rng, tuple(start), angle, span, 3.0, 0.08)
    base = _width(rng, 2.0, 7.0)
    for a, b in zip(pts[:-1], pts[1:]):  # ragged: the width changes along the band
        cv2.line(cover, tuple(map(int, a)), tuple(map(int, b)), 1, max(1, base + int(rng.integers(-1, 3))))
    colour = _tone(rng, 0.85)
    return _finish(img, cover, colour, rng.uniform(0.75, 1.0))


def stains(img: np.ndarray, rng: np.random.Generator) -> Damage:
    """1-3 irregular yellow-brown blotches (water, foxing), partly transparent."""
    h, w = img.shape[:2]
    noise = cv2.GaussianBlur(rng.random((h, w)).astype(np.float32), (0, 0), 6.0)
    noise = (noise - noise.mean()) / (noise.std() + 1e-6)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cover = np.zeros((h, w), bool)
    for _ in range(int(rng.integers(1, 4) * per_area(h, w, 384**2))):
        cy, cx = rng.uniform(0, h), rng.uniform(0, w)
        ry, rx = (rng.uniform(12, 55) for _ in range(2))
        blob = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 + 0.6 * noise
        cover |= blob < 1
    tint = np.array([rng.uniform(0.55, 0.8), rng.uniform(0.42, 0.6), rng.uniform(0.2, 0.38)], np.float32)
    return _finish(img, cover, tint, rng.uniform(0.35, 0.75))


def missing_corners(img: np.ndarray, rng: np.random.Generator) -> Damage:
    """1-2 corners torn off: a ragged triangle of bare background (paper, scanner lid or black)."""
    h, w = img.shape[:2]
    cover = np.zeros((h, w), np.uint8)
    for corner in rng.choice(4, size=int(rng.integers(1, 3)), replace=False):
        a, b = min(rng.uniform(20, 90), 0.45 * w), min(rng.uniform(20, 90), 0.45 * h)
        edge = np.linspace([a, 0], [0, b], 12) + rng.normal(0, 3.0, (12, 2))
        poly = np.vstack([[0, 0], edge]).clip(0, None)
        if corner in (1, 2):  # mirror into the right-hand corners
            poly[:, 0] = w - 1 - poly[:, 0]
        if corner in (2, 3):  # and the bottom ones
            poly[:, 1] = h - 1 - poly[:, 1]
        cv2.fillPoly(cover, [np.round(poly).astype(np.int32)], 1)
    colour = _tone(rng, 0.7)
    return _finish(img, cover, colour, 1.0)


# name -> (function, how often random_damage picks it relative to the others). The hard-edged
# kinds above are what the detector first learnt; the soft ones (damage_soft.py) are what scans of
# real prints show, and are drawn more often.
KINDS: dict[str, tuple[Callable[[np.ndarray, np.random.Generator], Damage], float]] = {
    "scratches": (scratches, 1.5),
    "cracks": (cracks, 0.7),
    "dust": (dust, 1.5),
    "tears": (tears, 1.0),
    "stains": (stains, 0.7),
    "missing_corners": (missing_corners, 0.7),
    "fine_scratches": (soft.fine_scratches, 3.0),
    "hairline_cracks": (soft.hairline_cracks, 1.5),
    "craquelure": (soft.craquelure, 1.0),
    "creases": (soft.creases, 1.2),
    "foxing": (soft.foxing, 1.2),
    "specks": (soft.specks, 2.5),
}
SOFT_KINDS = frozenset(n for n, (fn, _) in KINDS.items() if fn.__module__ == soft.__name__)


def random_damage(img: np.ndarray, rng: np.random.Generator, clean_odds: float = 0.05) -> Damage:
    """1-4 kinds of damage on one image (or, rarely, none: the model must also see clean photos).
    The mask is the union of each kind's mask: every marked pixel visibly changed, and outside it
    only the soft kinds' faint halos (opacity under LABEL_ALPHA) did."""
    mask = np.zeros(img.shape[:2], bool)
    if rng.random() < clean_odds:
        return img.astype(np.float32), mask
    names = list(KINDS)
    odds = np.array([KINDS[n][1] for n in names])
    chosen = rng.choice(len(names), size=int(rng.integers(1, 5)), replace=False, p=odds / odds.sum())
    out = img.astype(np.float32)
    for i in sorted(chosen):
        out, m = KINDS[names[i]][0](out, rng)
        mask |= m
    return out, mask
