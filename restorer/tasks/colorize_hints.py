"""The colour-hint refiner (restorer/color_refine.py): `restore colorize` runs it over the propagated
hints whenever hints are given and weights/colorize_hints.safetensors is there (colorize's alternates);
it has no command of its own. `restore train colorize_hints --data DIR` trains it on crops of clean
photos at the propagation's working scale: the automatic colour is the shipped colorizer's
(weights/colorize.safetensors; RESTORER_WEIGHTS names another folder) on the crop, the hints are
sampled from the ground truth (points of a small patch's mean colour, as the bench's hints and a
person's colour picker give them, and sometimes short brush strokes) and spread by color_propagate
exactly as inference spreads them. The target is the ground truth's a*b*."""
from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np
import torch

from .. import color as C
from .. import color_hint_maps as hint_maps
from ..color_hints import Hints
from ..color_propagate import PROPAGATION, WORK_SIDE, hint_correction
from ..color_refine import AB_SCALE, CHANNELS, refiner_input
from ..imageio import Photo
from ..metrics import psnr_torch
from ..models import cpu_unet
from ..tiling import TiledPredictor
from ..weights import default_weights, load_model
from .base import Predictor, Sample, Task, mse_loss
from ..color_decoding import colour_distribution, decode_auto
from .colorize import PREDICT_SIDE, predict_logits, upsample_ab

# Hints per training crop: 1 + geometric, capped. A 192 px crop is a quarter to a third of a photo at the
# working size, so a mean of 4 is about the bench's 5-20 hints per photo.
POINT_P = 1 / 4
MAX_POINTS = 24
STROKE_P = 0.2  # share of crops that also get 1-2 short strokes (the UI's brush)
HINT_BOX = 3  # a point hint's colour: the mean over HINT_BOX^2 pixels (the bench's 5x5 at full size)


@dataclass
class RefinerOptions:
    """No options: the refiner runs inside `restore colorize` with its hints."""


@functools.cache
def _colorizer() -> Predictor:
    """The shipped colorizer, loaded once per process: the automatic colour the refiner learns to correct."""
    model, _ = load_model(default_weights("colorize"), task="colorize")
    return TiledPredictor.create(model, torch.device("cpu"), 0)


def sample_hints(ab: np.ndarray, rng: np.random.Generator) -> Hints:
    """Ground-truth HxWx2 a*b* -> hints: points of their HINT_BOX mean colour, sometimes strokes of one colour."""
    h, w = ab.shape[:2]
    box = cv2.blur(ab, (HINT_BOX, HINT_BOX), borderType=cv2.BORDER_REFLECT)
    n = min(int(rng.geometric(POINT_P)), MAX_POINTS)
    ys, xs = rng.integers(0, h, n), rng.integers(0, w, n)
    hints = Hints(ys, xs, box[ys, xs].astype(np.float32))
    if rng.random() < STROKE_P:
        for _ in range(int(rng.integers(1, 3))):
            sy, sx = hint_maps.stroke(h, w, rng)
            colour = ab[sy, sx].mean(0)
            hints = hints + Hints(sy, sx, np.repeat(colour[None], len(sy), 0).astype(np.float32))
    return hints


def make_sample(clean: np.ndarray, rng: np.random.Generator) -> Sample:
    """input: refiner_input of the crop (colorizer's automatic colour, hints sampled from the clean crop and
    propagated over it); target: the clean a*b* / AB_SCALE. L and rgb ride along for the metrics."""
    lab = C.rgb_to_lab(clean)
    lightness, ab = lab[..., 0], lab[..., 1:]
    side = max(8, round(max(clean.shape[:2]) * PREDICT_SIDE / WORK_SIDE))  # the colorizer's grid at this scale
    logits = predict_logits(C.grey_of(clean), _colorizer(), side)
    auto = upsample_ab(decode_auto(logits), clean.shape)
    hints = sample_hints(ab, rng)
    spread = auto + hint_correction(lightness, auto, hints, clean.shape, PROPAGATION, probs=colour_distribution(logits))
    spread[hints.ys, hints.xs] = hints.ab
    maps = hint_maps.rasterise(hints, clean.shape, clean.shape, spread_too=False)
    return {
        "input": refiner_input(lightness, auto, spread, maps),
        "target": np.ascontiguousarray(ab.transpose(2, 0, 1) / AB_SCALE, dtype=np.float32),
        "L": (lightness[None] / 100).astype(np.float32),
        "rgb": np.ascontiguousarray(clean.transpose(2, 0, 1), dtype=np.float32),
    }


def _rgb(ab: torch.Tensor, lightness: torch.Tensor) -> torch.Tensor:
    """Bx2xHxW a*b* / AB_SCALE over Bx1xHxW L / 100 -> Bx3xHxW sRGB (the colour alone is scored)."""
    out = []
    for a, light in zip(ab.detach().float().cpu().numpy(), lightness.cpu().numpy()):
        lab = np.concatenate([light.transpose(1, 2, 0) * 100, a.transpose(1, 2, 0) * AB_SCALE], axis=-1)
        out.append(C.lab_to_rgb(lab).transpose(2, 0, 1))
    return torch.from_numpy(np.stack(out))


def psnr_rgb(pred: torch.Tensor, batch: dict[str, torch.Tensor]) -> float:
    return psnr_torch(_rgb(pred, batch["L"]), batch["rgb"].cpu())


def gain(pred: torch.Tensor, batch: dict[str, torch.Tensor]) -> float:
    """dB over the propagation alone (the input's first channels): what the refiner adds."""
    return psnr_rgb(pred, batch) - psnr_rgb(batch["input"][:, :2], batch)


def apply(photo: Photo, options: RefinerOptions, predict: Predictor) -> Photo:
    raise ValueError("colorize_hints refines colour hints inside `restore colorize --hints/--hint`; it has no command")


TASK = Task(
    name="colorize_hints",
    summary="Refines colour hints spread over the automatic colour (used by `restore colorize` with hints).",
    options=RefinerOptions,
    # output = the propagated a*b* (input channels 0-1) + a correction starting at zero
    model=cpu_unet(CHANNELS, 2),
    make_sample=make_sample,
    apply=apply,
    loss=mse_loss,  # the bench scores PSNR
    metrics={"psnr": psnr_rgb, "gain": gain},
    patch=192,
    rotate=False,  # up matters to colour (sky on top), as for the colorizer
    train_side=WORK_SIDE,
    command=False,
)
