"""Spreading colour hints over a photo: colorization by optimisation (Levin, Lischinski and
Weiss 2004), solved for the *correction* to the automatic colour rather than for the colour.

Neighbouring pixels of similar lightness should get similar corrections (Levin's affinity:
weights from lightness differences, scaled by the local lightness variance, and lowered where the
colorizer expects different colours on the two sides: Propagation.surface_gamma); hinted pixels
get the correction that makes them the hint's colour; and a weak pull toward no correction
(Propagation.prior) keeps the automatic colour away from the hints, so a hint on a face does not
recolour the sky behind it. Minimising

    sum_edges w_rs (d_r - d_s)^2 + prior sum_r d_r^2 + HINT_WEIGHT sum_hints (d_r - d_hint)^2

is one sparse symmetric positive-definite solve per photo (both chroma channels at once), at
a working size of at most WORK_SIDE on the long side, so its cost is bounded whatever the
photo's size; the correction is then upsampled (colour is low-frequency; the full-resolution
lightness carries the detail) and the hinted pixels themselves are set exactly.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import splu

from . import color as C
from .color_hints import Hints
from .resize import resize_long_side

# Long side of the solve. Measured on this 2-core machine (one thread, 20 hints): 1.6 s at
# 512x341, 0.54 s at 384x256 for the factorisation and both channels.
WORK_SIDE = 384
HINT_WEIGHT = 1e3  # against edge weights <= 1: the hinted pixels are as good as fixed
VARIANCE_FLOOR = 4.0  # (L units)^2: in flat areas tiny lightness steps must not cut the affinity


@dataclass(frozen=True)
class Propagation:
    """How far hints reach. Both chosen on held-out photos of the training sets
    (scripts/experiments/colorize_auto_sweep.py --part hints, docs/history/colorize.md)."""

    # Pull toward the automatic colour, per pixel, against edge weights of at most 1: a hint's
    # correction decays over about 1 / sqrt(prior) pixels of the working size in flat areas. Held out
    # (28 photos), 5 / 20 hints gained +2.41 / +4.01 dB over the automatic colour at 1e-5 and
    # +2.43 / +4.05 at 1e-6; on the bsds432 part alone 1e-4 gained +1.75 / +4.31 against +3.51 / +5.31
    # at 1e-5. 1e-6 and 1e-5 tie, and at 1e-5 a hint stays on its side of a strong edge (at 1e-6
    # about a quarter of it leaks across one into a flat region).
    prior: float = 1e-5
    # Levin's sigma^2 is the local lightness variance, which is large right at a step edge, so a
    # strong edge alone barely stops a hint (measured: a 30 -> 70 step let 99 % through); capping it
    # keeps textured areas connected and makes strong edges walls.
    variance_cap: float = 64.0
    # Each edge weight is also multiplied by BC ** surface_gamma, BC the Bhattacharyya coefficient of the
    # colorizer's distributions over ab bins at the two pixels, so a hint stops where the colorizer sees
    # another surface even at equal lightness (a red cap beside a face). The distributions are predicted
    # at low resolution and interpolated, so neighbours' BC is within a few thousandths of 1 and only a
    # large power separates them. Held out (28 photos), gamma 0 / 1024 / 4096 / 16384: 1 / 5 / 20 hints gained
    # +1.08 / +2.41 / +4.01, +0.96 / +2.39 / +4.16, +0.72 / +2.33 / +4.36 and +0.42 / +1.94 / +3.98 dB over the
    # automatic colour, and painted a wrong hue on 7.9 / 6.2 / 4.1 / 3.3 % of the pixels with 5 hints; 4096 has
    # the best mean of the 5- and 20-hint gains (scripts/experiments/colorize_hint_affinity.py, history).
    surface_gamma: float = 4096.0


PROPAGATION = Propagation()
# 8-connected: diagonal edges propagate as well as straight ones
_OFFSETS = ((0, 1), (1, 0), (1, 1), (1, -1))


def local_variance(lightness: np.ndarray) -> np.ndarray:
    """Variance of L in each pixel's 3x3 window (Levin's sigma_r^2)."""
    mean = cv2.blur(lightness, (3, 3), borderType=cv2.BORDER_REFLECT)
    sq = cv2.blur(lightness * lightness, (3, 3), borderType=cv2.BORDER_REFLECT)
    return np.maximum(sq - mean * mean, 0)


def surface_roots(probs: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Q x h x w distributions over ab bins (the colorizer's grid) -> their square roots at `shape` (h', w')."""
    p = cv2.resize(np.ascontiguousarray(probs.transpose(1, 2, 0), np.float32), shape[::-1], interpolation=cv2.INTER_LINEAR)
    p = p.reshape(*shape, -1).transpose(2, 0, 1)
    return np.sqrt(np.maximum(p, 0) / np.maximum(p.sum(0, keepdims=True), 1e-12))


def affinity_laplacian(lightness: np.ndarray, variance_cap: float = PROPAGATION.variance_cap,
                       roots: np.ndarray | None = None, surface_gamma: float = 0.0) -> sp.csr_matrix:
    """The graph Laplacian D - W of the 8-connected pixel grid, w_rs = exp(-(L_r - L_s)^2 / (2 sigma^2)),
    sigma^2 the two pixels' mean local variance (within VARIANCE_FLOOR..variance_cap); with roots (Q x H x W,
    surface_roots) also times BC(p_r, p_s) ** surface_gamma."""
    h, w = lightness.shape
    lightness = lightness.astype(np.float64)
    var = np.clip(local_variance(lightness), VARIANCE_FLOOR, max(variance_cap, VARIANCE_FLOOR))
    index = np.arange(h * w).reshape(h, w)
    rows, cols, weights = [], [], []
    for dy, dx in _OFFSETS:
        ys = slice(0, h - dy)
        xs, xt = (slice(0, w - dx), slice(dx, w)) if dx >= 0 else (slice(-dx, w), slice(0, w + dx))
        a, b = lightness[ys, xs], lightness[dy:, xt]
        sigma2 = 0.5 * (var[ys, xs] + var[dy:, xt])
        weight = np.exp(-((a - b) ** 2) / (2 * sigma2))
        if roots is not None and surface_gamma:
            bc = np.einsum("qhw,qhw->hw", roots[:, ys, xs], roots[:, dy:, xt])
            weight *= np.clip(bc, 0, 1) ** surface_gamma
        if dy and dx:
            weight /= np.sqrt(2)  # diagonal neighbours are further away
        rows.append(index[ys, xs].ravel())
        cols.append(index[dy:, xt].ravel())
        weights.append(weight.ravel())
    r, c, v = np.concatenate(rows), np.concatenate(cols), np.concatenate(weights)
    n = h * w
    adjacency = sp.coo_matrix((np.concatenate([v, v]), (np.concatenate([r, c]), np.concatenate([c, r]))), shape=(n, n))
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    return (sp.diags(degree) - adjacency).tocsr()


def solve_correction(lightness: np.ndarray, at: np.ndarray, target: np.ndarray,
                     how: Propagation = PROPAGATION, pull: np.ndarray | None = None,
                     guess: np.ndarray | None = None, probs: np.ndarray | None = None) -> np.ndarray:
    """HxW lightness, flat indices `at` of the hinted pixels and their N x 2 corrections ->
    HxWx2 correction field (zero where no hint reaches). pull (HxW) and guess (HxWx2): a further
    pull of that weight toward that correction per pixel (the non-local guess). probs (Q x h x w, any
    size): the colorizer's distributions, for the surface term of the affinity (None: lightness alone)."""
    h, w = lightness.shape
    if len(at) == 0:
        return np.zeros((h, w, 2), np.float32)
    # several hints on one working pixel: their mean
    count = np.bincount(at, minlength=h * w).astype(np.float64)
    hinted = count > 0
    rhs = np.stack([np.bincount(at, target[:, k].astype(np.float64), minlength=h * w) for k in range(2)], axis=1)
    rhs[hinted] /= count[hinted, None]
    mu = HINT_WEIGHT * hinted
    diagonal, rhs = how.prior + mu, mu[:, None] * rhs
    if pull is not None and guess is not None:
        diagonal = diagonal + pull.ravel()
        rhs += pull.reshape(-1, 1) * guess.reshape(-1, 2)
    roots = surface_roots(probs, (h, w)) if probs is not None and how.surface_gamma else None
    system = affinity_laplacian(lightness, how.variance_cap, roots, how.surface_gamma) + sp.diags(diagonal)
    # symmetric: a minimum-degree ordering of A + A^T factorises 2-3x faster than the default COLAMD
    lu = splu(system.tocsc(), permc_spec="MMD_AT_PLUS_A", options={"SymmetricMode": True})
    d = lu.solve(rhs)
    return d.reshape(h, w, 2).astype(np.float32)


def hint_pixels(hints: Hints, shape: tuple[int, ...], full_shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(rows, columns) of the hints, given in full-resolution pixels of a photo of full_shape, on a grid of shape."""
    h, w = shape[:2]
    fh, fw = full_shape[:2]
    return np.minimum((hints.ys * h / fh).astype(np.int64), h - 1), np.minimum((hints.xs * w / fw).astype(np.int64), w - 1)


def hint_correction(lightness_small: np.ndarray, ab_small: np.ndarray, hints: Hints, full_shape: tuple[int, ...],
                    how: Propagation = PROPAGATION, pull: np.ndarray | None = None,
                    guess: np.ndarray | None = None, probs: np.ndarray | None = None) -> np.ndarray:
    """hxwx2 correction to the automatic ab at working size: lightness_small and ab_small (the automatic
    colour) at that size, hints in full-resolution pixels of a photo of full_shape; probs: solve_correction's."""
    ys, xs = hint_pixels(hints, lightness_small.shape, full_shape)
    target = hints.ab - ab_small[ys, xs]
    return solve_correction(lightness_small, ys * lightness_small.shape[1] + xs, target, how, pull, guess, probs)


def working_lightness(grey: np.ndarray, side: int = WORK_SIDE) -> np.ndarray:
    """HxW grey sRGB -> its CIE L at the working size (the photo's own when small enough)."""
    return C.lightness_of_grey(grey if max(grey.shape) <= side else resize_long_side(grey, side))
