"""Can a blind run tell Gaussian-like noise from camera noise? (issue #24, groundwork.) A given sigma
runs weights fine-tuned on Gaussian noise in 8-bit files; a blind run, the camera-noise weights, which
trail them on Gaussian files. If the noise a blind run removes can be told apart by how white it is,
blind runs could pick. On held-out training photos (the intersection of both runs' splits), per noise
kind: the residual (noisy - the camera weights' blind output) and its lag-1 spatial correlation and
red-green correlation, and the blind PSNR of each weights file at the estimated level. Also the
estimator's own whiteness reading, which costs no model run: the full-resolution level over twice
the half-resolution one (estimator_whiteness; 1 for white noise, far less for correlated noise).
The shipped pick (denoise.apply) is the "picked by whiteness" column: the residual's neighbour
correlation (noise_estimate.neighbour_correlation) below --white and the estimated level at most --max-level.

    python scripts/experiments/denoise_noise_kind.py weights/denoise.safetensors weights/denoise_camera.safetensors \\
        --links /work/denoise_data --limit 20
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone's root: runs as `python scripts/...`
sys.path.insert(0, str(Path(__file__).resolve().parent))

from denoise_heldout import held_out_crops, held_out_everywhere, seeded_noisy  # noqa: E402

from restorer.bench.common import Table, plain_photo  # noqa: E402
from restorer.corrupt.camera import camera_noise  # noqa: E402
from restorer.corrupt.functional import quantise  # noqa: E402
from restorer.metrics import psnr  # noqa: E402
from restorer.noise_estimate import _half, estimate_level, estimate_sigma, neighbour_correlation  # noqa: E402
from restorer.restorer import Restorer  # noqa: E402
from restorer.tasks import TASKS  # noqa: E402
from restorer.tasks.denoise import DenoiseOptions  # noqa: E402


def whiteness(residual: np.ndarray) -> tuple[float, float]:
    """(mean lag-1 spatial correlation over rows, columns and channels; red-green correlation)."""
    r = residual - residual.mean(axis=(0, 1))
    lag = []
    for c in range(3):
        x = r[..., c]
        lag.append(np.corrcoef(x[:, 1:].ravel(), x[:, :-1].ravel())[0, 1])
        lag.append(np.corrcoef(x[1:].ravel(), x[:-1].ravel())[0, 1])
    return float(np.mean(lag)), float(np.corrcoef(r[..., 0].ravel(), r[..., 1].ravel())[0, 1])


def estimator_whiteness(noisy: np.ndarray) -> float:
    """The full-resolution noise estimate over twice the half-resolution one: about 1 for white noise."""
    half = estimate_sigma(_half(noisy))
    return estimate_sigma(noisy) / (2 * half) if half > 0 else 1.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("gaussian", type=Path, help="the weights a given sigma runs")
    ap.add_argument("camera", type=Path, help="the weights blind runs use")
    ap.add_argument("--links", type=Path, default=None)
    ap.add_argument("--limit", type=int, default=20)
    ap.add_argument("--crop", type=int, default=256)
    ap.add_argument("--white", type=float, default=0.1, help="lag-1 correlation below which the noise counts as white")
    ap.add_argument("--ratio", type=float, nargs="+", default=[0.6, 0.7, 0.8],
                    help="estimator whiteness at or above which the noise counts as white (each a column)")
    ap.add_argument("--max-level", type=float, default=35.0, help="estimated level (0-255) above which camera weights run")
    args = ap.parse_args()
    paths = held_out_everywhere([args.gaussian, args.camera], args.links)[: args.limit]
    photos = held_out_crops(paths, args.crop)
    runs = {name: Restorer.load(TASKS["denoise"], w, "cpu") for name, w in (("gaussian", args.gaussian), ("camera", args.camera))}
    kinds = {f"gaussian files {s}": (lambda c, i, s=s: seeded_noisy(c, i, s, "files"))
             for s in (5, 15, 25, 50)}
    kinds["camera"] = lambda c, i: camera_noise(c, np.random.default_rng(50_000 + i))
    table = Table(["noise", "lag-1 corr (min / median / max)", "red-green corr (min / median / max)",
                   "share white", "blind, gaussian weights", "blind, camera weights", "blind, picked by whiteness",
                   "estimator whiteness (min / median / max)",
                   *[f"picked by estimator >= {t} (share picked)" for t in args.ratio], "images"])
    for kind, make in kinds.items():
        lag, rg, got, ratio, level = [], [], {n: [] for n in runs}, [], []
        for i, clean in enumerate(photos):
            noisy = make(clean, i)
            ratio.append(estimator_whiteness(noisy))
            level.append(estimate_level(noisy) * 255)
            for n, r in runs.items():
                out = quantise(r(plain_photo(noisy), DenoiseOptions()).pixels)
                got[n].append(psnr(out, clean))
                if n == "camera":
                    _, b = whiteness(noisy - out)
                    lag.append(neighbour_correlation(noisy - out))
                    rg.append(b)
        spread = lambda v: " / ".join(f"{q:.2f}" for q in np.quantile(v, [0, 0.5, 1]))  # noqa: E731
        white = (np.array(lag) < args.white) & (np.array(level) <= args.max_level)
        picked = np.where(white, got["gaussian"], got["camera"])
        cells = []
        for t in args.ratio:
            by_ratio = (np.array(ratio) >= t) & (np.array(level) <= args.max_level)
            cells.append(f"{np.where(by_ratio, got['gaussian'], got['camera']).mean():.2f} ({by_ratio.mean():.2f})")
        table.add(kind, spread(lag), spread(rg), float(white.mean()), float(np.mean(got["gaussian"])),
                  float(np.mean(got["camera"])), float(picked.mean()), spread(ratio), *cells, len(photos))
    print(f"{len(photos)} held-out photos\n")
    print(table.markdown())


if __name__ == "__main__":
    main()
