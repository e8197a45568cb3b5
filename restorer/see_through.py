"""Repair that keeps what shows through translucent damage (stains, foxing, faint wide marks).

An inpainting fill replaces a hole with what its border suggests: right for an opaque scratch, but
inside a wide translucent stain it throws away the photo that is still visible there and paints a
smooth guess instead. A translucent mark of roughly even opacity maps the photo under it through an
affine map per colour channel (scan = photo * (1 - a) + tone * a), so it is undone by the inverse
map, fitted where the fill is trustworthy: the strip just inside the mark's edge, whose fill comes
from pixels a few px away. Opaque marks, whose inside holds less detail than the photo around
them, keep the fill; so do thin marks (all edge), whose detail is the mark itself. Pure functions
on float32 HxWxC arrays in [0, 1].
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np


@dataclass(frozen=True)
class SeeThrough:
    band: float = 2.0  # px inside a mark's edge that keep the fill (a tideline, the edge of a scratch)
    width: float = 4.0  # px of the strip inside `band` where the inverse map is fitted to the fill
    sigma: float = 2.0  # Gaussian scale (px) of the tone the fit compares (grain averaged out)
    min_ratio: float = 0.15  # inside detail energy over the surroundings' from which a mark is translucent (opacity < ~0.6)
    max_gain: float = 3.0  # the most contrast the inverse map gives back (a mark of opacity 2/3)
    ring: int = 6  # px around a mark whose detail its inside is compared with
    min_fit: int = 20  # fewer strip pixels than this: too small to fit, keep the fill
    contrast_from: Literal["detail", "fit"] = "detail"  # the gain: the surroundings' detail energy over the inside's,
    # or a least-squares fit of the tone on the strip (inverse_map; a tie on held-out crops)
    detail_power: float = 0.5  # the tone is scaled by the gain, the fine detail (it carries the grain) by gain ** this


def interior(mask: np.ndarray, band: float) -> tuple[np.ndarray, np.ndarray]:
    """(distance in px from each masked pixel to the mask's edge, float32 weight: 0 outside the mask
    and within `band` px of its edge, rising to 1 at 2 x band)."""
    dist = cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 5)
    return dist, np.clip((dist - band) / max(band, 1e-6), 0, 1).astype(np.float32)


def inverse_map(scan: np.ndarray, fill: np.ndarray, max_gain: float) -> tuple[np.ndarray, np.ndarray]:
    """Per channel (gain, offset) with gain * scan + offset ~ fill in least squares, the gain held to
    [1, max_gain] (a stain only ever flattens contrast). scan, fill: N x C samples."""
    xm, ym = scan.mean(axis=0), fill.mean(axis=0)
    var = ((scan - xm) ** 2).mean(axis=0)
    cov = ((scan - xm) * (fill - ym)).mean(axis=0)
    gain = np.clip(np.where(var > 1e-6, cov / np.maximum(var, 1e-12), 1.0), 1.0, max_gain)
    return gain.astype(np.float32), (ym - gain * xm).astype(np.float32)


def see_through(scan: np.ndarray, filled: np.ndarray, mask: np.ndarray, p: SeeThrough = SeeThrough()) -> np.ndarray:
    """`filled` (the inpainted scan) with each translucent piece of `mask` (bool HxW) replaced, inside
    its edge band, by the scan under that piece's inverse map, blended in from the band. Outside the
    mask the result is `filled` exactly."""
    dist, inside = interior(mask, p.band)
    if not inside.any():
        return filled
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * p.ring + 1,) * 2)
    margin = max(p.ring, int(np.ceil(4 * p.sigma)))  # each piece is worked on in its box, with room for the blur
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    out = filled.copy()
    h, w = mask.shape
    for label in range(1, count):
        x, y, bw, bh, _ = stats[label]
        if min(bw, bh) <= 2 * p.band:
            continue  # too thin to have an inside
        box = (slice(max(y - margin, 0), min(y + bh + margin, h)), slice(max(x - margin, 0), min(x + bw + margin, w)))
        piece = labels[box] == label
        core = piece & (inside[box] > 0)
        strip = piece & (dist[box] >= p.band) & (dist[box] < p.band + p.width)
        if not core.any() or strip.sum() < p.min_fit:
            continue
        scan_box = scan[box]
        tone_scan = cv2.GaussianBlur(scan_box, (0, 0), p.sigma).reshape(scan_box.shape)
        detail = scan_box - tone_scan
        energy = detail ** 2
        around = cv2.dilate(piece.astype(np.uint8), kernel).astype(bool) & ~mask[box]
        if not around.any():
            continue
        e_in, e_out = energy[core].mean(axis=0), energy[around].mean(axis=0)
        if e_in.mean() < p.min_ratio * e_out.mean():
            continue  # opaque: nothing shows through
        tone_fill = cv2.GaussianBlur(filled[box], (0, 0), p.sigma).reshape(scan_box.shape)
        if p.contrast_from == "fit":
            gain, offset = inverse_map(tone_scan[strip], tone_fill[strip], p.max_gain)
        else:
            gain = np.clip(np.sqrt(e_out / np.maximum(e_in, 1e-10)), 1.0, p.max_gain).astype(np.float32)
            offset = (tone_fill[strip] - tone_scan[strip] * gain).mean(axis=0)
        under = tone_scan[core] * gain + offset + detail[core] * gain ** p.detail_power
        wgt = inside[box][core][:, None]
        out[box][core] = np.clip(filled[box][core] * (1 - wgt) + under * wgt, 0, 1)
    return out
