"""Inpainting: fill the holes a mask marks (scratches, blemishes, unwanted
objects) from their surroundings. The model sees the photo with its holes
pre-filled classically (START: OpenCV's Telea method, the harmonic fill in narrow holes), plus
the mask, and corrects that first guess; only hole pixels of its output are ever used."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import albumentations as A
import cv2
import numpy as np
import torch

from ..corrupt.masks import hole_mask
from ..companion import find_companion
from ..imageio import Photo, read_image, rgb_of
from ..metrics import psnr_torch
from ..patch_fill import PatchFill, telea_fill, texture_fill
from ..poisson import poisson_blend
from ..models import cpu_unet
from .base import Predictor, Sample, Task
from .segment import SegmentOptions, labels_of

HOLE_WEIGHT = 6.0  # L1 weight of hole pixels against 1 for the rest (the rest is given; the holes are the job)
CONTEXT_MIN, CONTEXT_MAX = 64, 512  # context around a hole: its own size, within these bounds
MIN_CROP = 256  # smaller crops give the model too little to go on
WHOLE_IMAGE_FRACTION = 0.5  # crops covering this much of the photo: one pass over it all is cheaper
# --fill texture, chosen on held-out photos (scripts/experiments/inpaint_texture.py): the finest level's
# vote over 3x3 instead of 5x5 and 2 EM iterations at the coarsest level instead of 4 made it 11 % faster
# end to end for 0.03-0.08 dB in the holes and more detail (#29, docs/history/inpaint.md)
TEXTURE = PatchFill(tone_blur=4.0, copy_radius=1, em_coarse=2)
TEXTURE_MAX_PIXELS = 2_000_000  # a crop textured at full size; larger ones at a reduced size (time and memory)
TEXTURE_HALF_WIDTH = 24.0  # px: only hole components wider than twice this get texture (held out: strokes keep the model fill)


@dataclass
class InpaintOptions:
    mask: Path | None = field(
        default=None,
        metadata={
            "help": "Mask image (white = fill), used for every photo given, or a folder of masks matched "
            "to photos by name without suffix (photo.jpg <- masks/photo.png); resized to the photo if needed. "
            "Pixels outside the mask are kept exactly (bit for bit in PNG/TIFF; JPEG output re-encodes).",
            "exists": True,
            "ui": "mask",  # the web UI paints it with a brush on the photo instead
        },
    )
    auto: bool = field(
        default=False,
        metadata={"help": "Instead of --mask: find the damage (scratches, dust, cracks, tears, stains) with the "
                  "damage detector (weights/segment.safetensors, as `restore segment`), then fill it."},
    )
    dilate: int = field(
        default=0, metadata={"help": "Grow the mask by this many pixels (covers halos around blemishes).", "min": 0}
    )
    fill: str = field(
        default="texture",
        metadata={"help": "texture: holes wider than 48 px (removed objects) get texture copied from the rest of the "
                  "photo, following the model's colours; smooth: the model's fill alone (faster, a little closer "
                  "on average, but a blurred patch in wide holes). Narrow holes are the model's either way.",
                  "choices": ("texture", "smooth")},
    )

    def __post_init__(self) -> None:
        if self.mask is None and not self.auto:
            raise ValueError("say where to inpaint: --mask FILE_OR_DIR, or --auto to detect the damage")
        if self.mask is not None and self.auto:
            raise ValueError("give --mask or --auto, not both")


def helpers(options: InpaintOptions) -> dict[str, Any]:
    """--auto: the damage detector runs first and its mask is the hole."""
    return {"segment": SegmentOptions()} if options.auto else {}


def harmonic_fill(rgb: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """The smoothest fill: Laplace's equation inside the holes with their border as boundary
    values (poisson.py's membrane with no guidance). Measured on held-out photos
    (scripts/experiments/inpaint_starts.py): 0.7-1.3 dB above Telea in the holes, for
    about 0.1 s per 384 px crop; it averages the whole border instead of streaking it."""
    return poisson_blend(np.zeros_like(rgb), rgb, hole)


NARROW_HALF_WIDTH = 8.0  # px: hole components at most twice this wide start from the harmonic fill


def wide_components(hole: np.ndarray, half_width: float = NARROW_HALF_WIDTH) -> np.ndarray:
    """The connected parts of the bool hole mask wider than 2 * half_width somewhere."""
    u8 = hole.astype(np.uint8)
    n, labels = cv2.connectedComponents(u8, connectivity=8)
    depth = cv2.distanceTransform(u8, cv2.DIST_L2, 3)  # distance to the nearest known pixel
    widest = np.zeros(n, np.float32)
    np.maximum.at(widest, labels.ravel(), depth.ravel())
    return hole & (widest[labels] > half_width)


def telea_narrow_harmonic_fill(rgb: np.ndarray, hole: np.ndarray, half_width: float = NARROW_HALF_WIDTH) -> np.ndarray:
    """Telea, with the harmonic fill in narrow hole components (no wider than 2 * half_width).
    Held out (scripts/experiments/inpaint_starts.py, #29): the shipped Telea-trained model on this
    start gains 0.12-0.13 dB on thin strokes and loses nothing on wider holes, where the harmonic
    start alone cost it 0.2-0.4 dB; the narrow parts have few unknowns, so the solve is cheap.
    Telea runs on the wide components only (its cost grows with the hole; the components are
    apart, so each fill sees only known pixels around it)."""
    wide = wide_components(hole, half_width)
    narrow = hole & ~wide
    out = np.where(narrow[..., None], harmonic_fill(rgb, narrow), rgb) if narrow.any() else rgb
    return np.where(wide[..., None], telea_fill(out, wide), out) if wide.any() else out


STARTS = {"telea": telea_fill, "harmonic": harmonic_fill, "telea+narrow-harmonic": telea_narrow_harmonic_fill}
# The first fill the model corrects. The shipped weights were trained on "telea"; they run on
# "telea+narrow-harmonic", which differs only in narrow holes and measured better there (#29).
START = "telea+narrow-harmonic"


def prefill(rgb: np.ndarray, hole: np.ndarray, start: str | None = None) -> np.ndarray:
    """The holes filled classically (STARTS[start], default START) from the pixels around them; nothing under the hole is read.

    Measured: with grey holes the CPU-trained residual U-Net stayed below Telea
    inside the holes after 600 steps (16.7 dB). Starting from a classical fill, the
    zero-initialised residual head begins exactly at that fill's quality and
    training can only spend itself on improving it.
    """
    if not hole.any():
        return rgb.astype(np.float32)
    filled = STARTS[start or START](rgb, hole)
    return np.where(hole[..., None], filled.reshape(rgb.shape), rgb).astype(np.float32)


def model_input(rgb: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """HxWx3 image + HxW bool hole -> 4xHxW: the image pre-filled in the holes, then the mask."""
    return np.concatenate([prefill(rgb, hole).transpose(2, 0, 1), hole[None].astype(np.float32)], axis=0)


# Photometric transforms touch the image only, geometric ones image and mask alike.
# The trainer already crops, flips and rotates by 90 degrees; Affine adds zoom and
# small rotations (resampling softens the target a little, hence only sometimes).
_AUGMENT = A.Compose([
    A.Affine(scale=(0.9, 1.25), rotate=(-15, 15), border_mode=cv2.BORDER_REFLECT_101, p=0.3),
    A.ColorJitter(brightness=0.2, contrast=0.2, saturation=0.2, hue=0.02, p=0.5),
    A.ToGray(num_output_channels=3, p=0.1),  # grayscale photos reach the model as three equal channels
])


def make_sample(clean: np.ndarray, rng: np.random.Generator) -> Sample:
    h, w = clean.shape[:2]
    hole = hole_mask(h, w, rng)  # a blob or silhouette a quarter of the time, else thin/medium/thick strokes
    _AUGMENT.set_random_seed(int(rng.integers(2**31)))  # repeatable for the caller's rng
    out = _AUGMENT(image=clean, mask=hole.astype(np.uint8))
    image, hole = np.clip(out["image"], 0, 1).astype(np.float32), out["mask"].astype(bool)
    return {
        "input": model_input(image, hole),
        "target": np.ascontiguousarray(image.transpose(2, 0, 1)),
        "mask": hole[None].astype(np.float32),
    }


def _hole_weighted(error: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """Hole pixels weighted HOLE_WEIGHT; normalised by the mean weight so the
    loss's scale does not depend on how much of the crop is hole."""
    weight = 1 + (HOLE_WEIGHT - 1) * batch["mask"]
    return (weight * error).mean() / weight.mean()


def hole_weighted_l1(pred: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    return _hole_weighted((pred - batch["target"]).abs(), batch)


def hole_weighted_mse(pred: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    return _hole_weighted((pred - batch["target"]).square(), batch)


def _composite(pred: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """What the user gets: the prediction in the holes, the original elsewhere."""
    m = batch["mask"]
    return pred.clamp(0, 1) * m + batch["target"] * (1 - m)


def psnr_hole(pred: torch.Tensor, batch: dict[str, torch.Tensor]) -> float:
    """Mean per-image PSNR over hole pixels only (whole-image PSNR flatters small holes)."""
    m = batch["mask"]
    err = ((_composite(pred, batch) - batch["target"]) ** 2 * m).flatten(1).sum(1)
    n = (m.flatten(1).sum(1) * pred.shape[1]).clamp_min(1)
    return float((10 * torch.log10(1.0 / (err / n).clamp_min(1e-12))).mean())


def psnr_composited(pred: torch.Tensor, batch: dict[str, torch.Tensor]) -> float:
    return psnr_torch(_composite(pred, batch), batch["target"])


# ----------------------------------------------------------------------------- inference


def find_mask(photo: Photo, where: Path) -> Path:
    """The mask file itself, or the file in the folder named like the photo (any image suffix)."""
    return find_companion(photo, where, "mask")


def load_mask(path: Path, height: int, width: int, dilate: int = 0, resize: bool = True) -> np.ndarray:
    """Bool HxW hole mask: gray > 127 of 255, resized (nearest) to the photo, then grown.
    resize=False: a mask of another size is a ValueError naming the file."""
    px = read_image(path).pixels  # EXIF orientation applied, as for the photo
    gray = px[..., 0] if px.shape[2] == 1 else px @ np.array([0.299, 0.587, 0.114], np.float32)
    hole = (np.rint(gray * 255) > 127).astype(np.uint8)
    if hole.shape != (height, width) and not resize:
        raise ValueError(f"{path}: the mask is {hole.shape[1]}x{hole.shape[0]}, the photo {width}x{height}")
    if hole.shape != (height, width):
        hole = cv2.resize(hole, (width, height), interpolation=cv2.INTER_NEAREST)
    return grow(hole.astype(bool), dilate)


def grow(hole: np.ndarray, dilate: int) -> np.ndarray:
    """The bool mask grown by `dilate` pixels (distance transform: linear time, whatever the radius)."""
    if not dilate or not hole.any():
        return hole
    return cv2.distanceTransform(1 - hole.astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE) <= dilate


def _span(a: int, b: int, margin: int, n: int) -> tuple[int, int]:
    """[a, b) grown by margin, widened to MIN_CROP, shifted inside [0, n)."""
    a, b = a - margin, b + margin
    if b - a < MIN_CROP:
        extra = MIN_CROP - (b - a)
        a, b = a - extra // 2, b + extra - extra // 2
    if a < 0:
        a, b = 0, b - a
    if b > n:
        a, b = a - (b - n), n
    return max(a, 0), b


def hole_boxes(hole: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Disjoint crops (y0, y1, x0, x1) that together hold every hole with its context.

    Each connected hole gets a box grown by its own size (bounded); boxes that
    overlap or touch are merged, repeatedly, until they are disjoint rectangles.
    """
    h, w = hole.shape
    _, _, stats, _ = cv2.connectedComponentsWithStats(hole.astype(np.uint8), connectivity=8)
    canvas = np.zeros((h, w), np.uint8)
    for x, y, bw, bh, _ in stats[1:]:
        margin = int(np.clip(max(bw, bh), CONTEXT_MIN, CONTEXT_MAX))
        (y0, y1), (x0, x1) = _span(y, y + bh, margin, h), _span(x, x + bw, margin, w)
        canvas[y0:y1, x0:x1] = 1
    while True:
        _, _, stats, _ = cv2.connectedComponentsWithStats(canvas, connectivity=8)
        boxes = stats[1:]
        if all(area == bw * bh for _, _, bw, bh, area in boxes):
            return [(int(y), int(y + bh), int(x), int(x + bw)) for x, y, bw, bh, _ in boxes]
        for x, y, bw, bh, _ in boxes:  # fill each union's bounding box; it may now touch others
            canvas[y : y + bh, x : x + bw] = 1


def texture_wide_holes(rgb: np.ndarray, hole: np.ndarray, smooth: np.ndarray, cfg: PatchFill = TEXTURE,
                       half_width: float | None = None) -> np.ndarray:
    """`smooth` (the model's fill of `hole` in rgb) with its components wider than 2 * half_width
    (default TEXTURE_HALF_WIDTH) refilled by texture copied from the known pixels and the narrower
    fills (patch_fill.py), following smooth's colours. Crops over TEXTURE_MAX_PIXELS are textured
    at a reduced size: the cost grows with the crop."""
    wide = wide_components(hole, TEXTURE_HALF_WIDTH if half_width is None else half_width)
    if not wide.any():
        return smooth
    known = np.where(hole[..., None], smooth, rgb).astype(np.float32)  # nothing under the hole is read
    h, w = hole.shape
    scale = min(1.0, float(np.sqrt(TEXTURE_MAX_PIXELS / (h * w))))
    if scale == 1.0:
        textured = texture_fill(known, wide, smooth, cfg)
    else:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        small_wide = cv2.resize(wide.astype(np.uint8), size, interpolation=cv2.INTER_AREA) > 0
        small = [cv2.resize(a, size, interpolation=cv2.INTER_AREA) for a in (known, smooth)]
        textured = cv2.resize(texture_fill(small[0], small_wide, small[1], cfg), (w, h), interpolation=cv2.INTER_LINEAR)
    return np.where(wide[..., None], textured, smooth)


def inpaint_pixels(rgb: np.ndarray, hole: np.ndarray, predict: Predictor, texture: bool = False) -> np.ndarray:
    """HxWx3 float32 with the holes filled; every other pixel is returned untouched.
    texture: wide holes get copied texture over the model's fill (texture_wide_holes).

    The model runs on crops around the holes, not on the whole photo: a few
    scratches on a 24 MP scan then cost seconds, not minutes.
    """
    h, w = hole.shape
    out = rgb.copy()
    boxes = hole_boxes(hole)
    if sum((y1 - y0) * (x1 - x0) for y0, y1, x0, x1 in boxes) >= WHOLE_IMAGE_FRACTION * h * w:
        boxes = [(0, h, 0, w)]  # the predictor tiles a whole photo in bounded memory
    for y0, y1, x0, x1 in boxes:
        crop, crop_hole = rgb[y0:y1, x0:x1], hole[y0:y1, x0:x1]
        pred = np.clip(predict(model_input(crop, crop_hole)).transpose(1, 2, 0), 0, 1)
        if texture:
            pred = texture_wide_holes(crop, crop_hole, pred)
        out[y0:y1, x0:x1][crop_hole] = pred[crop_hole]
    return out


def apply(photo: Photo, options: InpaintOptions, predict: Predictor, earlier: dict[str, Photo] | None = None) -> Photo:
    """earlier: results of the helper tasks (--auto: the damage detector's mask under "segment")."""
    if options.auto:
        if not earlier or "segment" not in earlier:
            raise ValueError("--auto needs the damage detector's mask")
        hole = grow(labels_of(earlier["segment"]) > 0, options.dilate)
    elif options.mask is not None:
        hole = load_mask(find_mask(photo, options.mask), photo.height, photo.width, options.dilate)
    else:
        raise ValueError("no mask given (--mask FILE_OR_DIR or --auto)")
    return fill(photo, hole, predict, texture=options.fill == "texture")


def fill(photo: Photo, hole: np.ndarray, predict: Predictor, texture: bool = False) -> Photo:
    """The photo with the bool HxW `hole` inpainted; every other pixel kept bit for bit."""
    if not hole.any():
        return photo
    pixels = photo.pixels
    rgb = rgb_of(pixels)
    filled = inpaint_pixels(rgb, hole, predict, texture)
    if pixels.shape[2] == 1:
        filled = filled.mean(axis=2, keepdims=True)
    # where() rather than trusting the arithmetic: unmasked pixels stay bit-identical
    return photo.with_pixels(np.where(hole[..., None], filled, pixels).astype(np.float32))


TASK = Task(
    name="inpaint",
    summary="Fill masked areas (scratches, blemishes, objects) from their surroundings.",
    options=InpaintOptions,
    # residual=True: the output starts as the input (Telea's fill in the holes) and the zero-initialised
    # head learns a correction, so known pixels are right from step one and learning goes to the holes.
    # read_where=3: only hole pixels (input channel 3) of the output are read, so at inference the
    # full-resolution layers run only around them (models/sparse_head.py).
    model=cpu_unet(4, 3, residual=True, read_where=3),
    make_sample=make_sample,
    apply=apply,
    helpers=helpers,
    loss=hole_weighted_l1,
    losses={"mse": hole_weighted_mse},
    metrics={"psnr_hole": psnr_hole, "psnr": psnr_composited},
    patch=256,  # holes up to 45% of the crop need room for context (LaMa trains on 256 too)
)
