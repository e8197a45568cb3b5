import numpy as np
import pytest

from restorer.noise_estimate import estimate_sigma

from .conftest import EXAMPLES


def _clean():
    from PIL import Image

    return np.asarray(Image.open(EXAMPLES / "clean" / "astronaut.png"), np.float32) / 255


@pytest.mark.parametrize("sigma", [5, 15, 25, 50])
def test_estimates_gaussian_level_within_ten_percent(sigma):
    img = _clean()
    noisy = img + np.random.default_rng(sigma).normal(0, sigma / 255, img.shape).astype(np.float32)
    assert estimate_sigma(noisy) * 255 == pytest.approx(sigma, rel=0.1)


def test_clean_image_has_low_estimate_and_tiny_image_is_safe():
    assert estimate_sigma(_clean()) * 255 < 3
    assert estimate_sigma(np.zeros((3, 3, 3), np.float32)) == 0.0
