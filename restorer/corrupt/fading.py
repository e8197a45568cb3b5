"""Synthetic fading of colour prints: what decades of light, heat and damp do to a chromogenic print.

A print holds three dyes, each absorbing one third of the spectrum: cyan (absorbs red), magenta
(green) and yellow (blue). The model works on each dye's optical density (D = -log10 of the linear
transmittance of its channel) as the subtractive process does:
- dye fading: each density is scaled by its dye's surviving fraction, cyan and yellow fading faster
  than magenta (dark storage of Ektacolor-era prints), so red and blue come back: magenta, red or
  orange casts, and the shadows lose density, which lifts the blacks;
- contrast loss: the densities are compressed towards their mean;
- paper ageing: a density added everywhere (dimmed whites) with more of it in blue (yellowed base);
- uneven fading: the dye fractions vary smoothly across the print (an edge in the light longer).
Pure and seeded: the caller passes an np.random.Generator; float32 HxWx3 in [0, 1] in and out.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..color import linear_to_srgb, srgb_to_linear

MIN_TRANSMITTANCE = 10 ** -3.0  # density 3: deeper than any print's black
NEARLY_NONE_MAX = 0.08  # strength of those nearly-unfaded prints (the rest: 0.15 to 1)
NEARLY_NONE_SHARE = 0.25  # prints that barely faded: oldphoto's gate lets some unfaded photos through, so the model must
# learn to leave them alone (at 0.1 it still moved never-faded photos by ΔE 7.9: docs/history/unfade.md)


@dataclass(frozen=True)
class Fading:
    """How one print faded. Fractions of each dye's density left, in R, G, B order (cyan, magenta,
    yellow); the rest are densities added or kept."""

    dye_left: tuple[float, float, float]
    contrast: float  # densities keep this share of their spread around the mean
    base_density: float  # added to every channel: greyed, dimmed whites
    yellowing: float  # extra density in blue (and a third of it in green): a yellowed paper base
    unevenness: float  # relative swing of the dye fractions across the print
    strength: float = 1.0  # how strong the draw was, 0 (none) to 1 (heavy): benchmarks report by it


def draw_fading(rng: np.random.Generator) -> Fading:
    """A random fading, from nearly none to a heavily faded print."""
    strength = rng.uniform(0.0, NEARLY_NONE_MAX) if rng.random() < NEARLY_NONE_SHARE else rng.uniform(0.15, 1.0)
    magenta = 1 - strength * rng.uniform(0.0, 0.25)
    cyan = magenta * (1 - strength * rng.uniform(0.25, 0.7))  # cyan fades fastest: red comes back
    yellow = magenta * (1 - strength * rng.uniform(0.1, 0.6))
    return Fading(
        dye_left=(cyan, magenta, yellow),
        contrast=1 - strength * rng.uniform(0.0, 0.35),
        base_density=strength * rng.uniform(0.0, 0.12),
        yellowing=strength * rng.uniform(0.0, 0.12),
        unevenness=strength * rng.uniform(0.0, 0.3),
        strength=strength,
    )


def low_frequency_field(shape: tuple[int, int], rng: np.random.Generator, cells: int = 3) -> np.ndarray:
    """HxW float32 smooth field in about [-1, 1]: a cells x cells random grid, bicubically enlarged."""
    h, w = shape
    grid = rng.uniform(-1, 1, (cells, cells)).astype(np.float32)
    return np.clip(cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC), -1.5, 1.5)


def fade_with(img: np.ndarray, fading: Fading, field: np.ndarray) -> np.ndarray:
    """img faded as `fading` says; `field` (HxW, about [-1, 1]) spreads the unevenness over it."""
    density = -np.log10(np.maximum(srgb_to_linear(img), MIN_TRANSMITTANCE))
    left = np.asarray(fading.dye_left, np.float32) * (1 + fading.unevenness * field[..., None])
    density = density * np.clip(left, 0, 1)
    mean = density.mean(axis=(0, 1), keepdims=True)
    density = mean + fading.contrast * (density - mean)
    stain = np.array([0.0, fading.yellowing / 3, fading.yellowing], np.float32)
    density = np.maximum(density, 0) + fading.base_density + stain
    return linear_to_srgb(10 ** -density).astype(np.float32)


def faded_print(img: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, Fading]:
    """A colour print (float32 HxWx3 in [0, 1]) after a random fading (draw_fading), and that fading."""
    fading = draw_fading(rng)
    return fade_with(img, fading, low_frequency_field(img.shape[:2], rng)), fading


def fade(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A colour print (float32 HxWx3 in [0, 1]) after a random fading (draw_fading)."""
    return faded_print(img, rng)[0]
