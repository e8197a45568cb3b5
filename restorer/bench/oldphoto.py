"""Old-photo benchmark: black-and-white versions of clean photos get seeded
synthetic damage (restorer/corrupt/damage.py) and film grain; PSNR and SSIM
against the undamaged black-and-white photo for `restore oldphoto --no-colorize`
(detect -> inpaint -> denoise, shipped weights), for a classical pipeline
measured in the same run (top-hat damage mask -> OpenCV Telea inpainting ->
OpenCV non-local means), and for the damaged input itself. `ours-fill` is the pipeline with every
damaged pixel inpainted (`--no-see-through`), to show what keeping the photo under translucent
marks is worth."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np

from .. import color as C
from ..corrupt.functional import quantise
from ..metrics import psnr, ssim_map
from ..oldphoto import OldPhoto, OldPhotoOptions, StageWeights
from .base import KODAK, Bench, grid_field
from .common import Table, load_clean, plain_photo, save_grid, timed
from .denoise import nlm
from .inpaint import opencv_inpaint
from .segment import GENERATORS, tophat_mask

METHODS = ("ours", "ours-fill", "classical", "input")
GRID_WIDTH = 256
GRAIN = 10.0  # film grain, Gaussian sigma on the 0-255 scale
DILATE = OldPhotoOptions.dilate  # px the classical mask grows before inpainting: oldphoto's default


def damaged_scan(clean: np.ndarray, rng: np.random.Generator,
                 draw: Callable[[np.ndarray, np.random.Generator], tuple[np.ndarray, np.ndarray]]
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(damaged 8-bit grainy scan, undamaged black-and-white original, true HxW damage mask): the photo
    made grey, `draw` (a damage generator or one kind of damage) and the scan's grain. Both images are
    HxWx3, with equal channels in the original (the damage may tint: stains are brown)."""
    bw = np.repeat(C.grey_of(clean), 3, axis=2)
    damaged, truth = draw(bw.copy(), rng)
    grain = rng.normal(0, GRAIN / 255, damaged.shape[:2]).astype(np.float32)[..., None]
    return quantise(damaged + grain), bw, truth


def damaged_bw(clean: np.ndarray, rng: np.random.Generator, generator: str = "ours") -> tuple[np.ndarray, np.ndarray]:
    """damaged_scan with one of the segment bench's generators, without the mask."""
    return damaged_scan(clean, rng, GENERATORS[generator])[:2]


def classical(img: np.ndarray) -> np.ndarray:
    """The other benchmarks' baselines in a row: top-hat mask, OpenCV Telea, OpenCV NLM."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * DILATE + 1,) * 2)
    mask = cv2.dilate(tophat_mask(img).astype(np.uint8), kernel)
    return nlm(opencv_inpaint(cv2.INPAINT_TELEA)(img, mask), GRAIN)


def run(data: Path, methods: list[str], device: str, limit: int | None, seed: int = 0, generator: str = "ours",
        grid: Path | None = None, grid_rows: int = 4, **stage_weights: Path | None) -> Table:
    """`stage_weights`: StageWeights' fields, the stages' weights files (default: the shipped ones)."""
    options = OldPhotoOptions(no_colorize=True)
    ours = {"ours", "ours-fill"} & set(methods)
    pipeline = OldPhoto.load(options, StageWeights(**stage_weights), device) if ours else None
    return measure(load_clean(data, limit), methods, pipeline, seed, generator, grid, grid_rows)


def measure(images: list[tuple[str, np.ndarray]], methods: list[str], pipeline: OldPhoto | None, seed: int = 0,
            generator: str = "ours", grid: Path | None = None, grid_rows: int = 4) -> Table:
    """The benchmark on `images` (as `load_clean` gives them), `ours` being `pipeline`, whatever its settings,
    and `ours-fill` the same with every damaged pixel filled."""
    fill_all = replace(pipeline, options=replace(pipeline.options, no_see_through=True)) if pipeline else None
    fns: dict[str, Callable[[np.ndarray], np.ndarray]] = {
        "ours": lambda x: pipeline(plain_photo(x))[""].pixels, "ours-fill": lambda x: fill_all(plain_photo(x))[""].pixels,
        "classical": classical, "input": lambda x: x}
    scores: dict[str, list[tuple[float, float, float]]] = {m: [] for m in methods}
    rows: list[list[np.ndarray]] = []
    for i, (_, clean) in enumerate(images):
        damaged, original = damaged_bw(clean, np.random.default_rng(seed * 100_003 + i), generator)
        mp = damaged.shape[0] * damaged.shape[1] / 1e6
        outs = {}
        for m in methods:
            out, secs = timed(lambda: fns[m](damaged))
            outs[m] = out = quantise(out)
            scores[m].append((psnr(out, original), float(ssim_map(out, original).mean()), secs / mp))
        if grid is not None and i < grid_rows:  # damaged | ours-fill | ours | original
            rows.append([damaged, *(outs[m] for m in ("ours-fill", "ours") if m in outs), original])
    if grid is not None:
        save_grid(grid, rows, GRID_WIDTH)
    table = Table(["method", "PSNR", "SSIM", "s/MP", "images"])
    for m in methods:
        arr = np.array(scores[m])
        table.add(m, *(float(v) for v in arr.mean(axis=0)), len(images))
    return table


@dataclass
class OldPhotoBenchOptions:
    seed: int = field(default=0, metadata={"help": "Seed of the synthetic damage and grain."})
    generator: str = field(default="ours", metadata={
        "help": "ours: the damage the detector trains on; independent: another generator's, never trained on.",
        "choices": tuple(GENERATORS)})
    grid: Path | None = grid_field("Also save a picture grid (damaged | ours-fill | ours | original) of the first images.")


BENCH = Bench(
    name="oldphoto",
    help="Damaged, grainy black-and-white photos restored by `oldphoto` and a classical pipeline; PSNR/SSIM vs the "
    "originals.\n\nThe stage weights options measure other weights (e.g. a new damage detector) in place of the shipped ones.",
    run=run,
    methods=METHODS,
    default_data=KODAK,
    options=(OldPhotoBenchOptions, StageWeights),
    weights=False,  # the stages' weights are options of their own
    details=lambda options: {"seed": options["seed"], "generator": options["generator"], "grain_sigma": GRAIN},
    note=lambda options: f"grid saved to {options['grid']}" if options["grid"] is not None else None,
)
