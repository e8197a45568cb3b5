"""Inpainting benchmark: seeded thin / medium / thick masks on clean images;
our model against OpenCV's Telea and Navier-Stokes inpainting (radius 3) and
a plain grey fill, scored over the whole image and inside the holes alone."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..corrupt.functional import quantise
from ..corrupt.masks import SIZES, random_mask
from ..restorer import Restorer
from ..metrics import psnr, ssim_map
from ..tasks import TASKS
from ..tasks.inpaint import inpaint_pixels
from .base import Bench, Recorded, grid_field
from .common import Table, load_clean, save_grid, timed

FILL = 0.5  # grey in the holes before any method sees them

METHODS = ("ours", "telea", "ns", "grey")
RADIUS = 3  # OpenCV's neighbourhood radius, as commonly benchmarked
GRID_ROWS = 4
GRID_MASK = "medium"  # the picture grid shows this mask size: input | Telea | ours | original


def opencv_inpaint(flag: int) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    def fill(img: np.ndarray, hole: np.ndarray) -> np.ndarray:
        u8 = np.clip(np.rint(img * 255), 0, 255).astype(np.uint8)
        return cv2.inpaint(u8, hole.astype(np.uint8), RADIUS, flag).astype(np.float32) / 255

    return fill


def _scores(out: np.ndarray, clean: np.ndarray, hole: np.ndarray) -> tuple[float, float, float, float]:
    """(PSNR, SSIM, PSNR in the holes, SSIM in the holes)."""
    smap = ssim_map(out, clean)
    inner = hole[5:-5, 5:-5]  # ssim_map drops a 5 px border
    err = float(np.mean((out[hole].astype(np.float64) - clean[hole]) ** 2))
    hole_psnr = float("inf") if err == 0 else float(10 * np.log10(1.0 / err))
    return psnr(out, clean), float(smap.mean()), hole_psnr, float(smap[inner].mean()) if inner.any() else float("nan")


def run(data: Path, methods: list[str], weights: Path | None, device: str, limit: int | None, seed: int = 0,
        grid: Path | None = None) -> Table:
    images = load_clean(data, limit)
    restorer = Restorer.load(TASKS["inpaint"], weights, device) if "ours" in methods else None
    fns: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
        "ours": lambda x, m: inpaint_pixels(x, m, restorer.predict),
        "telea": opencv_inpaint(cv2.INPAINT_TELEA),
        "ns": opencv_inpaint(cv2.INPAINT_NS),
        "grey": lambda x, m: x,  # the holes as the methods receive them: the floor to beat
    }
    table = Table(["method", "mask", "hole %", "PSNR", "SSIM", "PSNR hole", "SSIM hole", "s/image", "images"])
    shown: list[list[np.ndarray]] = []
    for k, size in enumerate(SIZES):
        scores: dict[str, list[tuple[float, ...]]] = defaultdict(list)
        area = []
        for i, (_, clean) in enumerate(images):
            hole = random_mask(*clean.shape[:2], np.random.default_rng(seed * 100_003 + i * 1009 + k), size)
            area.append(hole.mean())
            # every method gets the holes greyed out, so none can peek at what was there
            damaged = np.where(hole[..., None], np.float32(FILL), clean).astype(np.float32)
            outs = {}
            for m in methods:
                out, secs = timed(lambda: fns[m](damaged, hole))
                out = np.where(hole[..., None], quantise(out), clean)  # only hole pixels may change
                scores[m].append((*_scores(out, clean, hole), secs))
                outs[m] = out
            if size == GRID_MASK and len(shown) < GRID_ROWS:
                shown.append([damaged, *(outs[m] for m in ("telea", "ours") if m in outs), clean])
        for m in methods:
            arr = np.array(scores[m])
            table.add(m, size, float(100 * np.mean(area)), *(float(v) for v in arr.mean(axis=0)), len(images))
    if grid is not None and shown:
        save_grid(grid, shown)
    return table


@dataclass
class InpaintBenchOptions:
    grid: Path | None = grid_field(
        "Also save a picture grid (input with holes | Telea | ours | original, medium masks) of the first images.")


BENCH = Bench(
    name="inpaint",
    help="Seeded thin/medium/thick masks on clean images; PSNR and SSIM (whole image and holes) and s/image per method.",
    run=run,
    methods=METHODS,
    options=(InpaintBenchOptions,),
    record=Recorded("inpaint", ("PSNR hole", "SSIM hole", "s/image"), group_by="mask"),
    details=lambda options: {"opencv_radius": RADIUS},
)
