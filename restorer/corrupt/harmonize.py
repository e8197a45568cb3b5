"""Synthetic composites for harmonisation training and benchmarks: a random
region of a clean photo gets another colour and tone (as if pasted from a
photo taken under other light, by another camera) with a hard or soft edge.

Pure and seeded: all randomness comes from the np.random.Generator argument.
"""
from __future__ import annotations

import albumentations as A
import cv2
import numpy as np

# The looks a pasted object brings along: white balance, exposure, contrast,
# gamma, saturation, a camera's tone curve. Each is applied with its own odds;
# at least one change is forced (see appearance_shift).
_SHIFTS = A.Compose([
    A.ColorJitter(brightness=0.35, contrast=0.35, saturation=0.4, hue=0.04, p=0.7),
    A.RandomGamma(gamma_limit=(60, 165), p=0.5),
    A.HueSaturationValue(hue_shift_limit=8, sat_shift_limit=25, val_shift_limit=20, p=0.4),
    A.RandomToneCurve(scale=0.25, per_channel=True, p=0.5),
    A.RGBShift(r_shift_limit=0.08, g_shift_limit=0.08, b_shift_limit=0.08, p=0.4),
])
MIN_SHIFT = 0.02  # mean absolute change below which a draw is redone: the region must look pasted


def appearance_shift(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """HxWx3 float32 with a random global colour/tone change."""
    out = img
    for _ in range(8):
        _SHIFTS.set_random_seed(int(rng.integers(2**31)))
        out = np.clip(_SHIFTS(image=img)["image"], 0, 1).astype(np.float32)
        if np.abs(out - img).mean() >= MIN_SHIFT:
            break
    return out


def region_mask(h: int, w: int, rng: np.random.Generator, area: tuple[float, float] = (0.08, 0.35), margin: int = 0) -> np.ndarray:
    """Bool HxW object-like region: an ellipse, a random polygon or a smooth blob,
    covering a fraction of the image drawn from `area`, `margin` px from the border."""
    target = rng.uniform(*area)
    mask = np.zeros((h, w), np.uint8)
    kind = rng.integers(3)
    cy, cx = rng.uniform(0.3, 0.7) * h, rng.uniform(0.3, 0.7) * w
    r = np.sqrt(target * h * w / np.pi)
    if kind == 0:
        aspect = rng.uniform(0.5, 2.0)
        axes = (max(1, int(r * np.sqrt(aspect))), max(1, int(r / np.sqrt(aspect))))
        cv2.ellipse(mask, (int(cx), int(cy)), axes, float(rng.uniform(0, 180)), 0, 360, 1, -1)
    elif kind == 1:
        n = int(rng.integers(5, 11))
        angles = np.sort(rng.uniform(0, 2 * np.pi, n))
        radii = r * rng.uniform(0.6, 1.4, n)
        pts = np.stack([cx + radii * np.cos(angles), cy + radii * np.sin(angles)], axis=1).astype(np.int32)
        cv2.fillPoly(mask, [pts], 1)
    else:  # low-frequency noise thresholded at the target area: an irregular blob
        noise = cv2.resize(rng.standard_normal((6, 6)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
        yy, xx = np.mgrid[0:h, 0:w]
        noise -= 1.5 * (((yy - cy) / h) ** 2 + ((xx - cx) / w) ** 2) * 8  # centred: one main component
        mask = (noise >= np.quantile(noise, 1 - target)).astype(np.uint8)
    if margin:
        mask[:margin], mask[-margin:], mask[:, :margin], mask[:, -margin:] = 0, 0, 0, 0
    if not mask.any():  # degenerate draw on a tiny image: a centred square
        mask[h // 4 : max(h // 4 + 1, 3 * h // 4), w // 4 : max(w // 4 + 1, 3 * w // 4)] = 1
    return mask.astype(bool)


def soft_alpha(region: np.ndarray, softness: float) -> np.ndarray:
    """HxW float32 matte of a bool region: hard at 0, a Gaussian-feathered edge of about 2*softness px otherwise."""
    alpha = region.astype(np.float32)
    if softness > 0:
        alpha = cv2.GaussianBlur(alpha, (0, 0), softness)
        alpha[alpha < 1 / 255] = 0  # no invisible tails: the matte ends where a saved 8-bit mask would
    return alpha


def composite(fg: np.ndarray, bg: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """alpha*fg + (1-alpha)*bg on HxWx3 images and an HxW matte."""
    a = alpha[..., None]
    return (a * fg + (1 - a) * bg).astype(np.float32)


def synthetic_composite(clean: np.ndarray, rng: np.random.Generator, margin: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(composite, region bool, alpha, shifted) from a clean HxWx3 image.

    A third of the edges are hard, the rest feathered by up to 3 px; the
    region keeps its content, only its look changes, so the clean image is
    the harmonised answer."""
    h, w = clean.shape[:2]
    region = region_mask(h, w, rng, margin=margin)
    shifted = appearance_shift(clean, rng)
    softness = 0.0 if rng.random() < 1 / 3 else float(rng.uniform(0.5, 3.0))
    alpha = soft_alpha(region, softness)
    return composite(shifted, clean, alpha), region, alpha, shifted
