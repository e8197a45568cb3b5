"""Seamless paste: put the masked region of one photo into another and
harmonise its colour, tone and seam with the background.

Trained on synthetic composites (restorer/corrupt/harmonize.py): a region of
a clean photo gets another look and a hard or soft edge, and the U-Net gives
back the clean photo. The paste is first Poisson-blended (restorer/poisson.py)
and the U-Net, residual with a zero-initialised last layer, corrects that: it
starts exactly at Poisson's quality and learns what Poisson gets wrong (tone
changes that are not an offset). Measured: without the Poisson start, 20 CPU
minutes of training left it 2.9 dB below OpenCV's seamlessClone. It sees the
Poisson result, the plain composite and the region mask; its output is used
only in the region and a thin seam around it, so the rest of the background
stays bit for bit.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch

from ..corrupt.harmonize import composite, synthetic_composite
from ..imageio import Photo, read_image, rgb_of
from ..metrics import psnr_torch
from ..models import cpu_unet
from ..poisson import poisson_blend
from .base import Predictor, Sample, Task, TrainingHooks
from .inpaint import hole_boxes

SEAM = 3  # px around the region the model may also change (halo of a feathered edge)
REGION_WEIGHT = 4.0  # L1 weight of region/seam pixels against 1 for the rest
WHOLE_IMAGE_FRACTION = 0.5  # crops covering this much of the photo: one tiled pass over it all


@dataclass
class PasteOptions:
    mask: Path | None = field(default=None, metadata={
        "help": "Mask over the pasted photo: white = paste, grey = partly (a soft edge), black = not; "
        "resized to the pasted photo if needed. Needed with --paste.", "exists": True})
    onto: Path | None = field(default=None, metadata={
        "help": "Background photo to paste onto; the result has its size and metadata. Needed with --paste.", "exists": True})
    at: str | None = field(default=None, metadata={
        "help": "X,Y: where the pasted photo's top-left corner goes in the background (may be negative; "
        "what falls outside is clipped). Default: centred."})


def model_input(poisson: np.ndarray, comp: np.ndarray, region: np.ndarray) -> np.ndarray:
    """HxWx3 Poisson blend (the residual's base) + HxWx3 composite + HxW bool region -> 7xHxW."""
    return np.concatenate([poisson.transpose(2, 0, 1), comp.transpose(2, 0, 1), region[None].astype(np.float32)],
                          axis=0).astype(np.float32)


def seam_band(region: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Pixels the harmoniser may change: the region, its feathered halo, and SEAM px around it."""
    grown = cv2.dilate(region.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * SEAM + 1,) * 2))
    return grown.astype(bool) | (alpha > 0.5 / 255)


def make_sample(clean: np.ndarray, rng: np.random.Generator) -> Sample:
    comp, region, alpha, shifted = synthetic_composite(clean, rng)
    band = seam_band(region, alpha)
    return {
        "input": model_input(poisson_blend(shifted, comp, band), comp, region),
        "target": np.ascontiguousarray(clean.transpose(2, 0, 1)),
        "mask": band[None].astype(np.float32),
    }


def region_weighted_l1(pred: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    weight = 1 + (REGION_WEIGHT - 1) * batch["mask"]
    return (weight * (pred - batch["target"]).abs()).mean() / weight.mean()


def _used(pred: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """What the user gets: the prediction in the band, the composite elsewhere."""
    m = batch["mask"]
    return pred.clamp(0, 1) * m + batch["input"][:, 3:6] * (1 - m)  # outside the band: the composite


def psnr_used(pred: torch.Tensor, batch: dict[str, torch.Tensor]) -> float:
    return psnr_torch(_used(pred, batch), batch["target"])


def psnr_region(pred: torch.Tensor, batch: dict[str, torch.Tensor]) -> float:
    """Mean per-image PSNR over band pixels only."""
    m = batch["mask"]
    err = ((_used(pred, batch) - batch["target"]) ** 2 * m).flatten(1).sum(1)
    n = (m.flatten(1).sum(1) * pred.shape[1]).clamp_min(1)
    return float((10 * torch.log10(1.0 / (err / n).clamp_min(1e-12))).mean())


# ----------------------------------------------------------------------------- inference


def harmonise(fg: np.ndarray, comp: np.ndarray, alpha: np.ndarray, predict: Predictor) -> np.ndarray:
    """HxWx3 composite of fg (HxWx3, on the composite's canvas) with matte alpha -> harmonised;
    pixels outside seam_band are returned untouched.

    Poisson blend and model run on crops around the region (with context), tiled by the
    predictor, so a small paste into a huge photo costs little and memory stays bounded.
    """
    region = alpha >= 0.5
    band = seam_band(region, alpha)
    out = comp.copy()
    if not band.any():
        return out
    h, w = band.shape
    boxes = hole_boxes(band)
    if sum((y1 - y0) * (x1 - x0) for y0, y1, x0, x1 in boxes) >= WHOLE_IMAGE_FRACTION * h * w:
        boxes = [(0, h, 0, w)]
    for y0, y1, x0, x1 in boxes:
        crop_band, crop_comp = band[y0:y1, x0:x1], comp[y0:y1, x0:x1]
        poisson = poisson_blend(fg[y0:y1, x0:x1], crop_comp, crop_band)
        pred = predict(model_input(poisson, crop_comp, region[y0:y1, x0:x1])).transpose(1, 2, 0)
        out[y0:y1, x0:x1][crop_band] = np.clip(pred[crop_band], 0, 1)
    return out


def parse_at(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    try:
        x, y = (int(v) for v in text.split(","))
    except ValueError:
        raise ValueError(f"--at {text!r}: expected X,Y in pixels, e.g. 120,-40") from None
    return x, y


def place(bg: np.ndarray, fg: np.ndarray, matte: np.ndarray, at: tuple[int, int] | None) -> tuple[np.ndarray, np.ndarray]:
    """The pasted photo and its matte on the HxWx3 background's canvas: (fg where it lies, bg elsewhere;
    HxW alpha, zero off the paste). bg off the paste keeps Poisson's guidance field there bg's own."""
    (h, w), (fh, fw) = bg.shape[:2], fg.shape[:2]
    x, y = at if at is not None else ((w - fw) // 2, (h - fh) // 2)
    y0, y1, x0, x1 = max(0, y), min(h, y + fh), max(0, x), min(w, x + fw)
    if y0 >= y1 or x0 >= x1:
        raise ValueError(f"the pasted photo ({fw}x{fh} at {x},{y}) lies outside the background ({w}x{h})")
    fg_canvas = bg.astype(np.float32, copy=True)
    alpha = np.zeros((h, w), np.float32)
    fg_canvas[y0:y1, x0:x1] = fg[y0 - y : y1 - y, x0 - x : x1 - x]
    alpha[y0:y1, x0:x1] = matte[y0 - y : y1 - y, x0 - x : x1 - x]
    return fg_canvas, alpha


def load_matte(path: Path, height: int, width: int) -> np.ndarray:
    """HxW float32 in [0, 1] from a mask image (grey levels = partial), resized to the photo."""
    px = read_image(path).pixels
    gray = px[..., 0] if px.shape[2] == 1 else px @ np.array([0.299, 0.587, 0.114], np.float32)
    if gray.shape != (height, width):
        gray = cv2.resize(gray, (width, height), interpolation=cv2.INTER_LINEAR)
    return np.clip(gray, 0, 1).astype(np.float32)


def paste_photo(fg: Photo, bg: Photo, matte: np.ndarray, at: tuple[int, int] | None, predict: Predictor) -> Photo:
    """bg with fg's matted region pasted at `at` and harmonised; bg's metadata, size and channels."""
    bg_rgb = rgb_of(bg.pixels)
    fg_canvas, alpha = place(bg_rgb, rgb_of(fg.pixels), matte, at)
    if not (alpha >= 0.5).any():
        raise ValueError("the mask selects nothing inside the background (white = paste)")
    out = harmonise(fg_canvas, composite(fg_canvas, bg_rgb, alpha), alpha, predict)
    if bg.channels == 1:
        out = out.mean(axis=2, keepdims=True)
    band = seam_band(alpha >= 0.5, alpha)[..., None]
    return bg.with_pixels(np.where(band, out, bg.pixels).astype(np.float32))  # untouched outside, bit for bit


def apply(photo: Photo, options: PasteOptions, predict: Predictor) -> Photo:
    """`photo` is the one pasted; the result is the background with it in."""
    if options.mask is None or options.onto is None:
        raise ValueError("paste needs --mask and --onto")
    bg = read_image(options.onto)
    return paste_photo(photo, bg, load_matte(options.mask, photo.height, photo.width), parse_at(options.at), predict)


TASK = Task(
    name="blend",
    summary="Paste a masked region of one photo into another, harmonised; or morph two photos (`restore blend`).",
    options=PasteOptions,
    # residual: output = Poisson blend + a correction (zero at first), so training starts at Poisson's quality.
    model=cpu_unet(7, 3, residual=True),
    make_sample=make_sample,
    apply=apply,
    loss=region_weighted_l1,
    metrics={"psnr_region": psnr_region, "psnr": psnr_used},
    patch=192,  # a region up to a third of the crop still has surroundings to match
    command=False,
    training=TrainingHooks(companions=("morph",)),
)
