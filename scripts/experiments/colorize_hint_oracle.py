"""How much of the hint goal any spreading could reach (issue #27): the bench's hint protocol (`restore bench
colorize`: n random ground-truth points, each the mean colour of a 5x5 patch) scored for the shipped colour
and for oracles that know the original's colours, which no method has:

- near: each pixel takes whichever of {the automatic colour, the n hints' colours} is nearest its true colour;
- region at tau: a hint's colour reaches every pixel whose true colour is within Delta E tau (a*b*) of it,
  wherever it is (non-local: a hint on one red shutter colours them all);
- connected at tau: only the connected piece of such pixels that holds the hint: a local spreading with
  perfect walls, the ceiling of what Levin-style propagation (restorer/color_propagate.py) is after.

Analysis, nothing is chosen by it, so it may read the benchmark sets:

    OMP_NUM_THREADS=1 python scripts/experiments/colorize_hint_oracle.py --data ../shared/datasets/kodak24 --tau 5 10 20
"""
from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone's root: runs as `python scripts/...`

from restorer import color as C  # noqa: E402
from restorer.bench.colorize import HINT_SEED, true_hints  # noqa: E402
from restorer.bench.common import load_clean  # noqa: E402
from restorer.color_hints import Hints  # noqa: E402
from restorer.corrupt.functional import quantise  # noqa: E402
from restorer.metrics import psnr  # noqa: E402
from restorer.restorer import Restorer  # noqa: E402
from restorer.tasks import TASKS  # noqa: E402
from restorer.tasks.colorize import ColorizeOptions, colour_of, predict_logits  # noqa: E402


def nearest_of(auto: np.ndarray, hints: Hints, true_ab: np.ndarray) -> np.ndarray:
    """Per pixel, whichever of the automatic ab and the hints' ab is nearest the true ab."""
    cands = np.concatenate([auto[None], np.broadcast_to(hints.ab[:, None, None, :], (len(hints), *auto.shape))])
    best = np.linalg.norm(cands - true_ab[None], axis=-1).argmin(0)
    return np.take_along_axis(cands, best[None, ..., None], 0)[0]


def region(auto: np.ndarray, hints: Hints, dist: np.ndarray, tau: float) -> np.ndarray:
    """The nearest hint's ab wherever some hint is within tau of the true ab; else the automatic ab."""
    return np.where((dist.min(0) < tau)[..., None], hints.ab[dist.argmin(0)], auto)


def connected(auto: np.ndarray, hints: Hints, dist: np.ndarray, tau: float) -> np.ndarray:
    """Each hint's ab over the 8-connected piece of pixels within tau of it that holds the hint."""
    out = auto.copy()
    for j in range(len(hints)):
        near = (dist[j] < tau).astype(np.uint8)
        _, labels = cv2.connectedComponents(near, connectivity=8)
        out[(labels == labels[hints.ys[j], hints.xs[j]]) & (near > 0)] = hints.ab[j]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--hints", type=int, nargs="+", default=[5, 20])
    ap.add_argument("--tau", type=float, nargs="+", default=[10.0], help="Delta E (a*b*) radii of the oracles' regions")
    ap.add_argument("--limit", type=int)
    args = ap.parse_args()
    restorer = Restorer.load(TASKS["colorize"], None, "cpu", options=ColorizeOptions())
    refine = restorer.alternates.get("hints")  # as the bench and the command line run it
    scores = defaultdict(list)
    for i, (_, clean) in enumerate(load_clean(args.data, args.limit)):
        grey = C.grey_of(clean)
        true_ab = C.rgb_to_lab(clean)[..., 1:]
        score = lambda ab: psnr(quantise(C.colorize_grey(grey, ab)), clean)  # noqa: E731
        scores["grey"].append(psnr(quantise(np.repeat(grey, 3, axis=2)), clean))
        logits = predict_logits(grey, restorer.predict)
        auto = colour_of(grey, logits, Hints.none())
        scores["automatic"].append(score(auto))
        for n in args.hints:
            pins = true_hints(clean, n, HINT_SEED + i)
            scores[f"ours, {n}"].append(score(colour_of(grey, logits, pins, refine=refine)))
            scores[f"near, {n}"].append(score(nearest_of(auto, pins, true_ab)))
            dist = np.linalg.norm(pins.ab[:, None, None, :] - true_ab[None], axis=-1)
            for tau in args.tau:
                scores[f"region {tau:g}, {n}"].append(score(region(auto, pins, dist, tau)))
                scores[f"connected {tau:g}, {n}"].append(score(connected(auto, pins, dist, tau)))
    mean = {k: float(np.mean(v)) for k, v in scores.items()}
    print(f"{args.data} ({len(scores['grey'])} photos); PSNR and the gain over the automatic colour")
    print("| colour, hints | PSNR | over automatic |\n|---|---|---|")
    for k, v in mean.items():
        print(f"| {k} | {v:.2f} | {v - mean['automatic']:+.2f} |")


if __name__ == "__main__":
    main()
