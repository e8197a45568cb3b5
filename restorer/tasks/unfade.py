"""Unfading colour prints: the classical correction (per-channel auto-levels and a grey-world
balance, restorer/unfade.py) is the starting point, and a network learns what it gets wrong on
synthetic fading (restorer/corrupt/fading.py). The network's last layers are zero-initialised, so
an untrained model gives the classical answer.

The cast is global and low-frequency, so the network sees a thumbnail of the whole photo (long
side THUMBNAIL px, trained at that scale): the correction it finds there is carried to the full
size by a polynomial colour mapping and a smooth field (restorer/unfade.transfer), which keeps
every edge and costs the same at any size."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ..corrupt.fading import fade
from ..corrupt.functional import quantise
from ..imageio import Photo, rgb_of
from ..models import ModelSpec
from ..resize import resize_long_side
from ..unfade import apply_levels, classical, measure_levels, transfer
from .base import Predictor, Sample, Task, TrainingHooks

THUMBNAIL = 256  # px, long side: what the network sees of any photo, and its training scale


@dataclass
class UnfadeOptions:
    strength: float = field(default=1.0, metadata={
        "help": "How much of the correction to apply: 0 leaves the photo as it is, 1 the full correction.",
        "min": 0.0, "max": 1.0})


def model_input(corrected: np.ndarray, faded: np.ndarray) -> np.ndarray:
    """HxWx3 classical correction + the faded photo it came from -> 6xHxW (the correction first:
    the model's residual base)."""
    return np.concatenate([corrected, faded], axis=2).transpose(2, 0, 1).copy()


def make_sample(clean: np.ndarray, rng: np.random.Generator) -> Sample:
    """A clean crop (at thumbnail scale) -> its faded 8-bit print, classically corrected, and the crop."""
    faded = quantise(fade(clean, rng))
    return {"input": model_input(classical(faded), faded), "target": np.ascontiguousarray(clean.transpose(2, 0, 1))}


def unfade(rgb: np.ndarray, predict: Predictor) -> np.ndarray:
    """HxWx3 faded photo -> the model's correction at full size."""
    small = resize_long_side(rgb, THUMBNAIL) if max(rgb.shape[:2]) > THUMBNAIL else rgb
    levels = measure_levels(small)
    small_corrected = apply_levels(small, levels)
    small_out = np.clip(predict(model_input(small_corrected, small)).transpose(1, 2, 0), 0, 1)
    if small is rgb:
        return small_out
    return transfer(apply_levels(rgb, levels), small_corrected, small_out)


def apply(photo: Photo, options: UnfadeOptions, predict: Predictor) -> Photo:
    pixels = photo.pixels
    rgb = rgb_of(pixels)
    out = rgb + options.strength * (unfade(rgb, predict) - rgb)
    if pixels.shape[2] == 1:
        out = out.mean(axis=2, keepdims=True)
    shift = (out.mean(axis=(0, 1)) - pixels.mean(axis=(0, 1))) * 255
    note = "colour shifted by " + "/".join(f"{v:+.0f}" for v in np.broadcast_to(shift, 3)) + " (R/G/B mean, 0-255)"
    return replace(photo.with_pixels(np.clip(out, 0, 1).astype(np.float32)), notes=(*photo.notes, note))


BODIES = ("colour", "unet")


@dataclass
class UnfadeModelOptions:
    """`restore train unfade` flags for the architecture (trained from scratch only)."""

    unfade_body: str = field(default="colour", metadata={
        "help": "[unfade] colour: a global colour matrix and curves from a small view plus a small local "
                "residual (the shipped model); unet: a small U-Net (measured worse per CPU-minute).",
        "choices": BODIES})

    def spec(self) -> ModelSpec:
        if self.unfade_body == "unet":
            return ModelSpec("refined_unet", {"in_channels": 6, "out_channels": 3, "encoder": "resnet18",
                                              "encoder_depth": 3, "decoder_channels": (64, 32, 16),
                                              "head_channels": 16})
        return ModelSpec("colour_transform", {"in_channels": 6, "out_channels": 3})


TASK = Task(
    name="unfade",
    summary="Restore the colour of faded colour prints (casts, low contrast, lifted blacks, yellowed paper).",
    options=UnfadeOptions,
    model=UnfadeModelOptions().spec(),
    make_sample=make_sample,
    apply=apply,
    patch=160,
    train_side=THUMBNAIL,
    training=TrainingHooks(model_options=UnfadeModelOptions),
)
