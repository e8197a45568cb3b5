"""The exemplar fill behind `restore inpaint --fill texture`: it copies texture from the known
part of the photo into the hole, touches nothing else, repeats itself for a seed, and follows
the guide's colour where the photo offers more than one texture."""
from __future__ import annotations

import numpy as np
import pytest

from restorer.patch_fill import PatchFill, texture_fill


def stripes(h: int, w: int, period: int = 8) -> np.ndarray:
    """Vertical black-and-white bars with a coloured tint: a texture no smooth fill continues."""
    bars = ((np.arange(w) // (period // 2)) % 2).astype(np.float32)
    img = np.empty((h, w, 3), np.float32)
    img[:] = (0.15 + 0.7 * bars)[None, :, None]
    img[..., 0] *= 0.9
    return img


def square_hole(h: int, w: int, y: int, x: int, side: int) -> np.ndarray:
    hole = np.zeros((h, w), bool)
    hole[y : y + side, x : x + side] = True
    return hole


def psnr_in(a: np.ndarray, b: np.ndarray, hole: np.ndarray) -> float:
    return float(10 * np.log10(1 / max(float(np.mean((a[hole] - b[hole]) ** 2)), 1e-10)))


# the finest levels copying their parent's match (voting over 5x5 or 3x3 patches), or searching
@pytest.mark.parametrize("copy_levels, copy_radius", [(0, 2), (1, 2), (1, 1), (2, 1)])
def test_texture_continues_into_the_hole_where_a_smooth_guide_only_has_the_mean(copy_levels, copy_radius):
    clean = stripes(128, 128)
    hole = square_hole(128, 128, 44, 44, 40)
    flat = np.where(hole[..., None], clean[hole].mean(0), clean).astype(np.float32)  # what a blur would give
    out = texture_fill(np.where(hole[..., None], 0.5, clean).astype(np.float32), hole, flat,
                       PatchFill(copy_levels=copy_levels, copy_radius=copy_radius))
    assert out[hole].std() > 0.7 * clean[hole].std()  # bars, not a grey patch
    assert psnr_in(out, clean, hole) > psnr_in(flat, clean, hole) + 6  # and in phase with the bars around it


def test_only_hole_pixels_change_and_nothing_under_the_hole_is_read():
    clean = stripes(96, 112)
    hole = square_hole(96, 112, 30, 40, 30)
    other = clean.copy()
    other[hole] = 1 - other[hole]
    a, b = (texture_fill(img, hole, seed=3) for img in (clean, other))
    assert np.array_equal(a, b)
    assert np.array_equal(a[~hole], clean[~hole])
    assert a.dtype == np.float32 and 0 <= a.min() and a.max() <= 1


def test_a_seed_repeats_the_fill():
    rng = np.random.default_rng(0)
    img = rng.uniform(0, 1, (80, 80, 3)).astype(np.float32)
    hole = square_hole(80, 80, 20, 20, 30)
    assert np.array_equal(texture_fill(img, hole, seed=5), texture_fill(img, hole, seed=5))
    assert not np.array_equal(texture_fill(img, hole, seed=5), texture_fill(img, hole, seed=6))


def test_the_guide_chooses_between_two_textures():
    """Red grain above, blue grain below, the hole on their border: the guide's colour decides."""
    rng = np.random.default_rng(1)
    h, w = 128, 128
    grain = rng.normal(0, 0.08, (h, w, 1)).astype(np.float32)
    img = np.where(np.arange(h)[:, None, None] < h // 2, [0.8, 0.2, 0.2], [0.2, 0.2, 0.8]).astype(np.float32)
    img = np.clip(img + grain, 0, 1).astype(np.float32)
    hole = square_hole(h, w, 44, 44, 40)
    for colour, channel in (([0.8, 0.2, 0.2], 0), ([0.2, 0.2, 0.8], 2)):
        guide = np.where(hole[..., None], np.float32(colour), img).astype(np.float32)
        out = texture_fill(img, hole, guide, PatchFill(guide_weight=2.0))
        assert out[hole][:, channel].mean() > 0.6, colour
        assert out[hole].std(0).max() > 0.04  # the grain came along, not a flat colour


def test_a_hole_with_almost_nothing_around_it_falls_back_to_a_smooth_fill():
    img = stripes(20, 20)
    hole = np.ones((20, 20), bool)
    hole[:2] = False  # two known rows: too few for a single 7x7 patch
    out = texture_fill(img, hole)
    assert np.isfinite(out).all() and np.array_equal(out[~hole], img[~hole])


def test_a_copy_vote_wider_than_the_matched_patches_is_refused():
    with pytest.raises(ValueError, match="copy_radius"):
        PatchFill(radius=2, copy_radius=3)  # it would read past the known patch, into the hole
