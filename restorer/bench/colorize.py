"""Colorization benchmark: each clean image is turned grey (same CIE lightness) and colorized,
automatically and with 1, 5, 20... ground-truth hint points (what a person pinning colours
at a few places would give). Per method: PSNR against the original colour image and its gain
over the grey image, the colour error in Lab (mean Delta E over a*b*; the lightness is the
original's, so this is the whole Delta E 1976), the share of pixels painted a hue the original
lacks (wrong_hue), the share of images worse than grey, the colour error at the hinted pixels
(mean, and the share of hints missed by more than Delta E 10), Hasler-Suesstrunk colourfulness as a ratio to the
originals' (summed over the folder, so near-grey originals do not blow up a mean of ratios),
and seconds per megapixel. The grey image itself is the baseline.

Hint points are drawn with a fixed seed per image, nested (the 5 include the first one, the
20 the 5), uniformly over the photo; each carries the mean original colour of the 5x5 pixels
around it, as a person would pick the colour of a small area.

Published anchors for scale (ImageNet val, 2000 images, PSNR as measured by
OpenVINO's model zoo): Zhang et al. ECCV16 26.99 dB, SIGGRAPH17 without hints
27.73 dB; other datasets and resolutions are not directly comparable."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from .. import color as C
from ..color_hints import Hints
from ..corrupt.functional import quantise
from ..metrics import psnr
from ..restorer import Restorer
from ..tasks import TASKS
from ..tasks.colorize import PREDICT_SIDE, ColorizeOptions, colour_of, predict_logits
from .base import Bench, Recorded, grid_field
from .common import Table, load_clean, save_grid, timed

METHODS = ("ours", "ours-spread", "grey")  # ours-spread: hints propagated only, no refiner
GRID_WIDTH = 320  # px per panel in the picture grid
GRID_HINTS = 5  # the grid's hinted panel
HINT_SEED = 27
HINT_PATCH = 2  # a hint's colour: the mean over (2 * HINT_PATCH + 1)^2 original pixels


def true_hints(clean: np.ndarray, n: int, seed: int) -> Hints:
    """n hint points of the original's own colour, the first n of a fixed random sequence for this seed."""
    h, w = clean.shape[:2]
    rng = np.random.default_rng(seed)
    ys, xs = rng.integers(0, h, 64)[:n], rng.integers(0, w, 64)[:n]  # nested: more hints extend the fewer
    ab = C.rgb_to_lab(clean)[..., 1:]
    box = cv2.blur(ab, (2 * HINT_PATCH + 1,) * 2, borderType=cv2.BORDER_REFLECT)
    return Hints(ys, xs, box[ys, xs].astype(np.float32))


def colour_errors(out: np.ndarray, clean: np.ndarray) -> tuple[float, float]:
    """(mean Delta E over a*b*, wrong-hue share) of a result against the original sRGB image, from one
    Lab conversion of each."""
    got, want = C.rgb_to_lab(out)[..., 1:], C.rgb_to_lab(clean)[..., 1:]
    return float(np.linalg.norm(got - want, axis=-1).mean()), wrong_hue(got, want)


WRONG_HUE_CHROMA = 10.0  # a*b* chroma a viewer reads as "coloured" (a neutral grey is 0)
WRONG_HUE_ANGLE = 60.0  # degrees of hue: blue for green, orange for red


def wrong_hue(got: np.ndarray, want: np.ndarray) -> float:
    """Share of pixels painted a colour the original does not have, from the a*b* of result and original:
    the result is coloured (chroma at least WRONG_HUE_CHROMA) where the original is near-neutral (under half
    that) or of a hue more than WRONG_HUE_ANGLE away. PSNR forgives a blue door on a red one about as much as
    a grey one; this does not."""
    c_got, c_want = np.linalg.norm(got, axis=-1), np.linalg.norm(want, axis=-1)
    cos = (got * want).sum(-1) / np.maximum(c_got * c_want, 1e-6)
    off = (c_want < WRONG_HUE_CHROMA / 2) | (cos < np.cos(np.radians(WRONG_HUE_ANGLE)))
    return float(((c_got >= WRONG_HUE_CHROMA) & off).mean())


def hint_error(out: np.ndarray, hints: Hints) -> np.ndarray:
    """Delta E (a*b*) between the result and the hint colour at each hinted pixel. Not always 0: a hint
    whose chroma does not exist in sRGB at its pixel's lightness is pulled toward grey (color.into_gamut),
    and the result is 8-bit."""
    got = C.rgb_to_lab(out[hints.ys, hints.xs][:, None])[:, 0, 1:]
    return np.linalg.norm(got - hints.ab, axis=-1)


def label(method: str, n: int) -> str:
    return method if method == "grey" or n == 0 else f"{method}+{n} hints"


def marked(rgb: np.ndarray, hints: Hints) -> np.ndarray:
    """The picture with a white-ringed dot at each hint, sized for a GRID_WIDTH panel."""
    out = rgb.copy()
    r = max(2, round(3 * rgb.shape[1] / GRID_WIDTH))
    for y, x in zip(hints.ys, hints.xs):
        cv2.circle(out, (int(x), int(y)), r + max(1, r // 2), (1.0, 1.0, 1.0), -1)
        cv2.circle(out, (int(x), int(y)), r, tuple(float(v) for v in rgb[y, x]), -1)
    return out


def run(data: Path, methods: list[str], weights: Path | None, device: str, limit: int | None,
        grid: Path | None = None, grid_rows: int = 4, hints: tuple[int, ...] = (0, 1, 5, 20)) -> Table:
    images = load_clean(data, limit)
    ours = [m for m in methods if m.startswith("ours")]
    # the shipped hint refiner comes with the shipped colorizer (Task.alternates), as on the command line
    restorer = Restorer.load(TASKS["colorize"], weights, device, options=ColorizeOptions()) if ours else None
    if restorer is not None:  # warm-up, so the first image does not pay for allocation
        predict_logits(C.grey_of(images[0][1][:64, :64]), restorer.predict)
    runs = [("ours", n) for n in hints] if "ours" in methods else []
    runs += [("ours-spread", n) for n in hints if n] if "ours-spread" in methods else []
    runs += [("grey", 0)] if "grey" in methods else []
    table = Table(["method", "PSNR", "over grey", "ΔE ab", "wrong hue", "worse than grey", "hint ΔE",
                   "hints off by > 10", "colourfulness ratio", "s/MP", "images"])
    scores = {r: [] for r in runs}
    errors = {r: [] for r in runs}
    wrong = {r: [] for r in runs}
    hint_errors = {r: [] for r in runs}
    colour = dict.fromkeys(runs, 0.0)
    secs = dict.fromkeys(runs, 0.0)
    grey_scores, colour_orig, rows = [], 0.0, []
    for i, (_, clean) in enumerate(images):
        grey = C.grey_of(clean)
        grey_rgb = quantise(np.repeat(grey, 3, axis=2))
        grey_scores.append(psnr(grey_rgb, clean))
        colour_orig += C.colourfulness(clean)
        mp = clean.shape[0] * clean.shape[1] / 1e6
        if restorer is not None:
            logits, t_net = timed(lambda: predict_logits(grey, restorer.predict))
        shown = {}
        for r in runs:
            method, n = r
            pins = true_hints(clean, n, HINT_SEED + i)
            if method == "grey":
                out, s = grey_rgb, 0.0
            else:
                seen, t_seen = logits, t_net
                if n and restorer.predict.in_channels > 1:  # weights that read the hints run again with them
                    seen, t_seen = timed(lambda: predict_logits(grey, restorer.predict, hints=pins))
                refine = restorer.alternates.get("hints") if method == "ours" else None
                out, s = timed(lambda: quantise(C.colorize_grey(grey, colour_of(grey, seen, pins, refine=refine))))
                s += t_seen
            scores[r].append(psnr(out, clean))
            error, off_hue = colour_errors(out, clean)
            errors[r].append(error)
            wrong[r].append(off_hue)
            hint_errors[r].extend(hint_error(out, pins))
            colour[r] += C.colourfulness(out)
            secs[r] += s / mp
            shown[r] = marked(out, pins) if n else out
        if grid is not None and len(rows) < grid_rows and ("ours", 0) in shown:
            # grey input | ours | [the hints propagated alone |] ours with GRID_HINTS hints (marked) | original
            hinted = [shown[r] for r in (("ours-spread", GRID_HINTS), ("ours", GRID_HINTS)) if r in shown]
            rows.append([grey_rgb, shown[("ours", 0)], *hinted, clean])
    for r in runs:
        worse = float(np.mean(np.array(scores[r]) < np.array(grey_scores)))
        off = np.array(hint_errors[r])
        table.add(label(*r), float(np.mean(scores[r])), float(np.mean(scores[r]) - np.mean(grey_scores)),
                  float(np.mean(errors[r])), float(np.mean(wrong[r])), worse, float(off.mean()) if len(off) else "-",
                  float(np.mean(off > 10)) if len(off) else "-",
                  float(colour[r] / max(colour_orig, 1e-9)), secs[r] / len(images), len(images))
    if rows:
        save_grid(grid, rows, GRID_WIDTH)
    return table


def _counts(value: object) -> tuple[int, ...]:
    """--hints 0,1,5,20 (or the flag repeated) -> (0, 1, 5, 20)."""
    parts = [p for v in ([value] if isinstance(value, (str, int)) else value) for p in re.split(r"[,\s]+", str(v)) if p]
    try:
        counts = tuple(int(p) for p in parts)
    except ValueError:
        raise ValueError(f"--hints: numbers of hint points, e.g. 0,1,5,20; got {', '.join(map(str, parts))}") from None
    if any(c < 0 or c > 64 for c in counts):
        raise ValueError("--hints: each number of hint points must be 0 to 64")
    return tuple(dict.fromkeys(counts)) or (0,)


@dataclass
class ColorizeBenchOptions:
    grid: Path | None = grid_field(
        f"Also save a picture grid (grey input | ours | [ours-spread with {GRID_HINTS} hints |] ours with {GRID_HINTS} hints | "
        "original) of the first images here.")
    hints: tuple[int, ...] = field(default=(0, 1, 5, 20), metadata={
        "help": "Numbers of ground-truth hint points to score 'ours' with, comma-separated (0 = automatic); "
        "default 0,1,5,20."})

    def __post_init__(self) -> None:
        self.hints = _counts(self.hints)


BENCH = Bench(
    name="colorize",
    help="Clean images turned grey and colorized, automatically and with ground-truth hint points; PSNR, "
    "PSNR over grey, ΔE on a*b*, share of pixels painted a wrong hue, share of images worse than grey, ΔE at the "
    "hints, colourfulness ratio, s/MP.",
    run=run,
    methods=METHODS,
    default_methods=("ours", "grey"),
    methods_help="Comma-separated subset (default ours,grey). ours-spread: the hints propagated without the hint refiner "
    "(weights/colorize_hints), for comparison; with --weights, ours runs without it too.",
    options=(ColorizeBenchOptions,),
    record=Recorded("colorize", ("PSNR", "over grey", "ΔE ab", "wrong hue", "worse than grey", "colourfulness ratio")),
    details=lambda options: {"predict_side": PREDICT_SIDE, "hint_seed": HINT_SEED},
    note=lambda options: f"grid saved to {options['grid']}" if options["grid"] is not None else None,
)
