"""Segmentation: a U-Net that marks damage on old photos (scratches, cracks, dust,
tears, stains, missing corners) pixel by pixel. Trained on damage drawn onto
clean photos by restorer/corrupt/damage.py, whose masks are exact labels; or,
with `restore train segment --masks`, on a user's own labelled folder."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

import albumentations as A
import cv2
import numpy as np
import segmentation_models_pytorch as smp
import torch

from ..corrupt.damage import random_damage
from ..corrupt.functional import quantise
from ..ensemble import averaged_over_views, views_field
from ..imageio import Photo, rgb_of
from ..models import ModelSpec, cpu_unet
from .base import OutputNaming, Predictor, Sample, Task, TrainingHooks

OVERLAY_OPACITY = 0.55
# Overlay colours per class index (1 = damage in the binary case); cycles beyond.
PALETTE = np.array([[0, 0, 0], [1, 0.1, 0.1], [0.1, 0.8, 0.1], [0.2, 0.4, 1], [1, 0.8, 0], [0.8, 0.2, 1],
                    [0, 0.9, 0.9], [1, 0.5, 0.1]], np.float32)


@dataclass
class SegmentOptions:
    threshold: float = field(
        default=0.5,
        metadata={"help": "Damage probability above which a pixel is marked (lower: more is marked); "
                  "trained weights are calibrated so that 0.5 gives the best IoU on held-out images. "
                  "Binary models only; multi-class models take the most likely class.", "min": 0.0, "max": 1.0},
    )
    views: int = views_field(4, "Average the detector over this many mirrored/turned views of the photo (1-8): "
                             "each costs one more pass; 1 is fastest, 4 finds damage more reliably.")
    overlay: bool = field(
        default=False, metadata={"help": "Also write <name>_overlay.png: the mask tinted over the photo."}
    )


# Old photos come black-and-white, sepia or faded: the clean crop is toned first;
# grain, blur and JPEG come after the damage is drawn, so the damage sits under the scan's
# grain as on a real print (scanned damage is not crisp). Affine moves image and mask together.
_TONE = A.Compose([
    A.ToGray(num_output_channels=3, p=0.4),
    A.ColorJitter(brightness=0.25, contrast=0.3, saturation=0.3, hue=0.03, p=0.6),
])
_SCAN = A.Compose([
    A.Affine(scale=(0.8, 1.25), rotate=(-10, 10), border_mode=cv2.BORDER_REFLECT_101, p=0.3),
    A.GaussianBlur(blur_limit=(0, 0), sigma_limit=(0.3, 1.0), p=0.5),
    A.GaussNoise(std_range=(0.004, 0.04), p=0.6),
    A.ImageCompression(quality_range=(60, 95), p=0.5),
])


FILL_SIGMA = 2.0  # px: a smooth fill keeps about this blur of what it covers (the false-alarm cost below)


def repair_costs(damaged: np.ndarray, undamaged: np.ndarray) -> np.ndarray:
    """HxWx3 scans of the print with and without its damage -> 2xHxW: what a detector's mistake at each pixel
    costs the restored photo in squared error: a miss leaves the damage (its squared change), a false alarm
    has the pixel filled smoothly (the squared detail a fill of FILL_SIGMA would wipe out)."""
    miss = ((damaged - undamaged) ** 2).mean(-1)
    alarm = ((undamaged - cv2.GaussianBlur(undamaged, (0, 0), FILL_SIGMA)) ** 2).mean(-1)
    return np.stack([miss, alarm]).astype(np.float32)


def make_sample(clean: np.ndarray, rng: np.random.Generator, costs: bool = False) -> Sample:
    """A damaged scan and its damage mask; with `costs`, also what each pixel's mistake costs (repair_costs),
    which scans the print a second time (about a sixth of the sample's time), so only the loss that reads it asks."""
    _TONE.set_random_seed(int(rng.integers(2**31)))  # repeatable for the caller's rng
    toned = np.clip(_TONE(image=clean)["image"], 0, 1).astype(np.float32)
    damaged, mask = random_damage(toned, rng)
    scan_seed = int(rng.integers(2**31))
    _SCAN.set_random_seed(scan_seed)
    out = _SCAN(image=damaged, mask=mask.astype(np.uint8))
    image = np.clip(out["image"], 0, 1).astype(np.float32)
    sample = {"input": np.ascontiguousarray(image.transpose(2, 0, 1)), "target": out["mask"].astype(np.float32)[None]}
    if costs:
        _SCAN.set_random_seed(scan_seed)  # the same scan of the print without its damage: same move, grain, blur
        undamaged = np.clip(_SCAN(image=toned)["image"], 0, 1).astype(np.float32)
        sample["cost"] = repair_costs(image, undamaged)
    return sample


def make_costed_sample(clean: np.ndarray, rng: np.random.Generator) -> Sample:
    return make_sample(clean, rng, costs=True)


# ----------------------------------------------------------------------------- loss and metrics

_dice_binary = smp.losses.DiceLoss("binary", from_logits=True)


def dice_bce(pred: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """Dice (overlap, insensitive to how little of the crop is damage) + BCE (per-pixel, stable)."""
    target = batch["target"]
    return _dice_binary(pred, target) + torch.nn.functional.binary_cross_entropy_with_logits(pred, target)


COST_FLOOR = 1e-4  # every pixel still teaches a little, however little its mistake would cost


def repair_weighted_bce(pred: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """BCE with each pixel weighed by what a mistake there costs oldphoto (repair_costs): a missed bright
    scratch far more than a missed mark no one can see, a false alarm on texture more than on a flat sky.
    IoU counts every pixel alike; the restored photo does not (docs/history/oldphoto.md)."""
    if "cost" not in batch:
        raise ValueError("--loss repair-weighted needs the synthetic damage's repair costs; it cannot train on --masks")
    target, cost = batch["target"], batch["cost"]
    weight = torch.where(target > 0.5, cost[:, :1], cost[:, 1:]) + COST_FLOOR
    bce = torch.nn.functional.binary_cross_entropy_with_logits(pred.float(), target, reduction="none")
    return (weight * bce).sum() / weight.sum()


def _labels(pred: torch.Tensor) -> torch.Tensor:
    """Logits -> N x H x W class indices (one channel: damage where the logit is > 0)."""
    return (pred[:, 0] > 0).long() if pred.shape[1] == 1 else pred.argmax(1)


def _per_class(pred: torch.Tensor, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(true positives, false positives, false negatives), per image and foreground class: N x K."""
    got, want = _labels(pred), batch["target"][:, 0].long()
    classes = range(1, max(2, pred.shape[1]))
    tp = torch.stack([((got == c) & (want == c)).flatten(1).sum(1) for c in classes], 1).float()
    fp = torch.stack([((got == c) & (want != c)).flatten(1).sum(1) for c in classes], 1).float()
    fn = torch.stack([((got != c) & (want == c)).flatten(1).sum(1) for c in classes], 1).float()
    return tp, fp, fn


def iou(pred: torch.Tensor, batch: dict[str, torch.Tensor]) -> float:
    """Mean IoU over images and foreground classes; a class absent from both counts as perfect."""
    tp, fp, fn = _per_class(pred, batch)
    union = tp + fp + fn
    return float(torch.where(union > 0, tp / union.clamp_min(1), torch.ones_like(tp)).mean())


def f1(pred: torch.Tensor, batch: dict[str, torch.Tensor]) -> float:
    tp, fp, fn = _per_class(pred, batch)
    denom = 2 * tp + fp + fn
    return float(torch.where(denom > 0, 2 * tp / denom.clamp_min(1), torch.ones_like(tp)).mean())


def ce_dice(pred: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """Multi-class: cross-entropy + multi-class Dice on index targets."""
    target = batch["target"][:, 0].long()
    return torch.nn.functional.cross_entropy(pred, target) + _dice_multi(pred, target)


_dice_multi = smp.losses.DiceLoss("multiclass", from_logits=True)


# ----------------------------------------------------------------------------- inference


def threshold_logit(threshold: float) -> float:
    """The logit a probability threshold cuts at: comparing logits with it cannot overflow, and 0 / 1
    (-inf / inf) mean all / nothing."""
    with np.errstate(divide="ignore"):
        return float(np.log(threshold) - np.log1p(-threshold))


def predict_labels(rgb: np.ndarray, predict: Predictor, threshold: float = 0.5,
                   views: int = SegmentOptions.views) -> tuple[np.ndarray, bool]:
    """HxWx3 -> (HxW uint8 class indices, binary model?); binary: 1 = damage."""
    logits = averaged_over_views(predict, np.ascontiguousarray(rgb.transpose(2, 0, 1)), views)
    if logits.shape[0] == 1:
        return (logits[0] > threshold_logit(threshold)).astype(np.uint8), True
    return logits.argmax(0).astype(np.uint8), False


def mask_photo(photo: Photo, labels: np.ndarray, binary: bool = True) -> Photo:
    """An 8-bit, one-channel PNG: binary masks white (255) on black, class masks as index values."""
    pixels = (labels.astype(np.float32) * (255 if binary else 1) / 255)[..., None]
    return dataclasses.replace(photo, pixels=pixels, alpha=None, bit_depth=8, format="PNG", icc_profile=None, text={})


def labels_of(mask: Photo) -> np.ndarray:
    """Back from a mask photo to class indices (white = 1)."""
    v = np.rint(mask.pixels[..., 0] * 255).astype(np.uint8)
    return (v > 127).astype(np.uint8) if v.max(initial=0) > 1 and set(np.unique(v)) <= {0, 255} else v


def apply(photo: Photo, options: SegmentOptions, predict: Predictor) -> Photo:
    pixels = photo.pixels
    rgb = rgb_of(pixels)
    return mask_photo(photo, *predict_labels(rgb, predict, options.threshold, options.views))


def overlay(photo: Photo, mask: Photo) -> Photo:
    """The photo with each marked pixel tinted by its class colour."""
    pixels = photo.pixels
    rgb = rgb_of(pixels)
    labels = labels_of(mask)
    tint = PALETTE[1 + (labels.astype(np.int64) - 1) % (len(PALETTE) - 1)]
    marked = (labels > 0)[..., None]
    out = np.where(marked, (1 - OVERLAY_OPACITY) * rgb + OVERLAY_OPACITY * tint, rgb)
    return dataclasses.replace(photo, pixels=out.astype(np.float32), bit_depth=8)


def extras(options: SegmentOptions) -> dict[str, Callable[[Photo, Photo], Photo]]:
    return {"_overlay": overlay} if options.overlay else {}


# ----------------------------------------------------------------------------- calibration

CUTS = np.linspace(-4.0, 6.0, 51)  # candidate logit cuts (log-odds of thresholds 0.018 to 0.998)


def pooled_iou(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    """IoU from pixel counts pooled over all images, as the benchmark scores it."""
    return tp / np.maximum(tp + fp + fn, 1)


@torch.no_grad()
def calibrate_threshold(model: torch.nn.Module, batches: list[dict[str, torch.Tensor]], device: torch.device) -> dict:
    """Binary detector: move the decision threshold to the validation IoU optimum, by folding
    that logit cut into the last layer's bias, so a threshold of 0.5 means "best IoU".

    Dice + BCE on rare damage leaves the 0.5 cut too eager or too shy, and by
    how much changes with training (measured on the shipped weights: pooled IoU
    0.09 at 0.5 vs 0.19 at the best threshold on Kodak24)."""
    if model.out_channels != 1:
        return {}
    model.eval()
    tp, fp, fn = (np.zeros(len(CUTS)) for _ in range(3))
    for batch in batches:
        logits = model(batch["input"].to(device)).float()[:, 0].flatten().cpu().numpy()
        truth = batch["target"][:, 0].flatten().numpy() > 0.5
        got = logits[None, :] > CUTS[:, None]
        tp += (got & truth).sum(1)
        fp += (got & ~truth).sum(1)
        fn += (~got & truth).sum(1)
    scores = pooled_iou(tp, fp, fn)
    best = int(np.argmax(scores))
    before = float(scores[np.argmin(np.abs(CUTS))])  # the cut at probability 0.5
    model.head[-1].bias -= float(CUTS[best])
    model.train()
    return {"logit_shift": round(-float(CUTS[best]), 3), "samples": len(batches), "val_pooled_iou_at_0.5_before": round(before, 4),
            "val_pooled_iou_after": round(float(scores[best]), 4)}


@torch.no_grad()
def undo_calibration(model: torch.nn.Module, record: dict) -> None:
    """The inverse of calibrate_threshold's fold, from its record: back to the model the
    trainer trains (a resumed run recalibrates at its end)."""
    model.head[-1].bias -= record.get("logit_shift", 0.0)


CALIBRATION_SIDE = 512  # px: whole bsds432 photos (481 x 321), a bounded centre crop of larger ones


def calibration_samples(images: list[np.ndarray]) -> list[Sample]:
    """Each held-out photo whole, drawn twice: as training damages it (toned, grain, blur, JPEG)
    and as `restore bench segment` does (damage on the clean photo, 8-bit), so the one default
    threshold serves grainy scans and clean digital photos alike. Calibrated on the training
    kind alone, the cut over-marked clean photos (held-out IoU 0.571 there vs 0.587 at its best,
    11287-step weights; docs/history/segment.md)."""
    samples = []
    for i, img in enumerate(images):
        h, w = img.shape[:2]
        sh, sw = min(h, CALIBRATION_SIDE) // 32 * 32, min(w, CALIBRATION_SIDE) // 32 * 32
        y, x = (h - sh) // 2, (w - sw) // 2
        clean = img[y : y + sh, x : x + sw].astype(np.float32) / 255
        rng = np.random.default_rng(20_000 + i)
        samples.append(make_sample(clean, rng))
        damaged, mask = random_damage(clean, rng, clean_odds=0.0)
        samples.append({"input": np.ascontiguousarray(quantise(damaged).transpose(2, 0, 1)), "target": mask.astype(np.float32)[None]})
    return samples


# ----------------------------------------------------------------------------- training on labels


def for_labels(task: Task, classes: int) -> Task:
    """The task retargeted at a user's own masks with `classes` classes (background included):
    2 = binary (one logit, Dice + BCE, as the damage detector), more = one logit per class."""
    if classes < 2:
        raise ValueError(f"--classes {classes}: need at least 2 (background and one class)")
    out = 1 if classes == 2 else classes
    return dataclasses.replace(
        task,
        # a user's class balance is unknown: start every class at even odds
        model=ModelSpec(task.model.arch, {**task.model.args, "out_channels": out, "out_bias": 0.0}),
        loss=dice_bce if out == 1 else ce_dice,
    )



TASK = Task(
    name="segment",
    summary="Detect damage on old photos (scratches, dust, cracks, tears, stains): writes <name>_mask.png.",
    options=SegmentOptions,
    # One logit out; the full-resolution head keeps 1-px scratches and specks sharp.
    # out_bias: log-odds of ~5% damage, about what the synthetic damage covers.
    model=cpu_unet(3, 1, residual=False, out_bias=-3.0),
    make_sample=make_sample,
    apply=apply,
    loss=dice_bce,
    losses={"repair-weighted": repair_weighted_bce},
    loss_samples={"repair-weighted": make_costed_sample},
    metrics={"iou": iou, "f1": f1},
    patch=192,
    output=OutputNaming(suffix="_mask", format="PNG", extras=extras),
    training=TrainingHooks(calibrate=calibrate_threshold, uncalibrate=undo_calibration,
                           calibration_samples=calibration_samples, for_labels=for_labels),
)
