"""Upscaling: the photo is enlarged by bicubic interpolation (the classical answer) and a
residual network on its space-to-depth view learns the correction (restorer/models/srnet.py),
told the scale and which degradation to undo as constant input maps, so one model serves
x2 and x4 and both modes:
- clean: the small file is an antialiased bicubic downscale (the papers' protocol);
- real: blur, downscaling by any method, sensor noise and JPEG (restorer/corrupt/downscale.py).

The output is scale times larger; alpha follows with a plain (bilinear) resize, and the DPI
is multiplied by the scale so the photo prints at the same physical size."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ..corrupt.downscale import clean_small, real_small
from ..imageio import Photo, rgb_of
from ..models import ModelSpec, cpu_unet
from ..resize import resize_float
from .base import Predictor, Sample, Task, TrainingHooks

SCALES = (2, 4)
MODES = ("real", "clean")
MAX_OUTPUT_MEGAPIXELS = 400  # a 100 MP photo at x2; larger results would not fit a 24 GiB machine
REAL_SHARE = 0.5  # training samples with the real degradation (the rest: clean bicubic)
GRAY_SHARE = 0.1  # black-and-white prints: the same pixels in all three channels


@dataclass
class UpscaleOptions:
    scale: int = field(default=2, metadata={"help": "Enlarge width and height this many times.", "choices": SCALES})
    mode: str = field(
        default="real",
        metadata={"help": "real: the small photo may be soft, noisy or JPEG-compressed (scans, phone photos of "
                          "prints, web images): sharpen without magnifying the noise. clean: it was only made "
                          "smaller (the papers' bicubic protocol), keep every fine detail.",
                  "choices": MODES},
    )


def model_input(enlarged: np.ndarray, scale: int, mode: str) -> np.ndarray:
    """HxWx3 bicubic enlargement -> 5xHxW: colour, then constant maps of scale/4 and mode (real = 1)."""
    h, w = enlarged.shape[:2]
    maps = np.empty((2, h, w), np.float32)
    maps[0], maps[1] = scale / 4, float(mode == "real")
    return np.concatenate([enlarged.transpose(2, 0, 1), maps], axis=0)


def enlarge(small: np.ndarray, scale: int) -> np.ndarray:
    h, w = small.shape[:2]
    return resize_float(small, (w * scale, h * scale), "bicubic")


def make_sample(clean: np.ndarray, rng: np.random.Generator) -> Sample:
    """A clean crop -> the small 8-bit file it would be, enlarged by bicubic, with the crop as target."""
    scale = int(rng.choice(SCALES))
    mode = "real" if rng.random() < REAL_SHARE else "clean"
    if rng.random() < GRAY_SHARE:
        clean = np.repeat(clean.mean(axis=2, keepdims=True), 3, axis=2)
    h, w = (s // (2 * scale) * (2 * scale) for s in clean.shape[:2])  # the model's multiple (2) at both sizes
    large = np.ascontiguousarray(clean[:h, :w])
    small = real_small(large, scale, rng) if mode == "real" else clean_small(large, scale)
    if large.shape[2] == 3 and np.ptp(large, axis=2).max() == 0:  # grey stays grey after colour noise
        small = np.repeat(small.mean(axis=2, keepdims=True), 3, axis=2)
    return {"input": model_input(enlarge(small, scale), scale, mode), "target": np.ascontiguousarray(large.transpose(2, 0, 1))}


def apply(photo: Photo, options: UpscaleOptions, predict: Predictor) -> Photo:
    pixels = photo.pixels
    h, w = pixels.shape[:2]
    s = options.scale
    if h * w * s * s > MAX_OUTPUT_MEGAPIXELS * 1e6:
        raise ValueError(f"the result would be {w * s}x{h * s} pixels, over {MAX_OUTPUT_MEGAPIXELS} megapixels; "
                         "upscale a smaller photo or use a smaller --scale")
    rgb = rgb_of(pixels)
    out = predict(model_input(enlarge(rgb, s), s, options.mode)).transpose(1, 2, 0)
    if pixels.shape[2] == 1:
        out = out.mean(axis=2, keepdims=True)
    dpi = (photo.dpi[0] * s, photo.dpi[1] * s) if photo.dpi else None
    note = f"upscaled x{s} ({options.mode}) to {w * s}x{h * s}"
    return replace(photo.with_pixels(np.clip(out, 0, 1)), dpi=dpi, notes=(*photo.notes, note))


BODIES = ("resnet", "unet")


@dataclass
class UpscaleModelOptions:
    """`restore train upscale` flags for the architecture (trained from scratch only)."""

    sr_body: str = field(default="resnet", metadata={
        "help": "[upscale] resnet: residual blocks on the space-to-depth view (the shipped model); "
                "unet: the project's ResNet-18 U-Net at full resolution (measured worse per CPU-minute).",
        "choices": BODIES})
    sr_channels: int = field(default=48, metadata={"help": "[upscale] Channels of the residual blocks.", "min": 8})
    sr_blocks: int = field(default=8, metadata={"help": "[upscale] Number of residual blocks.", "min": 1})

    def spec(self) -> ModelSpec:
        if self.sr_body == "unet":
            return cpu_unet(5, 3)
        return ModelSpec("unshuffled_resnet", {"in_channels": 5, "out_channels": 3, "channels": self.sr_channels,
                                               "blocks": self.sr_blocks, "unshuffle": 2})


# 48 channels, 8 blocks: 0.4M parameters (under 1 MB in fp16), 0.7 s/MP on 2 CPU cores;
# chosen against the project's U-Net on the same CPU budget (docs/history/upscale.md).
MODEL = UpscaleModelOptions().spec()

TASK = Task(
    name="upscale",
    summary="Enlarge small or soft photos 2 or 4 times (scans of small prints, phone photos, web images).",
    options=UpscaleOptions,
    model=MODEL,
    make_sample=make_sample,
    apply=apply,
    patch=96,
    training=TrainingHooks(model_options=UpscaleModelOptions),
)
