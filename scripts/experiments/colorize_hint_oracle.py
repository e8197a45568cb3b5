"""How much of the hint goal any spreading could reach (issue #27): the bench's hint protocol (`restore bench
colorize`: n random ground-truth points, each the mean colour of a 5x5 patch) scored for the shipped colour
and for oracles that know the original's colours, which no method has:

- near: each pixel takes whichever of {the automatic colour, the n hints' colours} is nearest its true colour;
- region at tau: a hint's colour reaches every pixel whose true colour is within Delta E tau (a*b*) of it,
  wherever it is (non-local: a hint on one red shutter colours them all);
- connected at tau: only the connected piece of such pixels that holds the hint: a local spreading with
  perfect walls, the ceiling of what Levin-style propagation (restorer/color_propagate.py) is after.

Analysis, nothing is chosen by it, so it may read the benchmark sets. --split (on the held-out photos of the hint
sweeps when --data is not given) says where the shipped spreading loses against the connected oracle at tau 10: the
mean squared a*b* error inside the hints' pieces and outside them, with "additive reach" (each piece gets the automatic
colour plus the hint's correction at the hint: perfect reach, the shipped way of correcting) beside it.

    OMP_NUM_THREADS=1 python scripts/experiments/colorize_hint_oracle.py --data ../shared/datasets/kodak24 --tau 5 10 20
    OMP_NUM_THREADS=1 python scripts/experiments/colorize_hint_oracle.py --split
"""
from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone's root: runs as `python scripts/...`
sys.path.insert(0, str(Path(__file__).resolve().parent))

from colorize_auto_sweep import DATA, photos  # noqa: E402

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


def pieces(hints: Hints, dist: np.ndarray, tau: float) -> list[np.ndarray]:
    """Per hint, the bool 8-connected piece of pixels within tau of its ab that holds the hint."""
    out = []
    for j in range(len(hints)):
        near = (dist[j] < tau).astype(np.uint8)
        _, labels = cv2.connectedComponents(near, connectivity=8)
        out.append((labels == labels[hints.ys[j], hints.xs[j]]) & (near > 0))
    return out


def connected(auto: np.ndarray, hints: Hints, dist: np.ndarray, tau: float, additive: bool = False,
              found: list[np.ndarray] | None = None) -> np.ndarray:
    """Each hint's ab over its piece (pieces; `found`: those already computed); additive: the automatic ab
    there plus the hint's correction at the hint instead."""
    out = auto.copy()
    for j, piece in enumerate(found if found is not None else pieces(hints, dist, tau)):
        out[piece] = auto[piece] + (hints.ab[j] - auto[hints.ys[j], hints.xs[j]]) if additive else hints.ab[j]
    return out


def split(restorer: Restorer, images: list[np.ndarray], counts: list[int]) -> None:
    """Mean squared a*b* error per pixel, inside the connected oracle's pieces (tau 10) and outside them."""
    refine = restorer.alternates.get("hints")
    total = defaultdict(float)
    for i, clean in enumerate(images):
        grey, true_ab = C.grey_of(clean), C.rgb_to_lab(clean)[..., 1:]
        logits = predict_logits(grey, restorer.predict)
        auto = colour_of(grey, logits, Hints.none())
        for n in counts:
            pins = true_hints(clean, n, HINT_SEED + i)
            dist = np.linalg.norm(pins.ab[:, None, None, :] - true_ab[None], axis=-1)
            found = pieces(pins, dist, 10.0)
            inside = np.logical_or.reduce(found)
            cands = {"automatic": auto, "ours": colour_of(grey, logits, pins, refine=refine),
                     "connected oracle": connected(auto, pins, dist, 10.0, found=found),
                     "additive reach": connected(auto, pins, dist, 10.0, additive=True, found=found)}
            for name, ab in cands.items():
                err = ((ab - true_ab) ** 2).sum(-1)
                total[n, name, "inside"] += err[inside].sum() / err.size / len(images)
                total[n, name, "outside"] += err[~inside].sum() / err.size / len(images)
            total[n, "share of pixels inside", "inside"] += inside.mean() / len(images)
    print(f"{len(images)} photos; mean squared a*b* error per pixel of the photo, from its pixels inside / outside the pieces")
    print("| hints | colour | inside | outside | all |\n|---|---|---|---|---|")
    for n, name, _ in [k for k in total if k[2] == "inside"]:
        i, o = total[n, name, "inside"], total.get((n, name, "outside"), float("nan"))
        print(f"| {n} | {name} | {i:.2f} | {o:.2f} | {i + o:.2f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, help="a folder of photos (default with --split: the hint sweeps' held-out photos)")
    ap.add_argument("--split", action="store_true", help="where the shipped spreading loses against the connected oracle")
    ap.add_argument("--hints", type=int, nargs="+", default=[5, 20])
    ap.add_argument("--tau", type=float, nargs="+", default=[10.0], help="Delta E (a*b*) radii of the oracles' regions")
    ap.add_argument("--limit", type=int)
    args = ap.parse_args()
    restorer = Restorer.load(TASKS["colorize"], None, "cpu", options=ColorizeOptions())
    if args.split:
        images = ([c for _, c in load_clean(args.data, args.limit)] if args.data
                  else [c for imgs in photos(DATA, 0, args.limit or 10).values() for c in imgs])
        return split(restorer, images, args.hints)
    if args.data is None:
        ap.error("--data is needed (except with --split)")
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
