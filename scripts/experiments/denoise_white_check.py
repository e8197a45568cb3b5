"""How small can a blind run's white-noise probe be, and can it find light white noise? (issue #24.)
A blind run probes a centre crop with the camera weights and calls the noise white when what they removed
has neighbours that do not correlate (denoise.is_white); then it runs the whole photo again on the
Gaussian-files weights. On a photo up to 1 MP the probe is the whole photo, so a white file costs two
passes. Per probe side and per statistic, on held-out training photos at their own size: the share called
white and the blind PSNR the pick gives, against always-camera and always-Gaussian-files.

Statistics: "all", the residual's neighbour correlation over the crop (shipped); "flat q", the same over
the pixels where the probe's output is flattest (its gradient energy at most the q quantile), since at
light noise the residual of a textured pixel holds texture, which correlates.

    OMP_NUM_THREADS=1 python scripts/experiments/denoise_white_check.py --links /work/denoise_data --split-seed 1 --limit 20
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone's root: runs as `python scripts/...`
sys.path.insert(0, str(Path(__file__).resolve().parent))

from denoise_heldout import add_photo_arguments, held_out_photos, seeded_noisy  # noqa: E402

from restorer.bench.common import Table, plain_photo  # noqa: E402
from restorer.corrupt.camera import camera_noise  # noqa: E402
from restorer.corrupt.functional import quantise  # noqa: E402
from restorer.metrics import psnr  # noqa: E402
from restorer.noise_estimate import estimate_level, estimate_sigma, neighbour_correlation  # noqa: E402
from restorer.restorer import Restorer  # noqa: E402
from restorer.tasks import TASKS  # noqa: E402
from restorer.tasks.denoise import WHITE_CORRELATION, WHITE_MAX_LEVEL, WHITE_PASS_MAX_LEVEL, DenoiseOptions, _centre  # noqa: E402
from restorer.train.data import load_rgb  # noqa: E402

WEIGHTS = Path(__file__).resolve().parents[2] / "weights"


def flatness(out: np.ndarray) -> np.ndarray:
    """Per pixel: the squared differences to its right and lower neighbours, summed over channels."""
    g = np.zeros(out.shape[:2], np.float32)
    g[:, :-1] += ((out[:, 1:] - out[:, :-1]) ** 2).sum(axis=2)
    g[:-1] += ((out[1:] - out[:-1]) ** 2).sum(axis=2)
    return g


def flattest_crop(noisy: np.ndarray, side: int) -> tuple[slice, slice]:
    """Of a 3x3 grid of side x side places, the one whose grey 2x2 means vary least from pixel to pixel."""
    h, w = noisy.shape[:2]
    best, where = np.inf, _centre(noisy.shape, side)
    for y in np.linspace(0, max(0, h - side), 3).astype(int):
        for x in np.linspace(0, max(0, w - side), 3).astype(int):
            grey = noisy[y : y + side, x : x + side].mean(axis=2)
            hh, ww = grey.shape[0] // 2 * 2, grey.shape[1] // 2 * 2
            half = grey[:hh, :ww].reshape(hh // 2, 2, ww // 2, 2).mean(axis=(1, 3))  # noise shrinks, structure stays
            energy = float(np.abs(np.diff(half, axis=0)).mean() + np.abs(np.diff(half, axis=1)).mean())
            if energy < best:
                best, where = energy, (slice(y, y + side), slice(x, x + side))
    return where


def masked_correlation(residual: np.ndarray, keep: np.ndarray) -> float:
    """neighbour_correlation over the pairs of adjacent pixels that are both kept."""
    r = residual - residual[keep].mean(axis=0)
    out = []
    for c in range(r.shape[2]):
        x = r[..., c]
        for a, b, ka, kb in ((x[:, 1:], x[:, :-1], keep[:, 1:], keep[:, :-1]), (x[1:], x[:-1], keep[1:], keep[:-1])):
            k = ka & kb
            a, b = a[k], b[k]
            den = float(np.sqrt((a * a).sum() * (b * b).sum()))
            out.append(float((a * b).sum()) / den if den > 0 else 0.0)
    return float(np.mean(out))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_photo_arguments(ap)
    ap.add_argument("--limit", type=int, default=20)
    ap.add_argument("--max-side", type=int, default=1024, help="photos larger than this are centre-cropped to it")
    ap.add_argument("--sides", type=int, nargs="+", default=[1024, 512, 384, 256])
    ap.add_argument("--flat", type=float, nargs="+", default=[0.5, 0.25])
    ap.add_argument("--sigma", type=float, nargs="+", default=[5, 10, 15, 25, 50])
    ap.add_argument("--where", nargs="+", default=["centre"], choices=["centre", "flattest"],
                    help="the probe's place: the centre, or the flattest of a 3x3 grid of places (flattest_crop)")
    args = ap.parse_args()
    gaussian_w, camera_w = WEIGHTS / "denoise.safetensors", WEIGHTS / "denoise_camera.safetensors"
    paths = held_out_photos([gaussian_w, camera_w], args.links, args.split_seed)[: args.limit]
    photos = []
    for img in load_rgb(paths, 64):
        crop = _centre(img.shape, args.max_side)
        photos.append(img[crop].astype(np.float32) / 255)
    gaussian, camera = (Restorer.load(TASKS["denoise"], w, "cpu") for w in (gaussian_w, camera_w))
    kinds = {f"gaussian files {s:g}": (lambda c, i, s=s: seeded_noisy(c, i, s, "files"))
             for s in args.sigma}
    kinds["camera"] = lambda c, i: camera_noise(c, np.random.default_rng(50_000 + i))
    stats = [("all", None)] + [(f"flat {q:g}", q) for q in args.flat]
    cols = [f"side {s} {w}, {name}" for s in args.sides for w in args.where for name, _ in stats]
    table = Table(["noise", "camera weights", "gaussian-files weights",
                   *[f"{c}: picked (share white)" for c in cols], "images"])
    print(f"{len(photos)} held-out photos, sizes {sorted({p.shape[:2] for p in photos})}\n", flush=True)
    for kind, make in kinds.items():
        cam_psnr, gau_psnr, white = [], [], {c: [] for c in cols}
        for i, clean in enumerate(photos):
            noisy = make(clean, i)
            level = estimate_level(noisy)
            told = DenoiseOptions(sigma=level * 255)
            cam_psnr.append(psnr(quantise(camera(plain_photo(noisy), DenoiseOptions()).pixels), clean))
            clipped = estimate_sigma(noisy, clipped=True)
            gau_psnr.append(psnr(quantise(gaussian(plain_photo(noisy), DenoiseOptions(sigma=clipped * 255)).pixels), clean))
            eligible = level * 255 <= WHITE_MAX_LEVEL and clipped * 255 <= WHITE_PASS_MAX_LEVEL
            for side in args.sides:
                for where in args.where:
                    crop = _centre(noisy.shape, side) if where == "centre" else flattest_crop(noisy, side)
                    probe = camera(plain_photo(noisy[crop]), told).pixels
                    residual = noisy[crop] - probe
                    g = flatness(probe)
                    for name, q in stats:
                        keep = None if q is None else g <= np.quantile(g, q)
                        corr = neighbour_correlation(residual) if keep is None else masked_correlation(residual, keep)
                        white[f"side {side} {where}, {name}"].append(eligible and corr < WHITE_CORRELATION)
        cells = []
        for c in cols:
            w = np.array(white[c])
            cells.append(f"{np.where(w, gau_psnr, cam_psnr).mean():.2f} ({w.mean():.2f})")
        table.add(kind, float(np.mean(cam_psnr)), float(np.mean(gau_psnr)), *cells, len(photos))
        print(f"{kind} done", flush=True)
    print(table.markdown())


if __name__ == "__main__":
    main()
