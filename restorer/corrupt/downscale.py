"""Pure degradations for upscaling: what turned a large clean photo into the small file a user
has. `clean` is the papers' protocol (antialiased bicubic, 8-bit file); `real` is a shuffled
mix of blur, downscaling by a random method, sensor noise and JPEG, after Real-ESRGAN/BSRGAN,
so that a soft or noisy scan comes back sharper rather than with its noise magnified."""
from __future__ import annotations

import cv2
import numpy as np

from ..resize import resize_float
from .camera import camera_noise
from .functional import gaussian_noise, jpeg_artifacts, quantise

DOWNSCALE_METHODS = ("bicubic", "bilinear", "area", "lanczos")


def small_size(h: int, w: int, scale: int) -> tuple[int, int]:
    """(width, height) of the small image; the large one is cropped to a multiple of scale first."""
    return max(1, w // scale), max(1, h // scale)


def gaussian_kernel(sigma_x: float, sigma_y: float, angle: float, size: int = 21) -> np.ndarray:
    """A normalised, possibly anisotropic and rotated Gaussian blur kernel."""
    r = size // 2
    y, x = np.mgrid[-r : r + 1, -r : r + 1].astype(np.float32)
    c, s = np.cos(angle), np.sin(angle)
    u, v = c * x + s * y, -s * x + c * y
    k = np.exp(-0.5 * ((u / sigma_x) ** 2 + (v / sigma_y) ** 2))
    return (k / k.sum()).astype(np.float32)


def random_blur(img: np.ndarray, rng: np.random.Generator, max_sigma: float) -> np.ndarray:
    """A lens, focus or print softness: an isotropic or anisotropic Gaussian blur."""
    sx = rng.uniform(0.2, max_sigma)
    sy = sx if rng.random() < 0.5 else rng.uniform(0.2, max_sigma)
    k = gaussian_kernel(sx, sy, rng.uniform(0, np.pi))
    return cv2.filter2D(img, -1, k, borderType=cv2.BORDER_REFLECT_101).reshape(img.shape)


def clean_small(large: np.ndarray, scale: int) -> np.ndarray:
    """The published protocol: antialiased bicubic downscale, saved as an 8-bit file."""
    h, w = large.shape[:2]
    return quantise(resize_float(large, small_size(h, w, scale), "bicubic"))


def real_small(large: np.ndarray, scale: int, rng: np.random.Generator) -> np.ndarray:
    """A realistic small file: blur, downscale by a random method (sometimes in two steps),
    then noise and JPEG in random order, clipped and rounded to 8 bits."""
    h, w = large.shape[:2]
    img = random_blur(large, rng, 0.5 + 0.6 * scale) if rng.random() < 0.8 else large
    if rng.random() < 0.3:  # two-step: the print shrank once, the scan once more
        mid = rng.uniform(1.0, scale)
        img = resize_float(img, (max(1, round(w / mid)), max(1, round(h / mid))), str(rng.choice(DOWNSCALE_METHODS)))
    img = resize_float(img, small_size(h, w, scale), str(rng.choice(DOWNSCALE_METHODS)))
    if rng.random() < 0.3:
        img = random_blur(img, rng, 1.2)
    steps = ["noise", "jpeg"]
    rng.shuffle(steps)
    for step in steps:
        if step == "noise" and rng.random() < 0.7:
            if rng.random() < 0.5:
                img = gaussian_noise(img, rng.uniform(1, 20) / 255, rng)
            else:
                img = camera_noise(np.clip(img, 0, 1), rng)
        elif step == "jpeg" and rng.random() < 0.7:
            img = jpeg_artifacts(np.clip(img, 0, 1), int(rng.integers(35, 96)))
    return quantise(img)
