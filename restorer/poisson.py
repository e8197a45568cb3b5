"""Poisson image blending (Pérez et al. 2003) in its membrane form: inside a
region the result is fg + d, where d is the smooth (harmonic) function that
equals bg - fg just outside the region. Same answer as OpenCV's seamlessClone
(NORMAL_CLONE) with fg's gradients as the guidance, but it also works where the
region touches the image border (Neumann there) and needs no 8-bit round trip.

Used by the paste harmoniser as its starting point: the U-Net corrects what
Poisson gets wrong (tone changes that are not an offset) instead of relearning
what Poisson already gets right."""
from __future__ import annotations

import cv2
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.linalg import splu

MAX_UNKNOWNS = 300_000  # larger regions are solved on a downscaled grid (d is smooth): bounded memory and time
_EPS = 1e-6  # keeps a region with no outside neighbour (the whole image) solvable: d -> 0 there


def poisson_blend(fg: np.ndarray, bg: np.ndarray, region: np.ndarray) -> np.ndarray:
    """HxWx3 float32: bg outside `region` (bool HxW), Poisson-blended fg inside."""
    out = bg.astype(np.float32).copy()
    if not region.any():
        return out
    diff = (bg - fg).astype(np.float64)
    n = int(region.sum())
    if n > MAX_UNKNOWNS:
        d = _coarse_membrane(diff, region, n)
    else:
        d = np.zeros_like(diff)
        d[region] = _membrane(diff, region)
    out[region] = (fg[region] + d[region]).astype(np.float32)
    return out


def _membrane(diff: np.ndarray, region: np.ndarray) -> np.ndarray:
    """(n, C) values inside `region` of the harmonic function with diff's values just outside it."""
    h, w = region.shape
    idx = -np.ones((h, w), np.int64)
    ys, xs = np.nonzero(region)
    n = len(ys)
    idx[ys, xs] = np.arange(n)
    rows, cols, vals = [np.arange(n)], [np.arange(n)], [np.full(n, _EPS)]
    rhs = np.zeros((n, diff.shape[2]))
    degree = np.zeros(n)
    for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1)):
        ny, nx = ys + dy, xs + dx
        ok = (ny >= 0) & (ny < h) & (nx >= 0) & (nx < w)  # off-image: no neighbour (Neumann)
        me, ny, nx = np.nonzero(ok)[0], ny[ok], nx[ok]
        degree[me] += 1
        inside = idx[ny, nx] >= 0
        rows.append(me[inside]), cols.append(idx[ny[inside], nx[inside]]), vals.append(-np.ones(inside.sum()))
        np.add.at(rhs, me[~inside], diff[ny[~inside], nx[~inside]])
    rows.append(np.arange(n)), cols.append(np.arange(n)), vals.append(degree)
    a = coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)).tocsc()
    return splu(a).solve(rhs)


def _coarse_membrane(diff: np.ndarray, region: np.ndarray, n: int) -> np.ndarray:
    """HxWxC d solved on a grid shrunk to about MAX_UNKNOWNS region pixels, then enlarged."""
    h, w = region.shape
    s = float(np.sqrt(MAX_UNKNOWNS / n))
    sh, sw = max(2, round(h * s)), max(2, round(w * s))
    small_region = cv2.resize(region.astype(np.uint8), (sw, sh), interpolation=cv2.INTER_NEAREST).astype(bool)
    small = cv2.resize(diff.astype(np.float32), (sw, sh), interpolation=cv2.INTER_AREA).astype(np.float64)
    d_small = small.copy()
    if small_region.any():
        d_small[small_region] = _membrane(small, small_region)
    d = cv2.resize(d_small.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    return d.reshape(h, w, -1).astype(np.float64)
