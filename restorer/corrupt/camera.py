"""Camera noise as files hold it: pure functions on float32 HxWx3 images in [0, 1].

Real noise is born in the sensor, before the camera's processing, so it is added
there: the photo is taken back to linear light and to the camera's own colour space
(an inverse colour-correction matrix), sampled through a Bayer mosaic, given shot
noise (Poisson, variance proportional to the signal, a gain per channel) and read
noise (Gaussian), demosaiced bilinearly (neighbours now correlate), brought back
through the matrix (channels now correlate) and the tone curve, sometimes
downscaled, JPEG-compressed at a camera's quality, and finally stored as a file
stores it: clipped and rounded to 8 or 16 bits. No randomness of its own: the caller
passes an np.random.Generator.
"""
from __future__ import annotations

import cv2
import numpy as np

from .functional import jpeg_artifacts, quantise


def srgb_to_linear(img: np.ndarray) -> np.ndarray:
    img = np.clip(img, 0, 1)
    return np.where(img <= 0.04045, img / 12.92, ((img + 0.055) / 1.055) ** 2.4).astype(np.float32)


def linear_to_srgb(img: np.ndarray) -> np.ndarray:
    img = np.clip(img, 0, 1)
    return np.where(img <= 0.0031308, img * 12.92, 1.055 * img ** (1 / 2.4) - 0.055).astype(np.float32)


def random_ccm(rng: np.random.Generator, strength: float = 0.3) -> np.ndarray:
    """A colour-correction matrix (camera RGB -> sRGB primaries) like a camera's: rows sum to
    one (grey stays grey), positive diagonal, negative off-diagonal cross-talk."""
    off = -rng.uniform(0, strength, (3, 3))
    np.fill_diagonal(off, 0)
    ccm = off + np.diag(1 - off.sum(axis=1))
    return ccm.astype(np.float32)


def mosaic(img: np.ndarray) -> np.ndarray:
    """HxWx3 -> HxW RGGB Bayer samples (one colour per pixel)."""
    raw = img[..., 1].copy()
    raw[0::2, 0::2] = img[0::2, 0::2, 0]
    raw[1::2, 1::2] = img[1::2, 1::2, 2]
    return raw


_KERNEL_G = np.array([[0, 1, 0], [1, 4, 1], [0, 1, 0]], np.float32) / 4
_KERNEL_RB = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], np.float32) / 4


def demosaic_bilinear(raw: np.ndarray) -> np.ndarray:
    """HxW RGGB -> HxWx3 by bilinear interpolation of each colour's samples."""
    h, w = raw.shape
    masks = np.zeros((3, h, w), np.float32)
    masks[0, 0::2, 0::2] = 1
    masks[2, 1::2, 1::2] = 1
    masks[1] = 1 - masks[0] - masks[2]
    out = np.empty((h, w, 3), np.float32)
    for c, k in ((0, _KERNEL_RB), (1, _KERNEL_G), (2, _KERNEL_RB)):
        out[..., c] = cv2.filter2D(raw * masks[c], -1, k, borderType=cv2.BORDER_REFLECT_101)
    return out


def poisson_gaussian(linear: np.ndarray, photons: float, read_sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Shot noise (variance = signal / photons) plus read noise, in the Gaussian approximation
    that keeps the mean exactly (values a matrix pushed below zero get read noise only)."""
    var = np.clip(linear, 0, None) / photons + read_sigma**2
    return (linear + np.sqrt(var) * rng.standard_normal(linear.shape)).astype(np.float32)


def camera_noise(clean: np.ndarray, rng: np.random.Generator, bits: int = 8) -> np.ndarray:
    """A noisy file of the clean photo as a camera at a random ISO would have written it."""
    ccm = random_ccm(rng)
    gains = np.array([rng.uniform(1.3, 2.5), 1.0, rng.uniform(1.3, 2.5)], np.float32)  # white balance
    # camera space: before the matrix and white balance, so the sensor sees less red and blue
    cam = (srgb_to_linear(clean) @ np.linalg.inv(ccm).T) / gains
    photons = 10 ** rng.uniform(1.8, 3.6)  # electrons at full scale: fewer = higher ISO
    read = 10 ** rng.uniform(-3.3, -2.0)
    if rng.random() < 0.8:
        noisy_cam = demosaic_bilinear(poisson_gaussian(mosaic(cam), photons, read, rng))
        noisy_cam += cam - demosaic_bilinear(mosaic(cam))  # only the noise is interpolated, not the detail
    else:
        noisy_cam = poisson_gaussian(cam, photons, read, rng)
    noisy = linear_to_srgb((noisy_cam * gains) @ ccm.T)
    if rng.random() < 0.3:  # noise reduction in the camera or a downscaled file: smaller, blotchier noise
        blur = rng.uniform(0.4, 1.0)
        noise = noisy - clean
        noisy = clean + cv2.GaussianBlur(noise, (0, 0), blur) * rng.uniform(1.0, 1.8)
    if bits == 8 and rng.random() < 0.6:
        noisy = jpeg_artifacts(noisy, int(rng.integers(75, 98)))
    return quantise(noisy, bits)
