"""Unfading benchmark: each clean photo is faded by the seeded synthetic pipeline
(restorer/corrupt/fading.py) and saved as an 8-bit file; PSNR and mean ΔE (CIE76, Lab) against the
unfaded photo for ours (`restore unfade`), the classical correction (per-channel auto-levels and
grey-world balance, restorer/unfade.py) and the faded input itself. Rows for all photos, for the
faded ones and for the barely faded (a quarter of the draws, as in training: oldphoto's gate lets some
unfaded colour photos through, so leaving those alone counts). A photo equal to the original scores PSNR_CAP, not
infinity (barely faded 8-bit files can round back to the original)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..corrupt.fading import NEARLY_NONE_MAX, faded_print
from ..corrupt.functional import quantise
from ..metrics import delta_e, psnr
from ..restorer import Restorer
from ..tasks import TASKS
from ..unfade import classical
from .base import KODAK, Bench, Recorded, grid_field
from .common import Table, load_clean, plain_photo, save_grid, timed

METHODS = ("ours", "classical", "input")
GRID_WIDTH = 240
PSNR_CAP = 60.0  # dB
GROUPS = ("all", "faded", "barely")


def faded_file(clean: np.ndarray, seed: int, index: int) -> tuple[np.ndarray, bool]:
    """(the benchmark's faded 8-bit version of image number `index`, whether it barely faded);
    restorer/corrupt/fading.faded_print with that seed."""
    faded, fading = faded_print(clean, np.random.default_rng(seed * 100_003 + index))
    return quantise(faded), fading.strength <= NEARLY_NONE_MAX


def run(data: Path, methods: list[str], weights: Path | None, device: str, limit: int | None, seed: int = 0,
        grid: Path | None = None, grid_rows: int = 6) -> Table:
    restorer = Restorer.load(TASKS["unfade"], weights, device) if "ours" in methods else None
    options = TASKS["unfade"].options()
    fns: dict[str, Callable[[np.ndarray], np.ndarray]] = {
        "ours": lambda x: restorer(plain_photo(x), options).pixels, "classical": classical, "input": lambda x: x}
    return measure(load_clean(data, limit), methods, fns, seed, grid, grid_rows)


def measure(images: list[tuple[str, np.ndarray]], methods: list[str], fns: dict[str, Callable[[np.ndarray], np.ndarray]],
            seed: int = 0, grid: Path | None = None, grid_rows: int = 6) -> Table:
    """The benchmark on `images` (as `load_clean` gives them) with methods `fns` (name -> faded -> restored)."""
    scores: dict[str, list[tuple[float, float, float]]] = {m: [] for m in methods}
    barely: list[bool] = []
    rows: list[list[np.ndarray]] = []
    for i, (_, clean) in enumerate(images):
        faded, little = faded_file(clean, seed, i)
        barely.append(little)
        mp = clean.shape[0] * clean.shape[1] / 1e6
        outs = {}
        for m in methods:
            out, secs = timed(lambda: fns[m](faded))
            outs[m] = out = quantise(out)
            scores[m].append((min(psnr(out, clean), PSNR_CAP), delta_e(out, clean), secs / mp))
        if grid is not None and i < grid_rows:  # faded | classical | ours | original
            rows.append([faded, *(outs[m] for m in ("classical", "ours") if m in outs), clean])
    table = Table(["method", "fading", "PSNR", "ΔE", "s/MP", "images"])
    chosen = {"all": np.ones(len(barely), bool), "faded": ~np.array(barely), "barely": np.array(barely)}
    for group in GROUPS:
        for m in methods:
            if chosen[group].any():
                picked = np.array(scores[m])[chosen[group]]
                table.add(m, group, *(float(v) for v in picked.mean(axis=0)), int(chosen[group].sum()))
    if grid is not None:
        save_grid(grid, rows, GRID_WIDTH)
    return table


@dataclass
class UnfadeBenchOptions:
    seed: int = field(default=0, metadata={"help": "Seed of the synthetic fading."})
    grid: Path | None = grid_field("Also save a picture grid (faded | classical | ours | original) of the first images.")


BENCH = Bench(
    name="unfade",
    help="Photos faded by the synthetic print-fading pipeline, restored by ours and by classical auto-levels with "
    "a grey-world balance; PSNR and mean ΔE (CIE76) against the originals, and s/MP, for all photos, the faded "
    "ones and the barely faded.",
    run=run,
    methods=METHODS,
    default_data=KODAK,
    options=(UnfadeBenchOptions,),
    record=Recorded("unfade", ("PSNR", "ΔE"), group_by="fading"),
    details=lambda options: {"seed": options["seed"]},
    note=lambda options: f"grid saved to {options['grid']}" if options["grid"] is not None else None,
)
