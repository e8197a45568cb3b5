"""PCA of non-overlapping m x m x 3 image blocks: the linear baseline the
autoencoder is benchmarked against, and the starting point it is trained from
(tasks/morph.py), so both use exactly the same fit."""
from __future__ import annotations

import numpy as np

MAX_PATCHES = 40_000  # patches a PCA is fitted on (a seeded random subset when there are more)


def patches(img: np.ndarray, m: int) -> np.ndarray:
    """HxWx3 -> (blocks, m*m*3), blocks in raster order, each flattened as (row, col, channel)."""
    h, w = img.shape[0] // m * m, img.shape[1] // m * m
    p = img[:h, :w].reshape(h // m, m, w // m, m, 3).transpose(0, 2, 1, 3, 4)
    return p.reshape(-1, m * m * 3)


def unpatch(p: np.ndarray, h: int, w: int, m: int) -> np.ndarray:
    return p.reshape(h // m, w // m, m, m, 3).transpose(0, 2, 1, 3, 4).reshape(h, w, 3)


def fit_pca(images: list[np.ndarray], m: int, k: int, seed: int = 0,
            channel_mean: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(mean block, k x d orthonormal components), by SVD (no scikit-learn).

    Images are float in [0, 1] (uint8 is scaled). channel_mean: centre by one mean
    per colour channel instead of one per block position, which is what a
    convolution's per-channel bias can represent."""
    rng = np.random.default_rng(seed)
    x = np.concatenate([patches(img, m) for img in images])  # still uint8 for training images: 4x smaller
    if len(x) > MAX_PATCHES:
        x = x[rng.choice(len(x), MAX_PATCHES, replace=False)]
    x = _unit(x).astype(np.float64)
    if channel_mean:
        mean = np.tile(x.reshape(len(x), -1, 3).mean(axis=(0, 1)), m * m)
    else:
        mean = x.mean(axis=0)
    _, _, vt = np.linalg.svd(x - mean, full_matrices=False)
    return mean, vt[:k]


def pca_reconstruct(img: np.ndarray, mean: np.ndarray, comps: np.ndarray, m: int) -> np.ndarray:
    h, w = img.shape[0] // m * m, img.shape[1] // m * m
    p = patches(_unit(img), m).astype(np.float64) - mean
    return unpatch((p @ comps.T) @ comps + mean, h, w, m).astype(np.float32)


def _unit(img: np.ndarray) -> np.ndarray:
    return img.astype(np.float32) / 255 if img.dtype == np.uint8 else img
