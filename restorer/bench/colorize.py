"""Colorization benchmark: each clean image is turned grey (same CIE lightness)
and colorized; PSNR against the original colour image, Hasler-Suesstrunk
colourfulness as a ratio to the originals' (summed over the folder, so
near-grey originals do not blow up a mean of ratios), and seconds per
megapixel. The grey image itself is the baseline (colourfulness 0).

Published anchors for scale (ImageNet val, 2000 images, PSNR as measured by
OpenVINO's model zoo): Zhang et al. ECCV16 26.99 dB, SIGGRAPH17 without hints
27.73 dB; other datasets and resolutions are not directly comparable."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import color as C
from ..corrupt.functional import quantise
from ..restorer import Restorer
from ..metrics import psnr
from ..tasks import TASKS
from ..tasks.colorize import PREDICT_SIDE, predict_ab
from .base import Bench, Recorded, grid_field
from .common import Table, load_clean, save_grid, timed

METHODS = ("ours", "grey")
GRID_WIDTH = 320  # px per panel in the picture grid


def run(data: Path, methods: list[str], weights: Path | None, device: str, limit: int | None,
        grid: Path | None = None, grid_rows: int = 4) -> Table:
    images = load_clean(data, limit)
    restorer = Restorer.load(TASKS["colorize"], weights, device) if "ours" in methods else None
    if restorer is not None:  # warm-up, so the first image does not pay for allocation
        predict_ab(C.grey_of(images[0][1][:64, :64]), restorer.predict)
    fns = {
        "ours": lambda grey: C.colorize_grey(grey, predict_ab(grey, restorer.predict)),
        "grey": lambda grey: np.repeat(grey, 3, axis=2),
    }
    table = Table(["method", "PSNR", "colourfulness ratio", "s/MP", "images"])
    outputs: dict[str, list[np.ndarray]] = {m: [] for m in methods}
    for m in methods:
        scores, ours_m, orig_m, secs = [], 0.0, 0.0, 0.0
        for _, clean in images:
            grey = C.grey_of(clean)
            out, s = timed(lambda: fns[m](grey))
            out = quantise(out)
            scores.append(psnr(out, clean))
            ours_m += C.colourfulness(out)
            orig_m += C.colourfulness(clean)
            secs += s / (clean.shape[0] * clean.shape[1] / 1e6)
            if len(outputs[m]) < grid_rows:
                outputs[m].append(out)
        table.add(m, float(np.mean(scores)), float(ours_m / max(orig_m, 1e-9)), secs / len(images), len(images))
    if grid is not None:
        # one row per image: grey input | ours (if run) | original
        save_grid(grid, [[np.repeat(C.grey_of(clean), 3, axis=2), *([outputs["ours"][i]] if "ours" in outputs else []), clean]
                         for i, (_, clean) in enumerate(images[:grid_rows])], GRID_WIDTH)
    return table


@dataclass
class ColorizeBenchOptions:
    grid: Path | None = grid_field(
        "Also save a picture grid (grey input | ours | original) of the first images here.")


BENCH = Bench(
    name="colorize",
    help="Clean images turned grey and colorized; PSNR against the originals, colourfulness ratio and s/MP per method.",
    run=run,
    methods=METHODS,
    options=(ColorizeBenchOptions,),
    record=Recorded("colorize", ("PSNR", "colourfulness ratio")),
    details=lambda options: {"predict_side": PREDICT_SIDE},
    note=lambda options: f"grid saved to {options['grid']}" if options["grid"] is not None else None,
)
