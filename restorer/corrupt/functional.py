"""Pure corruption functions on float32 HxWxC images in [0, 1]. No randomness
of their own: the caller passes an np.random.Generator so pipelines are seedable."""
from __future__ import annotations

import io

import numpy as np
from PIL import Image


def quantise(img: np.ndarray, bits: int = 8) -> np.ndarray:
    """The image as an 8- or 16-bit file holds it, clipped and rounded (still float32 in [0, 1]):
    what a user saves, what benchmarks score and feed their methods, what training inputs are."""
    levels = (1 << bits) - 1
    return np.rint(np.clip(img, 0, 1) * levels).astype(np.float32) / levels


def gaussian_noise(img: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Additive white Gaussian noise; sigma on the 0-1 scale. Not clipped (the
    published AWGN protocol), so the noise stays zero-mean at black and white."""
    return img + rng.normal(0.0, sigma, img.shape).astype(np.float32)


def poisson_noise(img: np.ndarray, photons: float, rng: np.random.Generator) -> np.ndarray:
    """Shot noise as a sensor sees it: `photons` = electrons at full white, so
    fewer photons = higher ISO. Signal-dependent, unlike Gaussian noise."""
    return (rng.poisson(np.clip(img, 0, 1) * photons) / photons).astype(np.float32)


def jpeg_artifacts(img: np.ndarray, quality: int) -> np.ndarray:
    """Round-trip through JPEG at the given quality (8-bit, 4:2:0 like cameras)."""
    u8 = np.clip(np.rint(img * 255), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(u8.squeeze()).save(buf, "JPEG", quality=int(quality))
    out = np.asarray(Image.open(buf), dtype=np.float32) / 255
    return out.reshape(img.shape)
