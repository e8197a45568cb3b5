"""Denoising benchmarks. Synthetic: seeded AWGN on 8-bit clean images, either as the
published protocol has it (float noise, not clipped) or as files hold it (clipped and
rounded to 8 bits: what a user's noisy PNG is); every method gets the same noisy pixels
and sigma. Real: camera photos with a clean reference (cc15: noisy/NAME.png and
clean/NAME.png), every method blind, as a user would run it."""
from __future__ import annotations

import importlib.util
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..corrupt.functional import quantise
from ..restorer import Restorer
from ..metrics import psnr, ssim
from ..noise_estimate import estimate_level
from ..tasks import TASKS
from ..tasks.denoise import DenoiseOptions

from .common import BenchDataError, Table, centre_crop, load_clean, plain_photo, read_rgb, save_grid, timed

METHODS = ("ours", "ours-blind", "ours-8views", "cbm3d", "nlm", "noisy")  # ours-8views: opt-in, not in the default set
PROTOCOLS = ("published", "files")
REAL_METHODS = ("ours-blind", "ours-strength1.5", "cbm3d-blind", "nlm-blind", "noisy")
REAL_DEFAULT = ("ours-blind", "cbm3d-blind", "nlm-blind", "noisy")  # strength 1.5: for reference, opt-in
STRENGTH = {"ours-blind": 1.0, "ours-strength1.5": 1.5}


# baselines from optional packages (pip install 'restorer[bench]'): method -> (module, package)
_NEEDS = {"cbm3d": [("bm3d", "bm3d")], "cbm3d-blind": [("bm3d", "bm3d"), ("skimage", "scikit-image")],
          "nlm-blind": [("skimage", "scikit-image")]}


class BaselineUnavailable(RuntimeError):
    pass


def check_baselines(methods: list[str]) -> None:
    """Before any work: a baseline whose package is missing is a one-line message, not a traceback later."""
    for m in methods:
        for module, package in _NEEDS.get(m, []):
            if importlib.util.find_spec(module) is None:
                raise BaselineUnavailable(f"{m} needs the optional package {package}: pip install 'restorer[bench]'")


def _cbm3d(noisy: np.ndarray, sigma: float) -> np.ndarray:
    import bm3d  # optional: pip install bm3d

    return bm3d.bm3d_rgb(noisy, sigma / 255)


def nlm(noisy: np.ndarray, sigma: float) -> np.ndarray:
    import cv2

    u8 = np.clip(np.rint(noisy * 255), 0, 255).astype(np.uint8)
    h = 0.75 * sigma  # filter strength tuned on BSDS432 training images, not on the benchmark sets
    return cv2.fastNlMeansDenoisingColored(u8, None, h, h, 5, 21).astype(np.float32) / 255


def noisy_version(clean: np.ndarray, sigma: float, rng: np.random.Generator, protocol: str) -> np.ndarray:
    noisy = (clean + rng.normal(0, sigma / 255, clean.shape)).astype(np.float32)
    return quantise(noisy) if protocol == "files" else noisy


def run(data: Path, sigmas: list[float], methods: list[str], weights: Path | None, device: str, limit: int | None,
        seed: int = 0, protocol: str = "published", grid: Path | None = None) -> Table:
    """grid: also save centre crops (noisy | each method | clean) of up to 5 images at the first sigma."""
    check_baselines(methods)
    images = load_clean(data, limit)
    # as `restore denoise` runs: each sigma and blind runs on the shipped weights the task picks for it
    # (Task.weights_variant); --weights: that file for all
    loaded: dict[str, Restorer] = {}

    def ours_for(options: DenoiseOptions) -> Restorer:
        stem = TASKS["denoise"].shipped_stem(options)
        if stem not in loaded:
            loaded[stem] = _ours(weights, device, options)
        return loaded[stem]

    known = {s: ours_for(DenoiseOptions(sigma=s)) for s in sigmas} if {"ours", "ours-8views"} & set(methods) else {}
    blind = ours_for(DenoiseOptions()) if "ours-blind" in methods else None
    fns: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
        "ours": lambda x, s: known[s](plain_photo(x), DenoiseOptions(sigma=s)).pixels,
        "ours-blind": lambda x, s: blind(plain_photo(x), DenoiseOptions(sigma=None)).pixels,
        "ours-8views": lambda x, s: known[s](plain_photo(x), DenoiseOptions(sigma=s, views=8)).pixels,
        "cbm3d": _cbm3d,
        "nlm": nlm,
        "noisy": lambda x, s: x,
    }
    for r in loaded.values():  # warm-up: the first call pays for allocator and kernel set-up
        r(plain_photo(images[0][1][:64, :64]), DenoiseOptions(sigma=25))
        for alternate in r.alternates.values():  # and a blind run's second weights load on first use, once a batch
            alternate(np.zeros((4, 64, 64), np.float32))
    table = Table(["method", "sigma", "PSNR", "SSIM", "s/MP", "images"])
    rows: list[list[np.ndarray]] = []
    for sigma in sigmas:
        scores: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
        for i, (_, clean) in enumerate(images):
            rng = np.random.default_rng(seed * 100_003 + i * 1009 + int(sigma * 10))
            noisy = noisy_version(clean, sigma, rng, protocol)
            mp = clean.shape[0] * clean.shape[1] / 1e6
            shown = grid is not None and sigma == sigmas[0] and len(rows) < GRID_ROWS
            row = [quantise(noisy)] if shown else []
            for m in methods:
                out, secs = timed(lambda: fns[m](noisy, sigma))
                out = quantise(out)
                scores[m].append((psnr(out, clean), ssim(out, clean), secs / mp))
                row.append(out)
            if shown:
                rows.append([*row, clean])
        for m in methods:
            arr = np.array(scores[m])
            table.add(m, int(sigma) if float(sigma).is_integer() else sigma, float(arr[:, 0].mean()), float(arr[:, 1].mean()), float(arr[:, 2].mean()), len(images))
    if grid is not None:
        save_crops_grid(grid, rows)
    return table


GRID_ROWS = 5
GRID_CROP = 160  # px: centre crops, so the grid shows the noise at full resolution


def save_crops_grid(path: Path, rows: list[list[np.ndarray]]) -> None:
    """Centre crops of up to GRID_ROWS rows, evenly picked."""
    save_grid(path, [[centre_crop(p, GRID_CROP) for p in r] for r in rows[:: max(1, len(rows) // GRID_ROWS)][:GRID_ROWS]], width=220)


def _ours(weights: Path | None, device: str, options: DenoiseOptions) -> Restorer:
    return Restorer.load(TASKS["denoise"], weights, device, options=options)


def blind_level(noisy: np.ndarray) -> float:
    """The level a user of CBM3D or NLM would pass without a reference: scikit-image's
    wavelet estimate (Donoho), averaged over channels, on the 0-255 scale."""
    from skimage.restoration import estimate_sigma  # optional: pip install scikit-image

    return float(estimate_sigma(noisy, channel_axis=-1, average_sigmas=True)) * 255


def load_pairs(folder: Path, limit: int | None) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, noisy, clean) float32 HxWx3 from folder/noisy/NAME and folder/clean/NAME."""
    pairs = []
    for name, noisy in load_clean(Path(folder) / "noisy", limit):
        clean_path = next((Path(folder) / "clean").glob(f"{name}.*"), None)
        if clean_path is None:
            raise BenchDataError(f"{folder}/clean: no reference for {name}")
        pairs.append((name, noisy, read_rgb(clean_path)))
    return pairs


def run_real(data: Path, methods: list[str], weights: Path | None, device: str, limit: int | None,
             grid: Path | None = None) -> Table:
    """Real camera noise against the clean reference, every method blind."""
    check_baselines(methods)
    pairs = load_pairs(data, limit)
    restorer = _ours(weights, device, DenoiseOptions()) if any(m.startswith("ours") for m in methods) else None
    ours = lambda x, strength: restorer(plain_photo(x), DenoiseOptions(sigma=None, strength=strength)).pixels
    fns: dict[str, Callable[[np.ndarray], np.ndarray]] = {
        **{m: (lambda x, k=k: ours(x, k)) for m, k in STRENGTH.items()},
        "cbm3d-blind": lambda x: _cbm3d(x, blind_level(x)),
        "nlm-blind": lambda x: nlm(x, blind_level(x)),
        "noisy": lambda x: x,
    }
    scores: dict[str, list[tuple[float, float, float, float]]] = defaultdict(list)
    rows = []
    for name, noisy, clean in pairs:
        mp = clean.shape[0] * clean.shape[1] / 1e6
        # the level each method is told (0-255), reported beside its score; each estimate taken once
        ours_level = estimate_level(noisy) * 255 if any(m in STRENGTH for m in methods) else 0.0
        their_level = blind_level(noisy) if {"cbm3d-blind", "nlm-blind"} & set(methods) else 0.0
        level = {**{m: ours_level * k for m, k in STRENGTH.items()}, "cbm3d-blind": their_level,
                 "nlm-blind": their_level, "noisy": 0.0}
        row = [noisy]
        for m in methods:
            out, secs = timed(lambda: fns[m](noisy))
            out = quantise(out)
            scores[m].append((psnr(out, clean), ssim(out, clean), secs / mp, level[m]))
            row.append(out)
        rows.append([*row, clean])
    table = Table(["method", "PSNR", "SSIM", "s/MP", "level", "images"])
    for m in methods:
        arr = np.array(scores[m])
        table.add(m, float(arr[:, 0].mean()), float(arr[:, 1].mean()), float(arr[:, 2].mean()), float(arr[:, 3].mean()), len(pairs))
    if grid is not None:
        save_crops_grid(grid, rows)
    return table


