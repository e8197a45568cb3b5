"""Image quality metrics on [0, 1] images."""
from __future__ import annotations

import numpy as np
import torch


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(1.0 / mse)


def psnr_torch(a: torch.Tensor, b: torch.Tensor) -> float:
    """Mean of per-image PSNR over a batch."""
    mse = ((a.float() - b.float()) ** 2).flatten(1).mean(1).clamp_min(1e-12)
    return float((10 * torch.log10(1.0 / mse)).mean())


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """SSIM (Wang et al. 2004: 11x11 Gaussian window, sigma 1.5), averaged over channels."""
    return float(ssim_map(a, b).mean())


def ssim_map(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-pixel SSIM averaged over channels, on the valid region (5 px border
    dropped, so map[i, j] belongs to pixel [i + 5, j + 5]); lets a benchmark
    score a region such as the holes of an inpainting mask."""
    import cv2  # only the benchmarks need it

    a = np.asarray(a, np.float64).reshape(a.shape[0], a.shape[1], -1)
    b = np.asarray(b, np.float64).reshape(b.shape[0], b.shape[1], -1)
    c1, c2 = 0.01**2, 0.03**2
    maps = []
    for ch in range(a.shape[2]):
        x, y = a[..., ch], b[..., ch]
        blur = lambda z: cv2.GaussianBlur(z, (11, 11), 1.5)[5:-5, 5:-5]  # valid region only
        mx, my = blur(x), blur(y)
        sxx, syy, sxy = blur(x * x) - mx**2, blur(y * y) - my**2, blur(x * y) - mx * my
        maps.append(((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx**2 + my**2 + c1) * (sxx + syy + c2)))
    return np.mean(maps, axis=0)


def delta_e(a: np.ndarray, b: np.ndarray) -> float:
    """Mean CIE76 colour difference (Euclidean distance in CIE Lab) of two HxWx3 sRGB images in [0, 1]:
    about 2.3 is a just-noticeable difference."""
    from .color import rgb_to_lab

    return float(np.linalg.norm(rgb_to_lab(a) - rgb_to_lab(b), axis=-1).mean())
