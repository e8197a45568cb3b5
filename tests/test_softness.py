"""The edge spread that tells oldphoto's denoise stage how soft a scan is (restorer/softness.py)."""
import cv2
import numpy as np

from restorer.corrupt.functional import quantise
from restorer.softness import edge_spread


def shapes(side: int = 192) -> np.ndarray:
    """Hard-edged shapes: a step and a disc on a grey ground."""
    img = np.full((side, side), 0.2, np.float32)
    img[:, side // 2:] = 0.8
    yy, xx = np.mgrid[:side, :side]
    img[(yy - side // 4) ** 2 + (xx - side // 4) ** 2 < (side // 6) ** 2] = 0.55
    return img


def scanned(img: np.ndarray, blur: float, grain: float, seed: int = 0) -> np.ndarray:
    soft = cv2.GaussianBlur(img, (0, 0), blur) if blur else img
    noisy = soft + np.random.default_rng(seed).normal(0, grain / 255, img.shape).astype(np.float32)
    return quantise(noisy)  # as an 8-bit file holds it


def test_the_spread_grows_with_the_blur_and_holds_under_grain():
    for grain in (0, 10, 20):
        spreads = [edge_spread(scanned(shapes(), blur, grain), noise=grain / 255) for blur in (0, 0.7, 1.0, 1.5, 2.0)]
        assert all(b > a + 0.1 for a, b in zip(spreads[1:], spreads[2:])), (grain, spreads)
        assert spreads[0] < 0.8 and 1.0 < spreads[2] < 1.4, (grain, spreads)  # blur 1.0 reads about 1.1-1.2 px


def test_a_photo_reads_the_same_in_colour_and_grey_and_a_blank_page_reads_nothing():
    img = scanned(shapes(), 1.0, 10)
    assert abs(edge_spread(np.repeat(img[..., None], 3, axis=2), noise=10 / 255) - edge_spread(img, noise=10 / 255)) < 1e-4
    assert np.isnan(edge_spread(np.full((64, 64), 0.5, np.float32)))
