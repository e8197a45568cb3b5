"""Poisson blending (the harmoniser's starting point): exact where the answer is known."""
import cv2
import numpy as np

from restorer import poisson
from restorer.poisson import poisson_blend

from .conftest import smooth_image


def _disc(h: int, w: int, cy: int, cx: int, r: int) -> np.ndarray:
    m = np.zeros((h, w), np.uint8)
    cv2.circle(m, (cx, cy), r, 1, -1)
    return m.astype(bool)


def test_an_offset_paste_is_undone_and_the_outside_is_untouched():
    bg = smooth_image(64, 80, 3)
    fg = bg + np.array([0.2, -0.1, 0.05], np.float32)  # same content, another exposure
    region = _disc(64, 80, 30, 40, 15)
    out = poisson_blend(fg, bg, region)
    assert np.array_equal(out[~region], bg[~region])
    assert np.abs(out[region] - bg[region]).max() < 1e-4  # gradients of fg + bg's boundary = bg itself


def test_regions_touching_the_border_and_covering_everything_are_solved():
    bg = smooth_image(48, 48, 1)
    fg = bg * 0.7
    corner = np.zeros((48, 48), bool)
    corner[:20, :20] = True  # touches two image edges: no boundary values there (Neumann)
    out = poisson_blend(fg, bg, corner)
    assert np.isfinite(out).all() and np.abs(out[corner] - bg[corner]).mean() < np.abs(fg[corner] - bg[corner]).mean()
    everything = np.ones((48, 48), bool)  # no outside at all: fg is kept
    assert np.allclose(poisson_blend(fg, bg, everything), fg, atol=1e-4)


def test_a_huge_region_is_solved_on_a_coarse_grid_close_to_the_exact_answer(monkeypatch):
    bg = smooth_image(96, 96, 2)
    fg = bg + 0.15
    region = _disc(96, 96, 48, 48, 30)
    exact = poisson_blend(fg, bg, region)
    monkeypatch.setattr(poisson, "MAX_UNKNOWNS", int(region.sum()) // 4)
    coarse = poisson_blend(fg, bg, region)
    assert np.abs(coarse[region] - exact[region]).mean() < 0.01
    assert np.array_equal(coarse[~region], bg[~region])
