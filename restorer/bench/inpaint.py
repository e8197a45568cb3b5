"""Inpainting benchmark: seeded masks on clean images, by kind (thin / medium /
thick strokes, and object masks: one blob or silhouette in each area band) and by
hole area; our model against OpenCV's Telea and Navier-Stokes inpainting (radius 3),
OpenCV contrib's FSR where available (bench/fsr.py) and a plain grey fill, scored
over the whole image and inside the holes alone."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from ..corrupt.functional import quantise
from ..corrupt.masks import KINDS, SIZES, random_mask
from ..corrupt.object_masks import OBJECT_AREA, object_mask
from ..metrics import psnr, ssim_map
from ..restorer import Restorer
from ..tasks import TASKS
from ..tasks.inpaint import inpaint_pixels
from . import fsr
from .base import Bench, Recorded, grid_field
from .common import Table, load_clean, save_grid, timed

FILL = 0.5  # grey in the holes before any method sees them

METHODS = ("ours", "ours-smooth", "fsr", "fsr-best", "telea", "ns", "grey")
DEFAULT_METHODS = ("ours", "ours-smooth", "telea", "ns", "grey")  # fsr needs OpenCV contrib (see bench/fsr.py)
CLASSICAL = ("fsr", "fsr-best", "telea", "ns")  # the grid's "best classical" is the best of these on object masks
RADIUS = 3  # OpenCV's neighbourhood radius, as commonly benchmarked
# Hole-area bands (fractions of the image) the table reports; object masks are drawn once per band,
# inside OBJECT_AREA (so the first band's objects cover 5-10 %). Strokes fall where they fall.
BANDS = ((0.01, 0.10), (0.10, 0.20), (0.20, 0.30))
GRID_ROWS = 4  # the grid shows object masks of the first images, bands taken in turn


def opencv_inpaint(flag: int) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    def fill(img: np.ndarray, hole: np.ndarray) -> np.ndarray:
        u8 = np.clip(np.rint(img * 255), 0, 255).astype(np.uint8)
        return cv2.inpaint(u8, hole.astype(np.uint8), RADIUS, flag).astype(np.float32) / 255

    return fill


def band_of(area: float) -> str:
    for lo, hi in BANDS:
        if lo <= area < hi:
            return f"{100 * lo:.0f}-{100 * hi:.0f}%"
    return f">{100 * BANDS[-1][1]:.0f}%" if area >= BANDS[-1][1] else f"<{100 * BANDS[0][0]:.0f}%"


def bench_masks(h: int, w: int, image: int, seed: int = 0) -> list[tuple[str, np.ndarray]]:
    """(kind, bool mask) for one image: one stroke mask per size (the seeds of earlier
    runs, so their numbers stay comparable) and one object mask per area band."""
    rng = lambda k: np.random.default_rng(seed * 100_003 + image * 1009 + k)  # noqa: E731
    masks = [(size, random_mask(h, w, rng(k), size)) for k, size in enumerate(SIZES)]
    for b, (lo, hi) in enumerate(BANDS):
        masks.append(("object", object_mask(h, w, rng(len(SIZES) + b), (max(lo, OBJECT_AREA[0]), hi))))
    return masks


def gradient_magnitude(img: np.ndarray) -> np.ndarray:
    g = np.ascontiguousarray(img.mean(axis=2))
    return np.hypot(cv2.Sobel(g, cv2.CV_32F, 1, 0), cv2.Sobel(g, cv2.CV_32F, 0, 1))


def hole_detail(out: np.ndarray, clean: np.ndarray, hole: np.ndarray) -> float:
    """Mean gradient magnitude inside the holes over the original's there: a blurred patch scores
    far below 1, copied texture near 1; PSNR does not see the difference. The holes' outermost
    pixels are left out: a step at the border (a seam) is not detail."""
    inner = cv2.erode(hole.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    inner = inner if inner.any() else hole
    return float(gradient_magnitude(out)[inner].mean() / max(gradient_magnitude(clean)[inner].mean(), 1e-6))


def _scores(out: np.ndarray, clean: np.ndarray, hole: np.ndarray) -> tuple[float, float, float, float, float]:
    """(PSNR, SSIM, PSNR in the holes, SSIM in the holes, hole_detail)."""
    smap = ssim_map(out, clean)
    inner = hole[5:-5, 5:-5]  # ssim_map drops a 5 px border
    err = float(np.mean((out[hole].astype(np.float64) - clean[hole]) ** 2))
    hole_psnr = float("inf") if err == 0 else float(10 * np.log10(1.0 / err))
    return (psnr(out, clean), float(smap.mean()), hole_psnr, float(smap[inner].mean()) if inner.any() else float("nan"),
            hole_detail(out, clean, hole))


def _methods(methods: list[str], weights: Path | None, device: str, fsr_python: Path | None) -> dict[str, Callable]:
    """name -> fn(damaged, hole) -> (filled, seconds)."""
    if set(methods) & set(fsr.FLAGS):
        fsr.check(fsr_python)  # before any work: a missing OpenCV contrib is a message, not a crash later
    restorer = Restorer.load(TASKS["inpaint"], weights, device) if {"ours", "ours-smooth"} & set(methods) else None
    plain: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
        "ours": lambda x, m: inpaint_pixels(x, m, restorer.predict, texture=True),  # `restore inpaint` as it ships
        "ours-smooth": lambda x, m: inpaint_pixels(x, m, restorer.predict),  # --fill smooth
        "telea": opencv_inpaint(cv2.INPAINT_TELEA),
        "ns": opencv_inpaint(cv2.INPAINT_NS),
        "grey": lambda x, m: x,  # the holes as the methods receive them: the floor to beat
    }
    fns = {m: (lambda x, h, f=f: timed(lambda: f(x, h))) for m, f in plain.items()}
    for m in fsr.FLAGS:  # timed by FSR's own clock, so another Python's start-up is not counted
        fns[m] = lambda x, h, m=m: fsr.fsr_fill(x, h, m, fsr_python)
    return {m: fns[m] for m in methods}


def run(data: Path, methods: list[str], weights: Path | None, device: str, limit: int | None, seed: int = 0,
        grid: Path | None = None, fsr_python: Path | None = None) -> Table:
    images = load_clean(data, limit)
    fns = _methods(methods, weights, device, fsr_python)
    # per (method, kind): (area, PSNR, SSIM, PSNR hole, SSIM hole, detail hole, seconds) for each mask
    scores: dict[tuple[str, str], list[tuple[float, ...]]] = defaultdict(list)
    shown: list[dict[str, np.ndarray]] = []
    for i, (_, clean) in enumerate(images):
        objects = 0
        for kind, hole in bench_masks(*clean.shape[:2], i, seed):
            # every method gets the holes greyed out, so none can peek at what was there
            damaged = np.where(hole[..., None], np.float32(FILL), clean).astype(np.float32)
            outs = {}
            for m, fn in fns.items():
                out, secs = fn(damaged, hole)
                outs[m] = np.where(hole[..., None], quantise(out), clean)  # only hole pixels may change
                scores[m, kind].append((float(hole.mean()), *_scores(outs[m], clean, hole), secs))
            if kind == "object" and objects == i % len(BANDS) and len(shown) < GRID_ROWS:
                shown.append({"input": damaged, **outs, "original": clean})
            objects += kind == "object"
    table = Table(["method", "mask", "hole %", "PSNR", "SSIM", "PSNR hole", "SSIM hole", "detail hole", "s/image",
                   "images"])
    for kind in KINDS:
        for m in methods:
            rows = np.array(scores[m, kind])
            groups = {kind: rows}
            bands = np.array([band_of(a) for a in rows[:, 0]])
            if len(set(bands)) > 1 or kind == "object":  # a kind that spans bands also gets a row per band
                groups.update({f"{kind} {b}": rows[bands == b] for b in sorted(set(bands), key=_band_order)})
            for label, r in groups.items():
                table.add(m, label, float(100 * r[:, 0].mean()), *(float(v) for v in r[:, 1:].mean(axis=0)), len(r))
    best = _best_classical(scores, methods)
    if grid is not None and shown and best is not None:
        ours = [m for m in ("ours-smooth", "ours") if m in methods]
        save_grid(grid, [[row["input"], row[best], *(row[m] for m in ours), row["original"]] for row in shown])
    return table


def _band_order(label: str) -> float:
    return float(label.strip("<>%").split("-")[0])


def _best_classical(scores: dict, methods: list[str]) -> str | None:
    """The classical method with the best mean hole PSNR on object masks in this run (the grey fill if none ran)."""
    ran = [m for m in CLASSICAL if m in methods] or [m for m in ("grey",) if m in methods]
    return max(ran, key=lambda m: np.mean([s[3] for s in scores[m, "object"]])) if ran else None


@dataclass
class InpaintBenchOptions:
    grid: Path | None = grid_field(
        "Also save a picture grid (object masks: input with holes | best classical method on object masks | "
        "ours-smooth | ours | original, the ones that ran) of the first images.")
    fsr_python: Path | None = field(default=None, metadata={
        "help": "A Python with opencv-contrib-python-headless (cv2.xphoto) to run the fsr methods in, when this "
                "environment's OpenCV lacks it (the two OpenCV wheels must not share an environment).",
        "exists": True, "dir_okay": False})


BENCH = Bench(
    name="inpaint",
    help="Seeded masks on clean images: thin/medium/thick strokes and object shapes, reported by kind and by hole "
         "area band; PSNR and SSIM (whole image and holes) and s/image per method.",
    run=run,
    methods=METHODS,
    default_methods=DEFAULT_METHODS,
    methods_help="Comma-separated subset of: " + ", ".join(METHODS) + " (ours = as `restore inpaint` ships, texture "
                 "in wide holes; ours-smooth = --fill smooth; fsr = OpenCV contrib FSR_FAST, fsr-best = FSR_BEST; "
                 "they need cv2.xphoto here or --fsr-python).",
    options=(InpaintBenchOptions,),
    record=Recorded("inpaint", ("PSNR hole", "SSIM hole", "detail hole", "s/image"), group_by="mask"),
    details=lambda options: {"opencv_radius": RADIUS},
)
