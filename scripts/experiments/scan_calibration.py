"""How the thresholds of `restore scan` (restorer/scan/features.py, damage.py) were chosen: the
distributions of each measurement on training photos, clean and with a known defect.

    OMP_NUM_THREADS=1 python scripts/experiments/scan_calibration.py ../shared/datasets/bsds432 --every 2
    OMP_NUM_THREADS=1 python scripts/experiments/scan_calibration.py ../shared/datasets/urban100 ../shared/datasets/sunhays80 --every 2

Prints quantiles of the noise level (clean / sigma 10 added), the sharpness (sharp / Gaussian blur
of 1 px) and the damage fraction (clean / restorer.corrupt.damage.random_damage drawn on it), and the
share of each called noisy, blurred or damaged at the shipped thresholds. Uses training sets only:
the benchmark sets are for the final measurement.

    # the damage flag's two numbers: the detector's probability cut and the marked share above which a
    # photo is called damaged; clean / drawn called for each pair
    OMP_NUM_THREADS=1 python scripts/experiments/scan_calibration.py ../shared/datasets/bsds432 --every 2 \\
        --cuts 0.5 0.7 0.9 --fractions 0.005 0.01 0.02"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone's root: runs as `python scripts/...`

from restorer.bench.common import load_clean  # noqa: E402
from restorer.corrupt.damage import random_damage  # noqa: E402
from restorer.corrupt.functional import quantise  # noqa: E402
from restorer.scan import features as F  # noqa: E402
from restorer.scan.damage import DAMAGED_FRACTION, damage_fraction, damage_input, damage_logits  # noqa: E402
from restorer.scan.measure import load_scanner  # noqa: E402
from restorer.tasks.segment import threshold_logit  # noqa: E402

QUANTILES = (0.05, 0.1, 0.5, 0.9, 0.95)


def row(name: str, values: list[float], threshold: float, above: bool) -> str:
    v = np.array(values)
    called = (v > threshold).mean() if above else (v < threshold).mean()
    return f"| {name} | " + " | ".join(f"{q:.4g}" for q in np.quantile(v, QUANTILES)) + f" | {100 * called:.1f} % |"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("folders", nargs="+", type=Path)
    ap.add_argument("--every", type=int, default=1, help="use every n-th photo")
    ap.add_argument("--cuts", type=float, nargs="*", default=[], help="detector probability cuts to sweep")
    ap.add_argument("--fractions", type=float, nargs="*", default=[], help="damaged-share thresholds to sweep")
    args = ap.parse_args()
    images = [img for f in args.folders for _, img in load_clean(f)][:: args.every]
    rng = np.random.default_rng(0)
    seg = load_scanner("cpu").segment
    cols = {k: [] for k in ("noise clean", "noise sigma 10", "sharp", "blur 1 px", "damage clean", "damage drawn")}
    logits: dict[str, list[np.ndarray]] = {"damage clean": [], "damage drawn": []}  # kept for the --cuts sweep
    for img in images:
        cols["noise clean"].append(F.noise_level(img))
        cols["noise sigma 10"].append(F.noise_level(quantise(img + rng.normal(0, 10 / 255, img.shape).astype(np.float32))))
        cols["sharp"].append(F.sharpness(img))
        cols["blur 1 px"].append(F.sharpness(cv2.GaussianBlur(img, (0, 0), 1.0)))
        damaged, _ = random_damage(img, rng, clean_odds=0.0)
        for k, px in (("damage clean", img), ("damage drawn", quantise(damaged))):
            crop = damage_input(px)
            cols[k].append(damage_fraction(crop, seg))
            if args.cuts:
                logits[k].append(damage_logits(crop, seg).astype(np.float16))
    names = "+".join(f.name for f in args.folders)
    print(f"{len(images)} photos of {names}\n")
    print("| measurement | " + " | ".join(f"q{int(q * 100)}" for q in QUANTILES) + " | called |")
    print("|---" * (len(QUANTILES) + 2) + "|")
    for k in ("noise clean", "noise sigma 10"):
        print(row(k + f" (noisy above {F.NOISY_LEVEL:g})", cols[k], F.NOISY_LEVEL, True))
    for k in ("sharp", "blur 1 px"):
        print(row(k + f" (blurred below {F.BLURRED_SHARPNESS:g})", cols[k], F.BLURRED_SHARPNESS, False))
    for k in ("damage clean", "damage drawn"):
        print(row(k + f" (damaged above {DAMAGED_FRACTION:g})", cols[k], DAMAGED_FRACTION, True))
    if args.cuts and args.fractions:
        print("\n| probability cut | damaged above | clean called | drawn called |\n|---|---|---|---|")
        for cut in args.cuts:
            shares = {k: np.array([(v > threshold_logit(cut)).mean() for v in vs]) for k, vs in logits.items()}
            for f in args.fractions:
                print(f"| {cut:g} | {100 * f:g} % | {100 * (shares['damage clean'] > f).mean():.1f} % "
                      f"| {100 * (shares['damage drawn'] > f).mean():.1f} % |")


if __name__ == "__main__":
    main()
