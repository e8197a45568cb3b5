"""The realistic noise pipeline (restorer/corrupt/camera.py) has the statistics it claims."""
from __future__ import annotations

import numpy as np
import pytest

from restorer.corrupt import camera as cam

from .conftest import smooth_image


def test_shot_noise_variance_grows_with_intensity():
    rng = np.random.default_rng(0)
    levels = [0.05, 0.2, 0.8]
    variances = [np.var(cam.poisson_gaussian(np.full((200, 200), v, np.float32), 200, 0.002, rng)) for v in levels]
    assert variances[0] < variances[1] < variances[2]
    assert variances[2] == pytest.approx(0.8 / 200 + 0.002**2, rel=0.05)  # shot + read


def test_poisson_gaussian_keeps_the_mean():
    x = np.full((300, 300), 0.3, np.float32)
    assert cam.poisson_gaussian(x, 100, 0.01, np.random.default_rng(1)).mean() == pytest.approx(0.3, abs=2e-3)


def test_demosaicing_correlates_neighbouring_pixels():
    rng = np.random.default_rng(2)
    white = rng.normal(0, 0.05, (256, 256, 3)).astype(np.float32)
    out = cam.demosaic_bilinear(cam.mosaic(white))[..., 1]
    corr = lambda a: np.corrcoef(a[:, :-1].ravel(), a[:, 1:].ravel())[0, 1]
    assert abs(corr(white[..., 1])) < 0.05 and corr(out) > 0.2


def test_demosaic_of_a_flat_image_is_exact():
    flat = np.full((16, 16, 3), (0.2, 0.5, 0.7), np.float32)
    assert np.allclose(cam.demosaic_bilinear(cam.mosaic(flat)), flat, atol=1e-6)


def test_colour_matrix_keeps_grey_and_correlates_channels():
    ccm = cam.random_ccm(np.random.default_rng(3))
    assert np.allclose(ccm.sum(axis=1), 1) and (np.diag(ccm) > 1).all()
    noise = np.random.default_rng(4).normal(0, 0.05, (100_000, 3)).astype(np.float32) @ ccm.T
    assert np.corrcoef(noise.T)[0, 1] < -0.05  # negative cross-talk anti-correlates the channels


def test_camera_noise_is_a_file_clipped_rounded_and_seeded():
    clean = smooth_image(96, 96)
    a = cam.camera_noise(clean, np.random.default_rng(5))
    assert np.array_equal(a, cam.camera_noise(clean, np.random.default_rng(5)))
    assert a.min() >= 0 and a.max() <= 1 and np.allclose(a * 255, np.rint(a * 255), atol=1e-4)
    deep = cam.camera_noise(clean, np.random.default_rng(5), bits=16)
    assert np.allclose(deep * 65535, np.rint(deep * 65535), atol=1e-2)
    assert 0.5 / 255 < np.sqrt(((a - clean) ** 2).mean()) < 60 / 255


def test_srgb_round_trip():
    x = np.linspace(0, 1, 101, dtype=np.float32)
    assert np.allclose(cam.linear_to_srgb(cam.srgb_to_linear(x)), x, atol=1e-5)
