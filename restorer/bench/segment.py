"""Damage-detection benchmark: seeded synthetic damage (restorer/corrupt/damage.py)
on clean images; the predicted mask against the exact one, for our model and a
classical baseline measured in the same run: white and black morphological
top-hats (what stands out from its surroundings as a thin bright or dark
structure) with a fixed threshold."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from ..corrupt.damage import random_damage
from ..corrupt.functional import quantise
from ..restorer import Restorer
from ..tasks import TASKS
from ..tasks.segment import predict_labels
from .base import Bench, Recorded, grid_field
from .damage_independent import independent_damage
from .common import Table, load_clean, save_grid, timed

METHODS = ("ours", "ours-1view", "tophat")  # ours-1view: the same weights without the view ensemble
TOPHAT_KERNEL = 11  # px: wider than scratches and specks, narrower than most image detail
TOPHAT_THRESHOLD = 0.3  # 0-1 scale; kernel and threshold: the best IoU on 30 bsds432 images (not the benchmark sets)
GRID_ROWS = 4
GRID_WIDTH = 320  # px per panel in the picture grid


def tophat_mask(img: np.ndarray) -> np.ndarray:
    """Bool HxW: pixels much brighter or darker than the local opening/closing of the luminance."""
    gray = np.rint(np.clip(img @ np.array([0.299, 0.587, 0.114], np.float32), 0, 1) * 255).astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (TOPHAT_KERNEL, TOPHAT_KERNEL))
    white = cv2.morphologyEx(gray, cv2.MORPH_TOPHAT, kernel)
    black = cv2.morphologyEx(gray, cv2.MORPH_BLACKHAT, kernel)
    return np.maximum(white, black) > TOPHAT_THRESHOLD * 255


def scores(tp: int, fp: int, fn: int) -> dict[str, float]:
    """IoU, F1, precision and recall from pixel counts (1.0 where nothing was there to find or miss)."""
    ratio = lambda a, b: a / b if b else 1.0
    return {"IoU": ratio(tp, tp + fp + fn), "F1": ratio(2 * tp, 2 * tp + fp + fn),
            "precision": ratio(tp, tp + fp), "recall": ratio(tp, tp + fn)}


def pixel_counts(pred: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """[true positives, false positives, false negatives] of a bool mask against the exact one."""
    return np.array([(pred & truth).sum(), (pred & ~truth).sum(), (~pred & truth).sum()], np.int64)


# Damage generators the benches score on: ours (what the detector trains on) and an independent
# one that training never sees (the gap between them is what the detector overfits to ours).
GENERATORS: dict[str, Callable[[np.ndarray, np.random.Generator], tuple[np.ndarray, np.ndarray]]] = {
    "ours": lambda img, rng: random_damage(img, rng, clean_odds=0.0),
    "independent": independent_damage,
}


def damaged_set(images: list[tuple[str, np.ndarray]], seed: int, generator: str = "ours") -> list[tuple[np.ndarray, np.ndarray]]:
    """(damaged 8-bit image, exact mask) per image, the same for every run with this seed."""
    out = []
    for i, (_, clean) in enumerate(images):
        damaged, mask = GENERATORS[generator](clean, np.random.default_rng(seed * 100_003 + i))
        out.append((quantise(damaged), mask))
    return out


def run(data: Path, methods: list[str], weights: Path | None, device: str, limit: int | None,
        seed: int = 0, grid: Path | None = None, generator: str = "ours") -> Table:
    images = load_clean(data, limit)
    ours = [m for m in methods if m.startswith("ours")]
    restorer = Restorer.load(TASKS["segment"], weights, device) if ours else None
    fns: dict[str, Callable[[np.ndarray], np.ndarray]] = {
        "ours": lambda x: predict_labels(x, restorer.predict)[0] > 0,
        "ours-1view": lambda x: predict_labels(x, restorer.predict, views=1)[0] > 0,
        "tophat": tophat_mask,
    }
    cases = damaged_set(images, seed, generator)
    if restorer is not None:
        fns[ours[0]](cases[0][0][:64, :64])  # warm-up: first-call allocations are not the method's speed
    counts = {m: np.zeros(3, np.int64) for m in methods}
    seconds = dict.fromkeys(methods, 0.0)
    shown: list[list[np.ndarray]] = []
    megapixels = sum(img.shape[0] * img.shape[1] for img, _ in cases) / 1e6
    for k, (damaged, truth) in enumerate(cases):
        row = [damaged, truth]
        for m in methods:
            pred, secs = timed(lambda: fns[m](damaged))
            seconds[m] += secs
            counts[m] += pixel_counts(pred, truth)
            row.append(pred)
        if k < GRID_ROWS:
            shown.append(row)
    table = Table(["method", "IoU", "F1", "precision", "recall", "damage %", "s/MP", "images"])
    damage = 100 * sum(t.sum() for _, t in cases) / (megapixels * 1e6)
    for m in methods:
        table.add(m, *scores(*(int(v) for v in counts[m])).values(), float(damage), seconds[m] / megapixels, len(cases))
    if grid is not None:
        save_grid(grid, shown, GRID_WIDTH)
    return table


@dataclass
class SegmentBenchOptions:
    seed: int = field(default=0, metadata={"help": "Seed of the synthetic damage."})
    generator: str = field(default="ours", metadata={
        "help": "ours: the damage the detector trains on; independent: another generator's, never trained on "
                "(restorer/bench/damage_independent.py).", "choices": tuple(GENERATORS)})
    grid: Path | None = grid_field(
        "Also save a picture grid (damaged, true mask, each method's mask) of the first images.")


BENCH = Bench(
    name="segment",
    help="Seeded synthetic damage on clean images; IoU, F1, precision, recall of the mask and s/MP per method.",
    run=run,
    methods=METHODS,
    methods_help="Comma-separated subset (ours-1view: our detector without the view ensemble).",
    options=(SegmentBenchOptions,),
    record=Recorded("segment", ("IoU", "F1", "precision", "recall")),
    details=lambda options: {"seed": options["seed"], "generator": options["generator"], "tophat": {"kernel": TOPHAT_KERNEL, "threshold": TOPHAT_THRESHOLD}},
)
