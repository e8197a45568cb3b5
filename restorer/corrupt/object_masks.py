"""Object-shaped hole masks: one blob or silhouette covering a chosen share of
the image, the shape a user paints over a person, an animal or a thing to
remove it (strokes and scratches are in masks.py).

Pure and seeded: all randomness comes from the np.random.Generator argument.
A shape is drawn in unit coordinates, then scaled about a random centre until
its area inside the image hits a target; it may run off the frame, as people
and things in photos often do.
"""
from __future__ import annotations

import cv2
import numpy as np

OBJECT_AREA = (0.05, 0.30)  # an object mask's hole area, as a fraction of the image: a person to a large car
Shape = list[tuple]  # ("poly", Nx2 points) | ("line", p0, p1, width) | ("disc", centre, radius), unit coordinates
_SEARCH_STEPS = 24  # bisection steps on the scale; the area then lands within a fraction of a percent
_TOLERANCE = 0.002  # stop once the area is this close to the target (fraction of the image)


def _blob(rng: np.random.Generator) -> Shape:
    """A smooth star-shaped outline: a circle whose radius wobbles with a few low harmonics
    (decaying as 1/k, so the outline stays smooth), stretched and turned."""
    theta = np.linspace(0, 2 * np.pi, 96, endpoint=False)
    radius = np.ones_like(theta)
    for k in range(2, 6):
        radius += rng.uniform(0, 0.3 / (k - 1)) * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    radius = np.maximum(radius, 0.25)
    stretch = rng.uniform(0.6, 1.0)
    pts = np.stack([radius * np.cos(theta) * stretch, radius * np.sin(theta)], 1)
    return [("poly", pts)]


def _person(rng: np.random.Generator) -> Shape:
    """A standing or walking person, about 1 unit tall: head, torso, two arms and two legs at random angles
    (limbs a little wider than life: a brush goes round a person with some margin)."""
    j = lambda s: rng.uniform(-s, s)  # noqa: E731 - jitter
    head_r = rng.uniform(0.055, 0.07)
    shoulder, hip = 0.11 + j(0.02), 0.08 + j(0.015)
    top, waist = -0.34, 0.05 + j(0.03)
    torso = np.array([[-shoulder, top], [shoulder, top], [hip, waist], [-hip, waist]])
    shape: Shape = [("disc", np.array([j(0.02), top - head_r - 0.02]), head_r), ("poly", torso),
                    ("line", np.array([0.0, top - 0.03]), np.array([0.0, top]), 0.06)]
    for side in (-1, 1):
        s0 = np.array([side * shoulder * 0.9, top + 0.03])
        a = np.pi / 2 - side * rng.uniform(0.05, 0.9)  # arm: from hanging down to raised sideways
        elbow = s0 + 0.17 * np.array([np.cos(a), np.sin(a)])
        a2 = a + j(0.8)
        shape += [("line", s0, elbow, 0.08), ("line", elbow, elbow + 0.16 * np.array([np.cos(a2), np.sin(a2)]), 0.07)]
        h0 = np.array([side * hip * 0.6, waist])
        b = np.pi / 2 - side * rng.uniform(-0.1, 0.35)  # leg: straight down to mid-stride
        knee = h0 + 0.25 * np.array([np.cos(b), np.sin(b)])
        b2 = np.pi / 2 + j(0.3)
        shape += [("line", h0, knee, 0.11), ("line", knee, knee + 0.25 * np.array([np.cos(b2), np.sin(b2)]), 0.09)]
    return shape


def _thing(rng: np.random.Generator) -> Shape:
    """A body with a few parts attached (an animal, a car, a chair, a bag): overlapping ellipses."""
    ra, rb = rng.uniform(0.3, 0.5), rng.uniform(0.15, 0.3)
    shape: Shape = [("poly", _ellipse(np.zeros(2), ra, rb, 0.0))]
    for _ in range(int(rng.integers(1, 5))):  # parts sit on the body's outline, so the whole stays one piece
        a = rng.uniform(0, 2 * np.pi)
        centre = rng.uniform(0.8, 1.0) * np.array([ra * np.cos(a), rb * np.sin(a)])
        shape.append(("poly", _ellipse(centre, rng.uniform(0.05, 0.2), rng.uniform(0.04, 0.12), rng.uniform(0, np.pi))))
    return shape


def _ellipse(centre: np.ndarray, a: float, b: float, angle: float) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, 48, endpoint=False)
    x, y = a * np.cos(t), b * np.sin(t)
    c, s = np.cos(angle), np.sin(angle)
    return np.stack([centre[0] + c * x - s * y, centre[1] + s * x + c * y], 1)


SHAPES = {"blob": _blob, "person": _person, "thing": _thing}


def _draw(shape: Shape, h: int, w: int, centre: np.ndarray, scale: float, rot: np.ndarray) -> np.ndarray:
    """The shape rasterised into a uint8 HxW mask, scaled by `scale` px per unit, turned by `rot`, at `centre`."""
    mask = np.zeros((h, w), np.uint8)
    place = lambda p: np.rint(np.asarray(p) @ rot.T * scale + centre).astype(np.int32)  # noqa: E731
    for part in shape:
        if part[0] == "poly":
            cv2.fillPoly(mask, [place(part[1])], 1)
        elif part[0] == "line":
            p0, p1 = place(part[1]), place(part[2])
            cv2.line(mask, (int(p0[0]), int(p0[1])), (int(p1[0]), int(p1[1])), 1, max(1, round(part[3] * scale)))
        else:
            c = place(part[1])
            cv2.circle(mask, (int(c[0]), int(c[1])), max(1, round(part[2] * scale)), 1, -1)
    return mask


def object_mask(h: int, w: int, rng: np.random.Generator, area: tuple[float, float] = OBJECT_AREA,
                kind: str | None = None) -> np.ndarray:
    """Bool HxW hole mask (True = hole): one object shape (blob, person or thing; random when None)
    whose hole area is a uniform draw from `area` (fractions of the image).

    The centre is placed so the shape mostly stays in frame; the scale is found by
    bisection on the area actually inside the image, so a shape cut by the border
    still covers its share.
    """
    kind = kind if kind is not None else tuple(SHAPES)[int(rng.integers(len(SHAPES)))]
    if kind not in SHAPES:
        raise ValueError(f"unknown object shape {kind!r}; known: {', '.join(SHAPES)}")
    lo, hi = area
    if not 0 < lo <= hi < 1:
        raise ValueError(f"area band {area} must lie inside (0, 1)")
    shape = SHAPES[kind](rng)
    target = rng.uniform(lo, hi)
    a = rng.uniform(-0.35, 0.35) if kind == "person" else rng.uniform(0, 2 * np.pi)  # people stand roughly upright
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    centre = np.array([rng.uniform(0.25, 0.75) * w, rng.uniform(0.25, 0.75) * h])
    small, big = 0.0, 8.0 * max(h, w)  # px per unit: nothing at all, and more than the whole frame
    best, best_gap = None, np.inf
    for _ in range(_SEARCH_STEPS):
        scale = 0.5 * (small + big)
        mask = _draw(shape, h, w, centre, scale, rot)
        frac = float(mask.mean())
        gap = abs(frac - target)
        if lo <= frac <= hi and gap < best_gap:
            best, best_gap = mask, gap
        if gap < _TOLERANCE:
            break
        small, big = (scale, big) if frac < target else (small, scale)
    if best is None:  # a tiny image where no scale lands in the band: the closest area below the band's top
        best = _draw(shape, h, w, centre, small, rot)
    return best.astype(bool)
