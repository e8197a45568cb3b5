"""Upscaling benchmark.

clean protocol (the papers'): each clean image, cropped to a multiple of the scale, is shrunk
by antialiased bicubic (MATLAB's imresize, as Pillow does it) and saved as 8 bits; every
method enlarges that same small file. PSNR and SSIM on the luma (Y of YCbCr, BT.601) with
`scale` pixels cropped at each border, as the SR papers report (Set14 x2/x4: bicubic
30.24/26.00, SRCNN 32.42/27.49, EDSR 33.92/28.80).

camera protocol: real camera noise (DATA/noisy/NAME with DATA/clean/NAME, e.g. cc15): the noisy
photo is shrunk by pixel averaging (what a phone, an editor or a web upload does) and
enlarged back; scored against the clean reference at full size, so a method that magnifies
the noise loses."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..corrupt.downscale import clean_small
from ..corrupt.functional import quantise
from ..metrics import psnr, ssim
from ..resize import resize_float
from ..restorer import Restorer
from ..tasks import TASKS
from ..tasks.upscale import SCALES, UpscaleOptions
from .base import Bench, Recorded, grid_field
from .common import Table, load_clean, plain_photo, save_grid, timed
from .denoise import load_pairs

METHODS = ("ours", "ours-clean", "ours-real", "bicubic", "lanczos", "nearest")
PROTOCOLS = ("clean", "camera")
GRID_CROP = 128  # px of the small input per grid panel, so the panels show pixels, not a thumbnail


def luma(img: np.ndarray) -> np.ndarray:
    """Y of YCbCr (BT.601, studio range as MATLAB's rgb2ycbcr) in [0, 1]."""
    return (16 + img @ np.array([65.481, 128.553, 24.966], np.float32)) / 255


def score_y(out: np.ndarray, target: np.ndarray, border: int) -> tuple[float, float]:
    """(PSNR, SSIM) on luma with `border` pixels cropped at each edge."""
    a, b = luma(out), luma(target)
    if border:
        a, b = a[border:-border, border:-border], b[border:-border, border:-border]
    return psnr(a, b), ssim(a, b)


def to_multiple(img: np.ndarray, scale: int) -> np.ndarray:
    """img cropped so both sides are multiples of scale: the large size the small image enlarges to."""
    h, w = img.shape[:2]
    return img[: h // scale * scale, : w // scale * scale]


def shrink_by_averaging(img: np.ndarray, scale: int) -> np.ndarray:
    h, w = img.shape[:2]
    return quantise(resize_float(to_multiple(img, scale), (w // scale, h // scale), "area"))


def cases(data: Path, protocol: str, scale: int, limit: int | None) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, small 8-bit input, full-size target) per image."""
    if protocol == "camera":
        return [(name, shrink_by_averaging(noisy, scale), to_multiple(clean, scale))
                for name, noisy, clean in load_pairs(data, limit)]
    return [(name, clean_small(to_multiple(clean, scale), scale), to_multiple(clean, scale))
            for name, clean in load_clean(data, limit)]


def run(data: Path, methods: list[str], weights: Path | None, device: str, limit: int | None,
        scale: int | None = None, protocol: str = "clean", grid: Path | None = None, grid_rows: int = 4) -> Table:
    restorer = Restorer.load(TASKS["upscale"], weights, device) if any(m.startswith("ours") for m in methods) else None
    own_mode = "real" if protocol == "camera" else "clean"
    modes = {"ours": own_mode, "ours-clean": "clean", "ours-real": "real"}

    def method(name: str, s: int) -> Callable[[np.ndarray], np.ndarray]:
        if name in modes:
            return lambda x: restorer(plain_photo(x), UpscaleOptions(scale=s, mode=modes[name])).pixels
        return lambda x: resize_float(x, (x.shape[1] * s, x.shape[0] * s), name)

    table = Table(["method", "scale", "PSNR-Y", "SSIM-Y", "s/MP", "images"])
    shown: list[list[np.ndarray]] = []
    for s in ([scale] if scale else list(SCALES)):
        pairs = cases(data, protocol, s, limit)
        if restorer is not None:  # warm-up: first-call allocations are not the method's speed
            method(next(m for m in methods if m in modes), s)(pairs[0][1][:32, :32])
        shown_now = grid is not None and s == (scale or SCALES[0])
        rows: list[list[np.ndarray]] = [[] for _ in pairs[:grid_rows]] if shown_now else []  # kept for the grid only
        for m in methods:
            fn, scores, secs = method(m, s), [], 0.0
            for k, (_, small, target) in enumerate(pairs):
                out, t = timed(lambda: fn(small))
                out = quantise(out)
                scores.append(score_y(out, target, s))
                secs += t / (target.shape[0] * target.shape[1] / 1e6)
                if k < len(rows):
                    rows[k].append(out)
            arr = np.array(scores)
            table.add(m, s, float(arr[:, 0].mean()), float(arr[:, 1].mean()), secs / len(pairs), len(pairs))
        if shown_now:
            shown = [_crops(small, outs, target, s) for (_, small, target), outs in zip(pairs, rows)]
    if grid is not None:
        save_grid(grid, shown, width=256)
    return table


def _crops(small: np.ndarray, outs: list[np.ndarray], target: np.ndarray, s: int) -> list[np.ndarray]:
    """Centre crops at the output's scale: the small input enlarged by nearest (its pixels as they are),
    each method, the reference."""
    h, w = small.shape[:2]
    c = min(GRID_CROP, h, w)
    y, x = (h - c) // 2, (w - c) // 2
    near = np.repeat(np.repeat(small[y : y + c, x : x + c], s, 0), s, 1)
    big = lambda img: img[y * s : (y + c) * s, x * s : (x + c) * s]
    return [near, *(big(o) for o in outs), big(target)]


@dataclass
class UpscaleBenchOptions:
    scale: int | None = field(default=None, metadata={"help": "Only this scale (default: 2 and 4).", "choices": SCALES})
    protocol: str = field(default="clean", metadata={
        "help": "clean: bicubic-shrunk clean images, luma PSNR (the papers'); camera: DATA/noisy + DATA/clean "
                "(cc15), the noisy photo shrunk by averaging, scored against the clean reference.",
        "choices": PROTOCOLS})
    grid: Path | None = grid_field("Also save a picture grid of centre crops (input by nearest | each method | "
                                   "reference) of the first images at the first scale.")


BENCH = Bench(
    name="upscale",
    help="Shrunk images enlarged again by ours, bicubic, Lanczos and nearest; luma PSNR/SSIM (border cropped) "
         "and s per output MP.",
    run=run,
    methods=METHODS,
    default_methods=("ours", "bicubic", "lanczos"),
    methods_help="Comma-separated subset (ours: the mode matching the protocol; ours-clean, ours-real: a given mode).",
    options=(UpscaleBenchOptions,),
    record=Recorded("upscale", ("PSNR-Y", "SSIM-Y"), group_by="scale"),
    details=lambda options: {"protocol": options["protocol"], "scale": options["scale"]},
)
