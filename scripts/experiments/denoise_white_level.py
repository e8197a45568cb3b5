"""Which level should a blind run tell the Gaussian-files weights once its probe found the noise white
(restorer/tasks/denoise.py, is_white)? Held-out training photos (those no shipped denoise run trained on),
Gaussian noise as 8-bit files hold it: the files weights told the true sigma, the two-scale level blind
runs tell today (`estimate_level`, built for correlated camera noise) and the one-scale full-resolution
estimate (`estimate_sigma`, which white noise needs no more than), with what each level reads.

    python scripts/experiments/denoise_white_level.py --links /work/denoise_data --limit 20

The table in docs/history/denoise.md was made on the weights before 2026-12-04 (evening); the shipped
Gaussian-files weights have since trained on those 20 photos, so with them add --split-seed 1.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone's root: runs as `python scripts/...`

from restorer.bench.common import Table, plain_photo
from restorer.corrupt.functional import quantise
from restorer.metrics import psnr
from restorer.noise_estimate import _patches, _unclipped_sigma, estimate_level, estimate_sigma
from restorer.restorer import Restorer
from restorer.tasks import TASKS
from restorer.tasks.denoise import DenoiseOptions
from restorer.weights import WEIGHTS_DIR

sys.path.insert(0, str(Path(__file__).resolve().parent))
from denoise_heldout import add_photo_arguments, held_out_crops, held_out_photos, seeded_noisy  # noqa: E402  (a sibling script)

def residual_level(noisy: np.ndarray, probe: np.ndarray) -> float:
    """The spread of what the probe removed, on pixels the clipping cannot have touched (robust: MAD)."""
    r = noisy - probe
    keep = ((probe > 0.1) & (probe < 0.9)).all(axis=2)
    r = r[keep] if keep.sum() > 1000 else r.reshape(-1, 3)
    return float(1.4826 * np.median(np.abs(r - np.median(r, axis=0)))) * 255


def untouched_level(noisy: np.ndarray) -> float:
    """The clipped reading's first step alone (the first try): the patches that touch neither 0 nor 1."""
    rng = np.random.default_rng(0)  # estimate_sigma's patches
    return float(np.mean([_unclipped_sigma(_patches(noisy[..., c], rng), rounds=0) for c in range(noisy.shape[2])])) * 255


LEVELS = {"true sigma": lambda noisy, s, probe: s,
          "two-scale (shipped)": lambda noisy, s, probe: estimate_level(noisy) * 255,
          "one-scale": lambda noisy, s, probe: estimate_sigma(noisy) * 255,
          "one-scale, patches touching 0 or 1 skipped": lambda noisy, s, probe: untouched_level(noisy),
          "one-scale, clipped (shipped)": lambda noisy, s, probe: estimate_sigma(noisy, clipped=True) * 255,
          "probe residual": lambda noisy, s, probe: residual_level(noisy, probe())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sigma", type=float, nargs="+", default=[5, 15, 25, 35])
    ap.add_argument("--limit", type=int, default=20)
    ap.add_argument("--crop", type=int, default=384)
    add_photo_arguments(ap)
    args = ap.parse_args()
    shipped = [WEIGHTS_DIR / "denoise.safetensors", WEIGHTS_DIR / "denoise_camera.safetensors"]
    paths = held_out_photos(shipped, args.links, args.split_seed)[: args.limit]
    photos = held_out_crops(paths, args.crop)
    files = Restorer.load(TASKS["denoise"], shipped[0], "cpu")
    camera = Restorer.load(TASKS["denoise"], shipped[1], "cpu")
    blind = Restorer.load(TASKS["denoise"], options=DenoiseOptions(), device="cpu")  # as `restore denoise` runs
    table = Table(["sigma", "level told", "level read (mean)", "PSNR", "images"])
    for sigma in args.sigma:
        rows: dict[str, list[tuple[float, float]]] = {k: [] for k in [*LEVELS, "blind (this checkout)"]}
        for i, clean in enumerate(photos):
            noisy = seeded_noisy(clean, i, sigma, "files")
            cache: list[np.ndarray] = []

            def probe() -> np.ndarray:  # the camera weights at the two-scale level, as a blind run's first pass
                if not cache:
                    cache.append(camera(plain_photo(noisy), DenoiseOptions(sigma=estimate_level(noisy) * 255)).pixels)
                return cache[0]

            for name, level in LEVELS.items():
                told = level(noisy, sigma, probe)
                rows[name].append((told, psnr(quantise(files(plain_photo(noisy), DenoiseOptions(sigma=told)).pixels), clean)))
            probe_row = rows.setdefault("camera weights, two-scale (the probe)", [])
            probe_row.append((estimate_level(noisy) * 255, psnr(quantise(probe()), clean)))
            out = blind(plain_photo(noisy), DenoiseOptions())
            rows["blind (this checkout)"].append((float("white" in out.notes[-1]), psnr(quantise(out.pixels), clean)))
        for name, r in rows.items():
            a = np.array(r)
            table.add(sigma, name + (" (share read white)" if name == "blind (this checkout)" else ""),
                      float(a[:, 0].mean()), float(a[:, 1].mean()), len(photos))
    print(f"{len(photos)} held-out photos, centre crops of {args.crop} px\n")
    print(table.markdown())


if __name__ == "__main__":
    main()
