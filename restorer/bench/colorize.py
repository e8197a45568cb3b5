"""Colorization benchmark: each clean image is turned grey (same CIE lightness)
and colorized; PSNR against the original colour image, Hasler-Suesstrunk
colourfulness as a ratio to the originals' (summed over the folder, so
near-grey originals do not blow up a mean of ratios), and seconds per
megapixel. The grey image itself is the baseline (colourfulness 0).

Published anchors for scale (ImageNet val, 2000 images, PSNR as measured by
OpenVINO's model zoo): Zhang et al. ECCV16 26.99 dB, SIGGRAPH17 without hints
27.73 dB; other datasets and resolutions are not directly comparable."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from .. import color as C
from ..inference import Restorer
from ..metrics import psnr
from ..tasks import TASKS
from ..tasks.colorize import predict_ab
from .common import Table, load_clean, quantise, timed

METHODS = ("ours", "grey")
GRID_ROW_HEIGHT = 192


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
        save_grid(grid, [c for _, c in images[:grid_rows]], outputs.get("ours"))
    return table


def _fit(img: np.ndarray, height: int) -> Image.Image:
    pil = Image.fromarray(np.rint(np.clip(img, 0, 1) * 255).astype(np.uint8))
    return pil.resize((max(1, round(pil.width * height / pil.height)), height), Image.LANCZOS)


def save_grid(path: Path, originals: list[np.ndarray], ours: list[np.ndarray] | None) -> Path:
    """One row per image: grey input | ours (if run) | original."""
    rows = []
    for i, clean in enumerate(originals):
        cells = [np.repeat(C.grey_of(clean), 3, axis=2)] + ([ours[i]] if ours else []) + [clean]
        pics = [_fit(c, GRID_ROW_HEIGHT) for c in cells]
        rows.append(pics)
    width = max(sum(p.width for p in r) + 4 * (len(r) - 1) for r in rows)
    canvas = Image.new("RGB", (width, len(rows) * (GRID_ROW_HEIGHT + 4) - 4), "white")
    for y, r in enumerate(rows):
        x = 0
        for p in r:
            canvas.paste(p, (x, y * (GRID_ROW_HEIGHT + 4)))
            x += p.width + 4
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    canvas.save(path)
    return path
