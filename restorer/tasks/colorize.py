"""Colorization: a U-Net sees the lightness L of a black-and-white photo and
predicts a distribution over quantised ab colour bins (Zhang et al. 2016:
classification with class rebalancing, annealed-mean decoding), because plain
L1/L2 regression on ab averages plausible colours into grey.

Inference predicts colour at a moderate resolution (long side PREDICT_SIDE) and
lays the upsampled ab over the photo's own full-resolution lightness: the
result is exactly as sharp as the original, its lightness is the original's,
and a 24 MP scan costs one small forward pass.

The automatic colour is decoded plausibly before vividly (Decoding, AUTO): where the model is
unsure between hues the colour fades toward grey. Colour hints (--hints image, --hint points,
the UI's colour brush: restorer/color_hints.py) correct it: the correction is spread by
optimisation over pixels of similar lightness (restorer/color_propagate.py) and the hinted
pixels take the hint's chroma exactly; the lightness stays the photo's. A reference photo
(--reference: restorer/color_reference.py) weights the network's colour probabilities by the
reference's palette at each lightness before decoding.

Output: always 3-channel RGB. A 1-channel (grey) photo becomes RGB at the
same bit depth (16-bit PNG/TIFF stay 16-bit); EXIF, DPI, text and alpha are
kept; a greyscale ICC profile is dropped (it cannot describe RGB pixels; the
result is sRGB). A colour photo is first converted to grey of the same
lightness, with a note naming the file.
"""
from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import albumentations as A
import cv2
import numpy as np
import torch
from tqdm import tqdm

from .. import color as C
from .. import color_hint_maps as hint_maps
from ..color_hints import HintPoint, Hints, hints_for, parse_points
from ..color_decoding import CLASS_WEIGHTS, Decoding, colour_distribution, decode_auto, decode_auto_torch
from ..color_reference import Palette, lightness_palette, reference_palette, steer
from ..color_propagate import PROPAGATION, Propagation, hint_correction, hint_pixels, working_lightness
from ..color_refine import refined
from ..imageio import Photo
from ..metrics import psnr_torch
from ..models import ModelSpec, cpu_unet
from ..resize import resize_long_side
from .base import Predictor, Sample, Task, TrainingHooks

# Long side at which colour is predicted (colour is low-frequency; the full-resolution
# lightness carries the detail). Chosen on the held-out bsds432 split (30 images,
# shipped weights, docs/history/colorize.md): PSNR over grey +0.84 dB at 320 px, +1.31 at 256,
# +1.36 at 192, +1.28 at 128 (annealing T = 0.6); the old 512 px gave about +0.5.
PREDICT_SIDE = 256
OLD_PRINT_P = 0.5  # share of samples that look like old prints, not clean greyscale

@dataclass
class ColorizeOptions:
    saturation: float = field(
        default=1.0,
        metadata={
            "help": "Scale the predicted colour: 0 = grey, 1 = as predicted, up to 2 = more vivid "
            "(lightness stays the original's; colours are kept inside the sRGB gamut).",
            "min": 0.0,
            "max": 2.0,
        },
    )
    hints: Path | None = field(
        default=None,
        metadata={
            "help": "Colour hints: an image the photo's size, transparent except where colour is painted "
            "(PNG with alpha), used for every photo given, or a folder of them matched to photos by name "
            "without suffix (photo.jpg <- hints/photo.png). The result takes the painted colours there and "
            "spreads them along edges of similar lightness.",
            "exists": True,
            "ui": "hints",  # the web UI paints them with a colour brush on the photo instead
        },
    )
    reference: Path | None = field(
        default=None,
        metadata={
            "help": "A colour photo of a similar scene whose palette the colour follows (its colours at each "
            "lightness are favoured; the network still decides where they go); one file for every photo, or a "
            "folder of them matched to photos by name (photo.jpg <- references/photo.jpg).",
            "exists": True,
        },
    )
    hint: tuple[HintPoint, ...] = field(
        default=(),
        metadata={
            "help": "A colour pinned at one pixel: X,Y,#RRGGBB (column and row from the top left, hex colour); "
            "repeat the flag for more. In the web UI: one per line.",
        },
    )

    def __post_init__(self) -> None:
        # specs as the CLI (repeated flag) or the UI (one text box) give them; HintError is a ValueError
        self.hint = parse_points(self.hint)


def model_input(lightness: np.ndarray, hints: np.ndarray | None = None) -> np.ndarray:
    """HxW L in [0, 100] -> 1xHxW in [0, 1]; with hint maps (color_hint_maps), (1 + their channels)xHxW."""
    x = (np.asarray(lightness, np.float32) / 100)[None]
    return x if hints is None else np.concatenate([x, hints])


# Applied to a grey copy of the clean crop, so the model learns to read faded,
# toned, grainy, soft, compressed prints and not only clean greyscale. The
# target colours always come from the clean crop.
_OLD_PRINT = A.Compose([
    A.RandomBrightnessContrast(brightness_limit=(-0.1, 0.1), contrast_limit=(-0.5, 0.0), p=0.6),  # faded
    A.RandomGamma(gamma_limit=(70, 140), p=0.3),
    A.ToSepia(p=0.3),  # toned print: its lightness, as a scan of it would give
    A.GaussianBlur(blur_limit=(3, 5), sigma_limit=(0.3, 1.2), p=0.3),
    A.GaussNoise(std_range=(0.01, 0.06), per_channel=False, p=0.4),  # film grain
    A.ImageCompression(quality_range=(30, 90), p=0.3),
])


def make_sample(clean: np.ndarray, rng: np.random.Generator) -> Sample:
    """input: L/100 of the (possibly aged) grey photo; target: soft-encoded ab bins of the clean
    one. L (clean lightness / 100) and rgb ride along for the metrics."""
    return _sample(clean, rng, hinted=False)


def make_hinted_sample(clean: np.ndarray, rng: np.random.Generator) -> Sample:
    """make_sample with hint maps sampled from the clean photo's colour after the lightness in
    `input` (none in a share of samples): for models that read hints (--hint-inputs)."""
    return _sample(clean, rng, hinted=True)


def _sample(clean: np.ndarray, rng: np.random.Generator, hinted: bool) -> Sample:
    lab = C.rgb_to_lab(clean)
    lightness = lab[..., 0]
    if rng.random() < OLD_PRINT_P:
        grey = np.repeat(C.grey_of(clean), 3, axis=2)
        _OLD_PRINT.set_random_seed(int(rng.integers(2**31)))  # repeatable for the caller's rng
        lightness = C.rgb_to_lab(np.clip(_OLD_PRINT(image=grey)["image"], 0, 1))[..., 0]
    return {
        "input": model_input(lightness, hint_maps.sample(lab[..., 1:], rng) if hinted else None),
        "target": C.soft_encode(lab[..., 1:]),
        "ab": np.ascontiguousarray(lab[..., 1:].transpose(2, 0, 1), dtype=np.float32),  # for the decoded loss
        "L": model_input(lab[..., 0]),
        "rgb": np.ascontiguousarray(clean.transpose(2, 0, 1), dtype=np.float32),
    }


@dataclass
class ColorizeModelOptions:
    """`restore train colorize` flags for the architecture."""

    hint_inputs: bool = field(default=False, metadata={
        "help": "[colorize] Train a model that also reads the colour hints as input maps (Zhang et al. 2017); "
                "with --from, the given weights are grown to read them, starting as exactly those weights. "
                "Off: hints are spread over the automatic colour afterwards, which measured better at CPU "
                "budgets (docs/history/colorize.md)."})

    def spec(self) -> ModelSpec:
        # one output per ab bin
        return cpu_unet(1 + (hint_maps.CHANNELS if self.hint_inputs else 0), C.N_BINS, residual=False)

    def task(self, task: Task) -> Task:
        return replace(task, model=self.spec(), make_sample=make_hinted_sample if self.hint_inputs else make_sample)


def rebalanced_cross_entropy(pred: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """Cross-entropy against the soft targets, each pixel weighted by the rarity of
    its colour (Zhang et al. eq. 2-4): without it the loss is won by browns and greys."""
    target = batch["target"]
    weights = CLASS_WEIGHTS.to(pred.device)[target.argmax(1)]
    ce = -(target * torch.log_softmax(pred, dim=1)).sum(1)
    return (weights * ce).mean()


# The squared a*b* error of the automatic colour counts this much against the cross-entropy (its units:
# (ab / 10)^2, so a pixel 15 off in a*b* costs about as much as the cross-entropy of a typical pixel).
DECODED_WEIGHT = 1.0
# --loss decoded-neutral: a pixel whose true colour is neutral (a*b* chroma under NEUTRAL_CHROMA, where the
# bench's wrong-hue share counts any painted chroma of 10 or more) weighs NEUTRAL_WEIGHT times as much, so the
# best answer where the model is unsure is nearer grey than the mean colour (the issue: less saturation beats
# a wrong hue). The plain squared error's answer there is the training photos' mean colour, a sepia cast.
NEUTRAL_CHROMA, NEUTRAL_WEIGHT = 5.0, 4.0


def decoded_error(pred: torch.Tensor, batch: dict[str, torch.Tensor], neutral_weight: float = 1.0) -> torch.Tensor:
    """The squared a*b* error of the colour users get (the AUTO decoding, differentiable): the metric PSNR
    over grey scores. The cross-entropy trains the distribution, rebalanced toward rare vivid colours; this
    trains what it decodes to. neutral_weight: the weight of pixels whose true colour is neutral."""
    error = ((decode_auto_torch(pred) - batch["ab"]) / 10).square().mean(1)
    if neutral_weight != 1:
        neutral = batch["ab"].square().sum(1) < NEUTRAL_CHROMA**2
        error = error * torch.where(neutral, neutral_weight, 1.0)
    return error.mean()


def cross_entropy_and_decoded(pred: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    return rebalanced_cross_entropy(pred, batch) + DECODED_WEIGHT * decoded_error(pred, batch)


def cross_entropy_and_decoded_neutral(pred: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    return rebalanced_cross_entropy(pred, batch) + DECODED_WEIGHT * decoded_error(pred, batch, NEUTRAL_WEIGHT)


def _rgb_from(pred: torch.Tensor, batch: dict[str, torch.Tensor]) -> np.ndarray:
    """Bx3xHxW: the automatic colour, decoded as `restore colorize` does, over the clean lightness
    (the colour alone is scored)."""
    out = []
    for logits, lightness in zip(pred.detach().float().cpu().numpy(), batch["L"].cpu().numpy()):
        lab = np.concatenate([lightness[0][..., None] * 100, decode_auto(logits)], axis=-1)
        out.append(C.lab_to_rgb(lab).transpose(2, 0, 1))
    return np.stack(out)


def fold_decoding(model: torch.nn.Module, alpha: float = 0.0, temperature: float = C.ANNEAL_T) -> None:
    """Bake a decoding into the last layer, in place, so the file decodes like any colorize
    weights (annealed mean at C.ANNEAL_T) yet gives softmax((logits - alpha * log w) / temperature):
    alpha corrects for the rebalancing prior w (logit adjustment), temperature anneals."""
    last = model.head[-1]
    with torch.no_grad():
        last.bias -= alpha * torch.log(CLASS_WEIGHTS).to(last.bias)
        last.weight *= C.ANNEAL_T / temperature
        last.bias *= C.ANNEAL_T / temperature


def psnr_rgb(pred: torch.Tensor, batch: dict[str, torch.Tensor]) -> float:
    return psnr_torch(torch.from_numpy(_rgb_from(pred, batch)), batch["rgb"].cpu())


def colourfulness_ratio(pred: torch.Tensor, batch: dict[str, torch.Tensor]) -> float:
    """Hasler-Suesstrunk colourfulness of the result over the original's, summed over the batch."""
    ours = sum(C.colourfulness(x.transpose(1, 2, 0)) for x in _rgb_from(pred, batch))
    orig = sum(C.colourfulness(x.permute(1, 2, 0).cpu().numpy()) for x in batch["rgb"])
    return ours / max(orig, 1e-6)


# ----------------------------------------------------------------------------- inference


def predict_logits(grey: np.ndarray, predict: Predictor, side: int = PREDICT_SIDE, hints: Hints | None = None) -> np.ndarray:
    """HxWx1 grey -> the model's output (QxhxW bin logits) with the long side at most `side`. Weights
    that read hint maps (trained with --hint-inputs) are given `hints` on the prediction grid; the
    shipped ones only the lightness (follow_hints corrects the colour afterwards either way)."""
    small = grey[..., 0]
    if max(small.shape) > side:
        small = resize_long_side(small, side)
    maps = None
    if getattr(predict, "in_channels", 1) > 1:
        maps = hint_maps.rasterise(hints or Hints.none(), grey.shape, small.shape)
    return predict(model_input(C.lightness_of_grey(small), maps))


def upsample_ab(ab: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """hxwx2 ab -> the photo's HxW."""
    h, w = shape[:2]
    return ab if ab.shape[:2] == (h, w) else cv2.resize(ab, (w, h), interpolation=cv2.INTER_LINEAR)


def predict_ab(grey: np.ndarray, predict: Predictor, side: int = PREDICT_SIDE) -> np.ndarray:
    """HxWx1 grey -> HxWx2 ab, predicted with the long side at most `side` and upsampled."""
    return upsample_ab(decode_auto(predict_logits(grey, predict, side)), grey.shape)


def note(message: str) -> None:
    tqdm.write(message, file=sys.stderr)  # clears and redraws a progress bar, if any


def follow_hints(grey: np.ndarray, ab: np.ndarray, hints: Hints, how: Propagation = PROPAGATION,
                 guide: Callable[..., tuple[np.ndarray, np.ndarray]] | None = None,
                 probs: np.ndarray | None = None, refine: Predictor | None = None) -> np.ndarray:
    """HxWx2 ab at the photo's size: `ab` (the automatic colour at prediction size) corrected to
    follow the hints (color_propagate, solved at a bounded working size), the hinted pixels set exactly.
    probs (Q x h x w, colour_distribution): the colorizer's distributions, so hints stop where it sees
    another surface (None: Levin's lightness affinity alone). refine: the hint refiner (color_refine.py,
    the colorize_hints weights), run over the propagated colour at the working size.
    guide(lightness, ab, hints, full shape) -> (pull, guess) at the working size: a further pull per pixel
    toward a guessed correction (experiments only: scripts/experiments/colorize_hint_nonlocal.py)."""
    if len(hints):
        small = working_lightness(grey[..., 0])
        ab = upsample_ab(ab, small.shape)
        pull, guess = guide(small, ab, hints, grey.shape) if guide is not None else (None, None)
        spread = ab + hint_correction(small, ab, hints, grey.shape, how, pull, guess, probs)
        if refine is not None:
            ys, xs = hint_pixels(hints, small.shape, grey.shape)
            spread[ys, xs] = hints.ab  # as the refiner was trained (several on one pixel: the last)
            spread = refined(refine, small, ab, spread, hint_maps.rasterise(hints, grey.shape, small.shape, spread_too=False))
        ab = spread
    ab = upsample_ab(ab, grey.shape)
    ab[hints.ys, hints.xs] = hints.ab
    return ab


# A reference (color_reference): its palette steers the logits with this weight, they are decoded by their
# mean at this temperature, and this share of the result is the classical answer (the reference's mean
# colour at each pixel's lightness). Chosen on 81 held-out photos, each half the reference of its other
# half (scripts/experiments/colorize_reference.py, docs/history/colorize.md): +4.96 dB over grey against
# +4.82 for the classical answer alone and +4.72 for the steered network alone.
REFERENCE_WEIGHT = 3.0
REFERENCE_DECODING = Decoding(temperature=2.0, alpha=0.0, chroma=1.0, shrink=0.0)
REFERENCE_CLASSICAL_SHARE = 0.5


def colour_of(grey: np.ndarray, logits: np.ndarray, hints: Hints, saturation: float = 1.0,
              palette: Palette | None = None, reference_weight: float = REFERENCE_WEIGHT,
              reference_decoding: Decoding = REFERENCE_DECODING,
              classical_share: float = REFERENCE_CLASSICAL_SHARE, refine: Predictor | None = None) -> np.ndarray:
    """HxWx2 ab at the photo's size: the automatic colour decoded from the network's logits (with a
    reference's palette: steered toward it and mixed with its colour at each lightness), scaled by
    saturation, corrected to follow the hints (and refined: follow_hints)."""
    if palette is None:
        ab = decode_auto(logits)
    else:
        small = cv2.resize(grey[..., 0], logits.shape[:0:-1], interpolation=cv2.INTER_AREA)
        ab = decode_auto(steer(logits, C.lightness_of_grey(small), palette, reference_weight), reference_decoding)
        if classical_share:
            ab = upsample_ab(ab, grey.shape) * np.float32(1 - classical_share)
            ab += np.float32(classical_share) * lightness_palette(C.lightness_of_grey(grey[..., 0]), palette)
    probs = colour_distribution(logits) if len(hints) else None  # what surfaces the colorizer sees
    return follow_hints(grey, ab * np.float32(saturation), hints, probs=probs, refine=refine)


def apply(photo: Photo, options: ColorizeOptions, predict: Predictor, alternates: dict[str, Predictor] | None = None) -> Photo:
    """alternates (Task.alternates): {"hints": the hint refiner} where weights/colorize_hints is shipped."""
    pixels = photo.pixels
    if C.is_colour(pixels):
        note(f"{photo.source or 'image'}: colour input; converted to grey first")
    grey = C.grey_of(pixels) if pixels.shape[2] == 3 else pixels
    hints = hints_for(photo, options.hints, options.hint)
    palette = reference_palette(photo, options.reference) if options.reference is not None else None
    refine = (alternates or {}).get("hints")
    ab = colour_of(grey, predict_logits(grey, predict, hints=hints), hints, options.saturation, palette, refine=refine)
    out = photo.with_pixels(C.colorize_grey(grey, ab))
    icc = photo.icc_profile
    if icc and icc[16:20] == b"GRAY":  # the colour space field of an ICC header
        out = replace(out, icc_profile=None)
    return out


def hint_refiner(options: ColorizeOptions) -> dict[str, str]:
    """The hint refiner's weights (tasks/colorize_hints.py), loaded when a photo first has hints."""
    return {"hints": "colorize_hints"}


TASK = Task(
    name="colorize",
    summary="Bring plausible colour to black-and-white photos (lightness kept exactly).",
    options=ColorizeOptions,
    model=ColorizeModelOptions().spec(),
    make_sample=make_sample,
    apply=apply,
    loss=rebalanced_cross_entropy,
    losses={"decoded": cross_entropy_and_decoded, "decoded-only": decoded_error,
            "decoded-neutral": cross_entropy_and_decoded_neutral},
    metrics={"psnr": psnr_rgb, "colourfulness": colourfulness_ratio},
    patch=128,
    rotate=False,
    train_side=PREDICT_SIDE,
    alternates=hint_refiner,
    training=TrainingHooks(model_options=ColorizeModelOptions),
)
