"""Pure tiling helpers: where tiles go and how overlapping tiles are blended."""
from __future__ import annotations

import numpy as np


def tile_starts(length: int, tile: int, overlap: int) -> list[int]:
    """Start offsets covering [0, length) with tiles of `tile` overlapping by at
    least `overlap`; the last tile is flush with the end, so no tile is partial."""
    if tile >= length:
        return [0]
    stride = tile - overlap
    starts = list(range(0, length - tile, stride))
    starts.append(length - tile)
    return starts


def blend_window(tile_h: int, tile_w: int, overlap: int, edges: tuple[bool, bool, bool, bool]) -> np.ndarray:
    """Weights for one tile: 1 inside, a raised-cosine ramp over `overlap` pixels
    on each side that touches another tile (edges = top, bottom, left, right).
    The caller divides by the summed weights, so overlaps of any width blend
    smoothly and a tile's border, where it lacked context, counts least."""

    def ramp(n: int, start: bool, end: bool) -> np.ndarray:
        w = np.ones(n, np.float32)
        r = min(overlap, n // 2)
        if r > 0:
            up = (0.5 - 0.5 * np.cos(np.pi * (np.arange(r) + 0.5) / r)).astype(np.float32)
            if start:
                w[:r] = up
            if end:
                w[-r:] = up[::-1]
        return w

    top, bottom, left, right = edges
    return np.outer(ramp(tile_h, top, bottom), ramp(tile_w, left, right))


def pad_amount(size: int, multiple: int) -> int:
    return (-size) % multiple
