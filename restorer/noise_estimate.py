"""Blind noise-level estimation (Chen, Zhu & Heng, ICCV 2015).

Noise adds the same variance to every principal direction of the patch
covariance, while image structure concentrates in a few. The noise variance is
the mean of the trailing eigenvalues, taken at the first split where that tail
is balanced around its own mean (as many eigenvalues above as below).
Texture still inflates the estimate, so, as in Liu et al. (2013), the estimate
is refined on weakly textured patches: those whose gradient energy is no more
than pure noise of the current estimate would give.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

PATCH = 7
MAX_PATCHES = 60_000


def _patches(channel: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    h, w = channel.shape
    n = min(MAX_PATCHES, (h - PATCH + 1) * (w - PATCH + 1))
    ys = rng.integers(0, h - PATCH + 1, n)
    xs = rng.integers(0, w - PATCH + 1, n)
    offsets = np.arange(PATCH)
    rows = (ys[:, None, None] + offsets[None, :, None]).astype(np.intp)
    cols = (xs[:, None, None] + offsets[None, None, :]).astype(np.intp)
    return channel[rows, cols].reshape(n, PATCH * PATCH).astype(np.float32)  # float32 PCA: 2x faster, same reading to 0.01


def _sigma_from_eigenvalues(eig: np.ndarray) -> float:
    eig = np.sort(np.clip(eig, 0, None))[::-1]
    for i in range(len(eig)):
        tail = eig[i:]
        tau = tail.mean()
        if np.sum(tail > tau) == np.sum(tail < tau):
            return float(np.sqrt(tau))
    return float(np.sqrt(eig[-1]))


def estimate_sigma(pixels: np.ndarray, seed: int = 0, clipped: bool = False) -> float:
    """Noise standard deviation of a float HxWxC image in [0, 1], on the 0-1 scale.
    Averaged over channels; deterministic for a given seed. clipped: the noise was clipped at 0 and
    1, as in any file, which shrinks it in dark and blown-out areas (often the flattest, which the
    estimate prefers): read it where clipping cannot have reached (_unclipped_sigma)."""
    reading = NoiseReading(pixels, seed)
    return reading.clipped() if clipped else reading.sigma()


class NoiseReading:
    """One draw of patches per channel, read every way a blind run asks for (plain, clipped, the
    two-scale level) without drawing or measuring them again; each reading is computed once."""

    def __init__(self, pixels: np.ndarray, seed: int = 0):
        self.pixels = pixels[..., None] if pixels.ndim == 2 else pixels
        self.seed = seed
        self._cache: dict[str, float] = {}
        self._channels: list[tuple[np.ndarray, np.ndarray]] | None = None

    def _patches(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """(patches, their gradient energy) per channel: the draw estimate_sigma has always made."""
        if self._channels is None:
            rng = np.random.default_rng(self.seed)
            self._channels = []
            for c in range(self.pixels.shape[2]):
                p = _patches(self.pixels[..., c], rng)
                self._channels.append((p, _gradient_energy(p)))
        return self._channels

    def _read(self, name: str, per_channel: Callable[[np.ndarray, np.ndarray], float]) -> float:
        if name not in self._cache:
            small = min(self.pixels.shape[:2]) < PATCH
            self._cache[name] = 0.0 if small else float(np.mean([per_channel(p, e) for p, e in self._patches()]))
        return self._cache[name]

    def sigma(self) -> float:
        return self._read("sigma", lambda p, e: _refined_sigma(p, energy=e))

    def clipped(self) -> float:
        return self._read("clipped", lambda p, e: _unclipped_sigma(p, energy=e))

    def level(self) -> float:
        """estimate_level's reading."""
        if min(self.pixels.shape[:2]) < 2 * PATCH:
            return self.sigma()
        return max(self.sigma(), 2 * estimate_sigma(_half(self.pixels), self.seed))


MIN_UNCLIPPED = 2_000  # patches; fewer, and the estimate keeps the patches it had
CLIP_MARGIN = 2.0  # sigmas between a patch's mean and 0 or 1


def _unclipped_sigma(p: np.ndarray, rounds: int = 2, energy: np.ndarray | None = None) -> float:
    """First the patches that touch neither 0 nor 1; at heavy noise those are the ones whose noise
    happened to stay small (50 reads 46), so then those whose mean lies CLIP_MARGIN sigmas inside
    both bounds, sigma re-read each round (50 reads 48, 25 reads 24.9; docs/history/denoise.md)."""
    energy = _gradient_energy(p) if energy is None else energy  # once for every subset below
    inside = ((p > 0) & (p < 1)).all(axis=1)
    if inside.sum() < MIN_UNCLIPPED:
        inside[:] = True
    sigma = _refined_sigma(p[inside], energy=energy[inside])
    mean = p.mean(axis=1)
    for _ in range(rounds):
        keep = (mean > CLIP_MARGIN * sigma) & (mean < 1 - CLIP_MARGIN * sigma)
        if keep.sum() < MIN_UNCLIPPED:
            break
        sigma = _refined_sigma(p[keep], energy=energy[keep])
    return sigma


def _pca_sigma(p: np.ndarray) -> float:
    # the covariance as E[pp^T] - mm^T: no centred copy of the patches (a third less time; readings to 1e-4)
    m = p.mean(axis=0, dtype=np.float64)
    return _sigma_from_eigenvalues(np.linalg.eigvalsh((p.T @ p).astype(np.float64) / len(p) - np.outer(m, m)))


def _gradient_energy(p: np.ndarray) -> np.ndarray:
    sq = p.reshape(-1, PATCH, PATCH)
    return (np.diff(sq, axis=1) ** 2).sum(axis=(1, 2)) + (np.diff(sq, axis=2) ** 2).sum(axis=(1, 2))


def _refined_sigma(p: np.ndarray, rounds: int = 3, energy: np.ndarray | None = None) -> float:
    sigma = _pca_sigma(p)
    energy = _gradient_energy(p) if energy is None else energy
    m = 2 * PATCH * (PATCH - 1)  # differences per patch, each of variance 2*sigma^2 under pure noise
    for _ in range(rounds):
        limit = 2 * sigma**2 * m * (1 + 3 * np.sqrt(2 / m))
        weak = p[energy <= limit]
        if len(weak) < 200:
            break
        sigma = _pca_sigma(weak)
    return sigma


def _half(pixels: np.ndarray) -> np.ndarray:
    """2x2 box mean: white noise halves, correlated (demosaiced, JPEG'd) noise much less."""
    h, w = pixels.shape[0] // 2 * 2, pixels.shape[1] // 2 * 2
    p = pixels[:h, :w]
    return p.reshape(h // 2, 2, w // 2, 2, -1).mean(axis=(1, 3))


def estimate_level(pixels: np.ndarray, seed: int = 0) -> float:
    """The noise level blind denoising tells the model, on the 0-1 scale: the larger of the
    full-resolution estimate and twice the half-resolution one. For white noise the two
    agree; camera noise is spatially correlated (demosaicing, in-camera noise reduction,
    JPEG), which hides it from 7x7 patches at full resolution (real ISO 3200 photos read
    about 0.1x their noise there) but far less at half resolution (about 0.5x). The
    denoiser is trained with this same reading as the level of its camera-noise samples."""
    return NoiseReading(pixels, seed).level()


def neighbour_correlation(residual: np.ndarray) -> float:
    """The mean correlation of horizontally and vertically adjacent pixels of an HxWxC residual (what
    a denoiser removed), over channels: about 0 for white noise, 0.3-0.8 for a camera's demosaiced
    noise (docs/history/denoise.md)."""
    if residual.ndim == 2:
        residual = residual[..., None]
    r = residual - residual.mean(axis=(0, 1))
    out = []
    for c in range(r.shape[2]):
        x = r[..., c]
        for a, b in ((x[:, 1:], x[:, :-1]), (x[1:], x[:-1])):
            den = float(np.sqrt((a * a).sum() * (b * b).sum()))
            out.append(float((a * b).sum()) / den if den > 0 else 0.0)
    return float(np.mean(out))
