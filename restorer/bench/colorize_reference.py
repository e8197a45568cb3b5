"""Reference colour (`colorize --reference`), benchmarked: each photo is cut in two along its long side;
one half, in colour, is the reference ("a colour photo of a similar scene") and the other half is made
grey and colorized. Scored on the colorized half against its original: PSNR over grey, share worse than
grey, Delta E on a*b*. Methods: the automatic colour, ours with the reference, and the classical baseline
(each pixel the reference's mean colour at its lightness: Welsh et al. 2002's luminance matching)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import color as C
from ..color_hints import Hints
from ..color_reference import lightness_palette, palette_of
from ..corrupt.functional import quantise
from ..metrics import psnr
from ..restorer import Restorer
from ..tasks import TASKS
from ..tasks.base import Predictor
from ..color_decoding import Decoding
from ..tasks.colorize import (REFERENCE_CLASSICAL_SHARE, REFERENCE_DECODING, REFERENCE_WEIGHT, colour_of, predict_logits,
                              upsample_ab)
from .base import Bench, grid_field
from .common import Table, load_clean, save_grid

GRID_WIDTH = 240
METHODS = ("ours", "ours+reference", "classical")


def halves(clean: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(reference, target): the first and the second half along the long side; None for a grey photo."""
    if not C.is_colour(clean):
        return None
    h, w = clean.shape[:2]
    if w >= h:
        return clean[:, : w // 2], clean[:, w // 2 :]
    return clean[: h // 2], clean[h // 2 :]


SHIPPED = ((REFERENCE_WEIGHT, REFERENCE_DECODING),)


def reference_outputs(target: np.ndarray, reference: np.ndarray, predict: Predictor,
                      variants: Sequence[tuple[float, Decoding]] = SHIPPED,
                      classical_share: float = REFERENCE_CLASSICAL_SHARE) -> dict[str, np.ndarray]:
    """The target half colorized: {"grey", "ours" (automatic), "ours+reference" (one per (weight, decoding),
    named by them when there are several; classical_share of each is the classical answer), "classical"}, 8-bit."""
    grey = C.grey_of(target)
    logits = predict_logits(grey, predict)
    palette = palette_of(reference)
    out = {"grey": quantise(np.repeat(grey, 3, axis=2)),
           "ours": quantise(C.colorize_grey(grey, colour_of(grey, logits, Hints.none())))}
    for w, d in variants:
        setting = f"{w:g}, {d.temperature:g}:{d.alpha:g}:{d.chroma:g}:{d.shrink:g}"
        name = "ours+reference" if len(variants) == 1 else f"ours+reference {setting}"
        ab = colour_of(grey, logits, Hints.none(), palette=palette, reference_weight=w, reference_decoding=d,
                       classical_share=classical_share)
        out[name] = quantise(C.colorize_grey(grey, ab))
    ab = lightness_palette(C.lightness_of_grey(grey[..., 0]), palette)
    out["classical"] = quantise(C.colorize_grey(grey, upsample_ab(ab.astype(np.float32), grey.shape)))
    return out


def scores(outs: dict[str, np.ndarray], target: np.ndarray) -> dict[str, tuple[float, float, float]]:
    """{method: (PSNR over grey, mean Delta E on a*b*, PSNR)} of reference_outputs, grey left out."""
    base = psnr(outs["grey"], target)
    lab = C.rgb_to_lab(target)[..., 1:]
    out = {}
    for m, o in outs.items():
        if m != "grey":
            p = psnr(o, target)
            out[m] = (p - base, float(np.linalg.norm(C.rgb_to_lab(o)[..., 1:] - lab, axis=-1).mean()), p)
    return out


def run(data: Path, methods: list[str], weights: Path | None, device: str, limit: int | None,
        grid: Path | None = None, grid_rows: int = 4) -> Table:
    predict = Restorer.load(TASKS["colorize"], weights, device).predict
    table = Table(["method", "PSNR", "over grey", "ΔE ab", "worse than grey", "images"])
    got: dict[str, list[tuple[float, float, float]]] = {}
    rows = []
    for _, clean in load_clean(data, limit):
        if (split := halves(clean)) is None:
            continue
        reference, target = split
        outs = reference_outputs(target, reference, predict)
        if grid is not None and len(rows) < grid_rows:  # reference | grey half | classical | ours | ours+reference | original
            rows.append([reference, outs["grey"], outs["classical"], outs["ours"], outs["ours+reference"], target])
        for method, score in scores(outs, target).items():
            if method in methods:
                got.setdefault(method, []).append(score)
    for method, s in got.items():
        a = np.array(s)
        table.add(method, float(a[:, 2].mean()), float(a[:, 0].mean()), float(a[:, 1].mean()),
                  float(np.mean(a[:, 0] < 0)), len(a))
    if rows:
        save_grid(grid, rows, GRID_WIDTH)
    return table


@dataclass
class ReferenceBenchOptions:
    grid: Path | None = grid_field(
        "Also save a picture grid (reference | grey | classical | ours | ours+reference | original) of the first images here.")


BENCH = Bench(
    name="colorize-reference",
    help="colorize --reference: each photo's first half (along its long side), in colour, is the reference for "
    "colorizing its second half; PSNR, PSNR over grey, ΔE on a*b*, share worse than grey, against the classical "
    "baseline (the reference's mean colour at each lightness). Grey photos are left out.",
    run=run,
    methods=METHODS,
    options=(ReferenceBenchOptions,),
)
