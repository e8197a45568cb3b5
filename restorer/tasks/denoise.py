"""Denoising: a U-Net with a noise-level input (as FFDNet), so one model
serves every strength, and the level can be given or estimated."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..corrupt import functional as F
from ..ensemble import averaged_over_views, views_field
from ..imageio import Photo
from ..models import cpu_unet
from ..noise_estimate import estimate_sigma
from .base import Predictor, Sample, Task, mse_loss

MAX_SIGMA = 75.0  # 0-255 scale; the range the model is trained on


@dataclass
class DenoiseOptions:
    sigma: float | None = field(
        default=None,
        metadata={
            "help": "Noise level on the 0-255 scale (e.g. 15 light, 25 medium, 50 heavy). "
            "Omit it to estimate the level per image from the principal components of "
            "its weakly textured 7x7 patches (Chen et al. 2015, Liu et al. 2013).",
            "min": 0.0,
            "max": MAX_SIGMA,
        },
    )
    views: int = views_field(1, "Average the denoiser over this many mirrored/turned views (1-8): each costs one "
                             "more pass; 8 gains about 0.17 dB on the benchmarks for eight times the time.")


def _model_input(rgb: np.ndarray, sigma: float) -> np.ndarray:
    """HxWx3 image + its noise level -> 4xHxW: colour channels and a constant level map."""
    h, w = rgb.shape[:2]
    level = np.full((1, h, w), sigma, np.float32)
    return np.concatenate([rgb.transpose(2, 0, 1), level], axis=0)


def make_sample(clean: np.ndarray, rng: np.random.Generator) -> Sample:
    """Mostly Gaussian noise over sigma 0-75, plus shot (ISO-like) noise and
    JPEG-compressed noise; the level map is the noise's actual RMS, so what
    the model is told matches what blind estimation measures."""
    if rng.random() < 0.1:  # grayscale photos: the same noise in all three channels
        gray = clean.mean(axis=2, keepdims=True)
        clean = np.repeat(gray, 3, axis=2)
        noisy = np.repeat(F.gaussian_noise(gray, rng.uniform(0, MAX_SIGMA) / 255, rng), 3, axis=2)
    else:
        kind = rng.random()
        if kind < 0.75:
            noisy = F.gaussian_noise(clean, rng.uniform(0, MAX_SIGMA) / 255, rng)
        elif kind < 0.9:
            noisy = F.poisson_noise(clean, 10 ** rng.uniform(1.3, 3.0), rng)
        else:
            noisy = F.jpeg_artifacts(F.gaussian_noise(clean, rng.uniform(5, 40) / 255, rng), int(rng.integers(40, 95)))
    sigma = float(np.sqrt(np.mean((noisy - clean) ** 2)))
    return {"input": _model_input(noisy, sigma), "target": np.ascontiguousarray(clean.transpose(2, 0, 1))}


def apply(photo: Photo, options: DenoiseOptions, predict: Predictor) -> Photo:
    pixels = photo.pixels
    rgb = pixels if pixels.shape[2] == 3 else np.repeat(pixels, 3, axis=2)
    sigma = options.sigma / 255 if options.sigma is not None else estimate_sigma(pixels)
    out = averaged_over_views(predict, _model_input(rgb, sigma), options.views).transpose(1, 2, 0)
    if pixels.shape[2] == 1:
        out = out.mean(axis=2, keepdims=True)
    return photo.with_pixels(np.clip(out, 0, 1))


TASK = Task(
    name="denoise",
    summary="Remove noise from photos (known or estimated noise level).",
    options=DenoiseOptions,
    model=cpu_unet(4, 3),
    make_sample=make_sample,
    apply=apply,
    losses={"mse": mse_loss},
)
