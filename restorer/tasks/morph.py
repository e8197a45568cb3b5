"""Latent morph: our own convolutional autoencoder (no skip connections),
trained to reconstruct natural images; two photos are encoded, their codes
mixed z = a*z1 + (1-a)*z2 and decoded.

Memory is bounded by working at a fixed moderate resolution (WORK_SIZE px on
the long side, whatever the photo's size): codes of two photos must have the
same grid to be mixed, and a morph is a soft, low-detail image anyway. The
decoded result is resized back to the first photo's size.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn

from ..imageio import Photo, rgb_of
from ..models import ModelSpec
from ..models.autoencoder import REGULARISERS
from ..patch_pca import fit_pca
from ..weights import default_weights, load_model
from .. import autoencoder_losses
from ..devices import pick_device
from .base import Predictor, Sample, Task, TrainingHooks

WORK_SIZE = 512  # long side of the working resolution (the code grid is 1/16 of it)


@dataclass
class MorphOptions:
    size: int = field(default=WORK_SIZE, metadata={
        "help": "Long side in pixels at which the autoencoder runs (output is resized to the photo).", "min": 32})


@dataclass
class AutoencoderOptions:
    """Model options of `restore train morph` (and of the autoencoder `restore train blend` trains)."""

    code_channels: int = field(default=8, metadata={
        "help": "[morph] Code channels per 16x16 block: the bottleneck is 16*16*3/N times smaller than the image.",
        "min": 1})
    regulariser: str = field(default="none", metadata={
        "help": "[morph] Autoencoder regulariser: sparse code (L1, or KL to a target activation), contractive "
        "(encoder Jacobian penalty), denoising (noisy input) or variational (Gaussian code + KL).",
        "choices": REGULARISERS})
    reg_weight: float | None = field(default=None, metadata={
        "help": "[morph] Weight of the regulariser's loss term (default: a per-regulariser value, see autoencoder_losses.py).",
        "min": 0.0})

    def spec(self) -> ModelSpec:
        return ModelSpec("conv_autoencoder", {**MODEL.args, "code_channels": self.code_channels,
                                              "regulariser": self.regulariser, "reg_weight": self.reg_weight})


# 1/16 resolution, 8 code channels: 96x compression; 1.0M parameters.
MODEL = ModelSpec("conv_autoencoder", {"in_channels": 3, "out_channels": 3, "widths": (32, 64, 128, 128),
                                       "code_channels": 8, "regulariser": "none", "reg_weight": None})


def make_sample(clean: np.ndarray, rng: np.random.Generator) -> Sample:
    """The image is its own target; regularisers (noise, penalties) live in the objective."""
    chw = np.ascontiguousarray(clean.transpose(2, 0, 1))
    return {"input": chw, "target": chw.copy()}


START_LOGVAR = -6.0  # a variational code starts nearly deterministic (std 0.05); the KL term widens it


@torch.no_grad()
def pca_start(model: nn.Module, images: list[np.ndarray]) -> None:
    """Start the autoencoder at the PCA solution of its code size, in place.

    The linear path (block projection in, its transpose out) gets the top
    principal components of m x m x 3 blocks of the training images, and the
    last layers of both non-linear stacks are zeroed, so step 0 reconstructs
    exactly as PCA does and training only has to learn what non-linearity adds
    (measured: from random weights 20 CPU minutes reached 20.6 dB on Kodak24,
    3.6 dB below PCA). A sigmoid (sparse-kl) code cannot hold PCA coefficients:
    such models keep their random start."""
    if model.linear_in is None or model.regulariser == "sparse-kl":
        return
    m, k = int(model.multiple), int(model.code_channels)
    mean, comps = fit_pca(images, m, k, channel_mean=True)
    basis = torch.from_numpy(comps.reshape(k, m, m, 3).transpose(0, 3, 1, 2).copy()).float()
    model.linear_in.weight.zero_()
    model.linear_in.weight[:k].copy_(basis)
    model.linear_in.bias.zero_()
    model.linear_in.bias[:k].copy_(torch.from_numpy(-(comps @ mean)).float())
    if model.variational:
        model.linear_in.bias[k:].fill_(START_LOGVAR)
    model.linear_out.weight.copy_(basis)
    model.linear_out.bias.copy_(torch.from_numpy(mean[:3]).float())
    for last in (model.to_code, model.decoder[-1]):
        last.weight.zero_()
        last.bias.zero_()


def work_shape(h: int, w: int, long_side: int, multiple: int) -> tuple[int, int]:
    """(h, w) scaled so the long side is `long_side` (never upscaled), rounded to `multiple`."""
    scale = min(1.0, long_side / max(h, w))
    return (max(multiple, round(h * scale / multiple) * multiple), max(multiple, round(w * scale / multiple) * multiple))


def _resize(img: np.ndarray, h: int, w: int) -> np.ndarray:
    if img.shape[:2] == (h, w):
        return img
    shrink = h * w < img.shape[0] * img.shape[1]
    return cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)


def load_morph(weights: Path | None = None, device: str = "auto") -> nn.Module:
    """The morph autoencoder ready for morph_frames: `weights` (default: weights/morph.safetensors),
    refused unless they are morph weights, in eval mode on `device` (auto, cpu, cuda, mps), in float32.
    The one way `restore blend A B` and `restore bench blend` load it."""
    model, _ = load_model(weights or default_weights(TASK.name), task=TASK.name)
    return model.to(pick_device(device))


@torch.inference_mode()
def morph_frames(model: nn.Module, a: np.ndarray, b: np.ndarray, alphas: list[float], size: int = WORK_SIZE) -> list[np.ndarray]:
    """HxWx3 images decoded from a*z(a) + (1-a)*z(b), one per alpha, at a's size.

    b is resized to a's working size (its aspect ratio follows a's)."""
    h, w = a.shape[:2]
    wh, ww = work_shape(h, w, size, int(getattr(model, "multiple", 16)))
    param = next(model.parameters())
    to_t = lambda img: torch.from_numpy(np.ascontiguousarray(_resize(rgb_of(img), wh, ww).transpose(2, 0, 1)))[None].to(param)
    z1, z2 = model.encode(to_t(a)), model.encode(to_t(b))
    frames = []
    for alpha in alphas:
        out = model.decode(alpha * z1 + (1 - alpha) * z2)[0].float().cpu().numpy().transpose(1, 2, 0)
        frames.append(np.clip(_resize(np.ascontiguousarray(out), h, w), 0, 1).astype(np.float32))
    return frames


def apply(photo: Photo, options: MorphOptions, predict: Predictor) -> Photo:
    """Reconstruction through the autoencoder (what the code keeps of a photo)."""
    rgb = rgb_of(photo.pixels)
    wh, ww = work_shape(photo.height, photo.width, options.size, 16)
    out = predict(np.ascontiguousarray(_resize(rgb, wh, ww).transpose(2, 0, 1))).transpose(1, 2, 0)
    out = np.clip(_resize(np.ascontiguousarray(out), photo.height, photo.width), 0, 1)
    return photo.with_pixels(out if photo.channels == 3 else out.mean(axis=2, keepdims=True))


TASK = Task(
    name="morph",
    summary="Autoencoder of natural images, for latent morphs between two photos (used by `restore blend A B`).",
    options=MorphOptions,
    model=MODEL,
    make_sample=make_sample,
    apply=apply,
    command=False,
    training=TrainingHooks(objective=autoencoder_losses.objective, initialise=pca_start, model_options=AutoencoderOptions),
)
