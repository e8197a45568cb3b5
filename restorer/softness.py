"""How soft a photo's sharpest edges are: the edge spread (Gaussian sigma, px) read by re-blurring
(Hu & de Haan 2006). An edge of spread s, blurred again by a known sigma, has its steepest gradient
proportional to 1 / sqrt(s^2 + sigma^2); the ratio of those peaks at two known sigmas gives s. The
re-blurs also smooth film grain away, so the reading holds under grain; only the strongest edges
(local gradient maxima among the top share) are read, where the ratio is least disturbed by it."""
from __future__ import annotations

import cv2
import numpy as np

INNER, OUTER = 1.0, 2.0  # px: the two re-blurs
TOP_SHARE = 0.02  # the share of pixels, by gradient, whose local maxima are read


def _gradient(grey: np.ndarray, sigma: float) -> np.ndarray:
    g = cv2.GaussianBlur(grey, (0, 0), sigma)
    return np.hypot(cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3))


def _noise_power(sigma: float) -> float:
    """The mean squared gradient magnitude (_gradient) that white noise of unit level leaves at this re-blur."""
    delta = np.zeros((41, 41), np.float32)
    delta[20, 20] = 1
    g = cv2.GaussianBlur(delta, (0, 0), sigma)
    return float(sum((cv2.Sobel(g, cv2.CV_32F, dx, 1 - dx, ksize=3) ** 2).sum() for dx in (0, 1)))


def edge_spread(pixels: np.ndarray, noise: float = 0.0) -> float:
    """The median edge spread (px) at the strongest edges of an HxW or HxWxC float image in [0, 1];
    nan where it has no edges (a flat page). noise: the grain's level (0-1 scale), whose share of the
    gradients' power is taken out (grain raises the inner gradient more, reading edges as sharper)."""
    grey = (pixels.mean(axis=2) if pixels.ndim == 3 else pixels).astype(np.float32)
    inner, outer = _gradient(grey, INNER), _gradient(grey, OUTER)
    if noise > 0:
        inner = np.sqrt(np.maximum(inner**2 - noise**2 * _noise_power(INNER), 0))
        outer = np.sqrt(np.maximum(outer**2 - noise**2 * _noise_power(OUTER), 1e-12))
    peak = outer >= cv2.dilate(outer, np.ones((3, 3), np.uint8))  # the edge's centre, where grain moves it least
    strong = outer >= np.quantile(outer, 1 - TOP_SHARE)
    keep = peak & strong & (outer > 1e-3)
    if keep.sum() < 20:
        return float("nan")
    r2 = (inner[keep] / outer[keep]) ** 2  # (s^2 + OUTER^2) / (s^2 + INNER^2)
    s2 = (OUTER**2 - r2 * INNER**2) / np.maximum(r2 - 1, 1e-6)
    return float(np.sqrt(max(np.median(s2), 0.0)))
