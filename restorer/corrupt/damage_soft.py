"""Damage as scans of real prints show it: soft, anti-aliased marks down to sub-pixel widths,
with halos, broken segments, crack networks, creases, tidelined stains and dust of one polarity.

Same contract as damage.py (float32 HxWx3 in [0, 1] and a Generator in; damaged image and bool
mask out), but each kind renders an opacity layer and the label is where the opacity reaches
LABEL_ALPHA and the picture visibly changed: fainter halos and a crease's tone shift change pixels
without being labelled, as nobody would retouch them on a real print.
"""
from __future__ import annotations

import cv2
import numpy as np

from .damage_draw import Damage, Layer, crack_paths, halo, log_width, per_area, pieces, soft_finish, walk


def fine_scratches(img: np.ndarray, rng: np.random.Generator) -> Damage:
    """1-5 long emulsion scratches 0.3-3 px wide, irregular in width, often broken, with a soft halo;
    mostly bright (emulsion scraped off), sometimes dark."""
    h, w = img.shape[:2]
    layer, bright = Layer(h, w), rng.random() < 0.8
    for _ in range(int(rng.integers(1, 6))):
        length = rng.uniform(0.3, 1.2) * np.hypot(h, w)
        pts = walk(rng, (rng.uniform(0, w), rng.uniform(0, h)), rng.uniform(0, 2 * np.pi), length, 3.0, rng.uniform(0.005, 0.04))
        base, opacity = log_width(rng, 0.3, 3.0), rng.uniform(0.5, 1.0)
        for piece in pieces(rng, pts, rng.random() < 0.5):
            width = base * rng.uniform(0.6, 1.5)
            layer.path(piece, max(width, 0.25), opacity * min(1.0, rng.uniform(0.8, 1.2)))
    tone = rng.uniform(0.85, 1.0) if bright else rng.uniform(0.02, 0.2)
    return soft_finish(img, halo(layer.alpha(), rng), np.full(3, tone, np.float32))


def hairline_cracks(img: np.ndarray, rng: np.random.Generator) -> Damage:
    """Branching cracks 0.3-1.2 px wide, jagged, dark or light, anti-aliased."""
    h, w = img.shape[:2]
    layer = Layer(h, w)
    for _ in range(int(rng.integers(1, 3))):
        for pts in crack_paths(rng, h, w, wiggle=rng.uniform(0.2, 0.45)):
            layer.path(pts, log_width(rng, 0.3, 1.2), rng.uniform(0.6, 1.0))
    tone = rng.uniform(0.02, 0.3) if rng.random() < 0.6 else rng.uniform(0.8, 1.0)
    return soft_finish(img, halo(layer.alpha(), rng), np.full(3, tone, np.float32))


def craquelure(img: np.ndarray, rng: np.random.Generator) -> Damage:
    """A network of fine cracks over part of the print: the zero lines of a smooth random field,
    drawn with an anti-aliased width from the field's distance estimate |f| / |grad f|."""
    h, w = img.shape[:2]
    field = cv2.GaussianBlur(rng.standard_normal((h, w)).astype(np.float32), (0, 0), rng.uniform(3.0, 9.0))
    gy, gx = np.gradient(field)
    distance = np.abs(field) / (np.hypot(gx, gy) + 1e-6)
    width = log_width(rng, 0.4, 1.5)
    alpha = np.clip(width / 2 + 0.5 - distance, 0, 1)
    region = cv2.GaussianBlur(rng.standard_normal((h, w)).astype(np.float32), (0, 0), max(h, w) / 6)
    region = (region - region.min()) / (np.ptp(region) + 1e-6)
    alpha *= region > rng.uniform(0.2, 0.7)  # only part of the print has crazed
    alpha *= rng.uniform(0.5, 0.95)
    tone = rng.uniform(0.05, 0.3) if rng.random() < 0.6 else rng.uniform(0.8, 1.0)
    return soft_finish(img, alpha.astype(np.float32), np.full(3, tone, np.float32))


def creases(img: np.ndarray, rng: np.random.Generator) -> Damage:
    """A fold: a light line of cracked emulsion beside a dark shadow line, and the tone of one side
    shifted where the paper bent (not labelled: that side is intact). Half of them cut a corner."""
    h, w = img.shape[:2]
    if rng.random() < 0.5:  # across a corner
        a, b = rng.uniform(0.15, 0.6) * w, rng.uniform(0.15, 0.6) * h
        ends = np.array([[a, 0.0], [0.0, b]])
        if rng.random() < 0.5:
            ends[:, 0] = w - 1 - ends[:, 0]
        if rng.random() < 0.5:
            ends[:, 1] = h - 1 - ends[:, 1]
        start, d = ends[0], ends[1] - ends[0]
    else:
        angle = rng.uniform(0, np.pi)
        centre = np.array([rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h])
        d = np.hypot(h, w) * np.array([np.cos(angle), np.sin(angle)])
        start = centre - d / 2
    length = float(np.hypot(*d))
    pts = walk(rng, tuple(start), float(np.arctan2(d[1], d[0])), length, 3.0, 0.01)
    normal = np.array([-d[1], d[0]]) / max(length, 1e-6)
    light, dark = Layer(h, w), Layer(h, w)
    for piece in pieces(rng, pts, True):
        light.path(piece, log_width(rng, 0.5, 2.5), rng.uniform(0.6, 1.0))
    dark.path(pts + normal * rng.uniform(1.0, 3.0), log_width(rng, 0.5, 1.5), rng.uniform(0.35, 0.7))
    yy, xx = np.mgrid[0:h, 0:w]
    side = ((xx - start[0]) * normal[0] + (yy - start[1]) * normal[1]) > 0
    base = img.copy()
    base[side] = np.clip(base[side] * rng.uniform(0.93, 1.06) + rng.uniform(-0.02, 0.02), 0, 1)
    out, mask_dark = soft_finish(img, dark.alpha(), np.full(3, rng.uniform(0.05, 0.3), np.float32), base)
    out, mask_light = soft_finish(img, light.alpha(), np.full(3, rng.uniform(0.8, 1.0), np.float32), out)
    return out, mask_dark | mask_light


def foxing(img: np.ndarray, rng: np.random.Generator) -> Damage:
    """Water stains with a darker tideline and soft edges, and rust-brown foxing spots."""
    h, w = img.shape[:2]
    alpha = np.zeros((h, w), np.float32)
    brown = np.array([rng.uniform(0.5, 0.75), rng.uniform(0.35, 0.55), rng.uniform(0.15, 0.35)], np.float32)
    if rng.random() < 0.7:
        field = cv2.GaussianBlur(rng.standard_normal((h, w)).astype(np.float32), (0, 0), rng.uniform(8, 30))
        blob = (field > np.quantile(field, 1 - rng.uniform(0.03, 0.3))).astype(np.uint8)
        ring = blob - cv2.erode(blob, np.ones((3, 3), np.uint8), iterations=int(rng.integers(1, 3)))
        inside = rng.uniform(0.3, 0.55)
        alpha = np.maximum(alpha, blob * inside + ring * rng.uniform(0.15, 0.3))
        alpha = cv2.GaussianBlur(alpha, (0, 0), rng.uniform(0.6, 1.5))  # the edge fades below the label
    layer = Layer(h, w)
    for _ in range(int(rng.integers(0, 25) * per_area(h, w))):
        r = rng.uniform(0.7, 4.0)
        layer.spot((rng.uniform(0, w), rng.uniform(0, h)), (r, r * rng.uniform(0.6, 1.0)), rng.uniform(0, 180), rng.uniform(0.4, 0.85))
    spots = cv2.GaussianBlur(layer.alpha(), (0, 0), 0.7)
    return soft_finish(img, np.maximum(alpha, spots), brown * rng.uniform(0.6, 1.0))


def specks(img: np.ndarray, rng: np.random.Generator) -> Damage:
    """Dust and hairs on the scanner glass: from sub-pixel to 4 px, soft-edged, all dark (a print)
    or all bright (a scanned negative) in one photo."""
    h, w = img.shape[:2]
    layer = Layer(h, w)
    for _ in range(int(rng.integers(8, 60) * per_area(h, w))):
        r = log_width(rng, 0.4, 4.0)
        layer.spot((rng.uniform(0, w), rng.uniform(0, h)), (r, r * rng.uniform(0.5, 1.0)), rng.uniform(0, 180), rng.uniform(0.6, 1.0))
    for _ in range(int(rng.integers(0, 5))):
        pts = walk(rng, (rng.uniform(0, w), rng.uniform(0, h)), rng.uniform(0, 2 * np.pi), rng.uniform(15, 90), 1.5, 0.25)
        layer.path(pts, log_width(rng, 0.4, 1.5), rng.uniform(0.6, 1.0))
    alpha = cv2.GaussianBlur(layer.alpha(), (0, 0), rng.uniform(0.3, 0.8))
    tone = rng.uniform(0.0, 0.2) if rng.random() < 0.7 else rng.uniform(0.85, 1.0)
    return soft_finish(img, alpha, np.full(3, tone, np.float32))
