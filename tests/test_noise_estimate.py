import numpy as np
import pytest

import cv2

from restorer.corrupt.camera import camera_noise
from restorer.noise_estimate import NoiseReading, estimate_level, estimate_sigma

from .conftest import EXAMPLES


def _clean():
    from PIL import Image

    return np.asarray(Image.open(EXAMPLES / "clean" / "astronaut.png"), np.float32) / 255


@pytest.mark.parametrize("sigma", [5, 15, 25, 50])
def test_estimates_gaussian_level_within_ten_percent(sigma):
    img = _clean()
    noisy = img + np.random.default_rng(sigma).normal(0, sigma / 255, img.shape).astype(np.float32)
    assert estimate_sigma(noisy) * 255 == pytest.approx(sigma, rel=0.1)


@pytest.mark.parametrize("sigma", [25, 50])
def test_clipped_file_noise_is_read_where_the_clipping_did_not_reach(sigma):
    """An 8-bit file clips noise in dark and blown-out areas, which are often the flattest, so the plain
    estimate reads low (17 for 25, 34 for 50 here); the clipped reading finds the nominal level."""
    img = _clean()
    img[:200, :200] = 0.02  # a black area and a blown-out one, as flat as they come
    img[-200:, -200:] = 0.99
    noisy = np.clip(np.rint((img + np.random.default_rng(3).normal(0, sigma / 255, img.shape)) * 255), 0, 255) / 255
    clipped, plain = estimate_sigma(noisy, clipped=True) * 255, estimate_sigma(noisy) * 255
    assert clipped == pytest.approx(sigma, rel=0.05)
    assert plain < 0.8 * sigma


def test_clean_image_has_low_estimate_and_tiny_image_is_safe():
    assert estimate_sigma(_clean()) * 255 < 3
    assert estimate_sigma(np.zeros((3, 3, 3), np.float32)) == 0.0


@pytest.mark.parametrize("sigma", [5, 15, 25, 50])
def test_blind_level_reads_white_noise_as_the_full_resolution_estimate(sigma):
    img = _clean()
    noisy = img + np.random.default_rng(sigma).normal(0, sigma / 255, img.shape).astype(np.float32)
    assert estimate_level(noisy) * 255 == pytest.approx(sigma, rel=0.12)


def test_blind_level_sees_spatially_correlated_noise():
    """Camera noise after demosaicing and JPEG hides from 7x7 patches at full resolution;
    the blind level must still grow with it, and stay low on a clean photo."""
    img = _clean()
    rng = np.random.default_rng(0)
    noisy = [camera_noise(img, np.random.default_rng(s)) for s in range(4)]
    for n in noisy:
        rms = np.sqrt(((n - img) ** 2).mean())
        assert estimate_level(n) > 2 * estimate_sigma(n) or estimate_level(n) > 0.6 * rms
        assert estimate_level(n) > 0.35 * rms
    blurred = img + cv2.GaussianBlur(rng.normal(0, 12 / 255, img.shape).astype(np.float32), (0, 0), 1.0) * 2.5
    assert estimate_sigma(blurred) * 255 < 4 < estimate_level(blurred) * 255
    assert estimate_level(_clean()) * 255 < 4


def test_one_reading_gives_what_each_estimate_gives_alone():
    """A blind run reads the level, then maybe the clipped level, from one draw of patches
    (NoiseReading); the readings must be the ones the standalone estimates give."""
    img = _clean()
    noisy = np.clip(np.rint((img + np.random.default_rng(7).normal(0, 30 / 255, img.shape)) * 255), 0, 255) / 255
    noisy = noisy.astype(np.float32)
    reading = NoiseReading(noisy)
    assert reading.level() == estimate_level(noisy)
    assert reading.clipped() == estimate_sigma(noisy, clipped=True)
    assert reading.sigma() == estimate_sigma(noisy)
    assert reading.clipped() > reading.sigma()  # the file clipped some of the noise away
