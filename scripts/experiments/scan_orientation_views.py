"""Orientation nets of `restore scan` (restorer/scan/orientation.py) on the held-out training photos, under
several sets of test-time views: which views, and which weights, to ship.

    OMP_NUM_THREADS=1 python scripts/experiments/scan_orientation_views.py ../shared/datasets/bsds432 \
        ../shared/datasets/urban100 ../shared/datasets/sunhays80 --weights restorer/scan/orientation.safetensors

Held out: every 10th photo of each set, as scripts/experiments/scan_orientation.py (the nets never trained
on them). Per weights file and view set: the share of photos told from their turn, the share of turned
photos above all but 6 of the other held-out photos upright (the training log's "turned in top 10"), the
share of (turned, other upright) pairs ordered right (less noisy than the tail counts), how often that
share beats the first row's when the held-out photos are drawn again with replacement, and the
orientation step's time per photo (views cut, squeezed, scored: one thread, batches of 16). With
--ensemble, also the mean score of each two or more of the nets (still antisymmetric; times add)."""
from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone's root: runs as `python scripts/...`

from restorer.bench.common import load_clean  # noqa: E402
from restorer.scan.features import fit_side, square  # noqa: E402
from restorer.scan.orientation import OrientationNet, load_orientation, upside_down_scores  # noqa: E402

HELD_OUT_EVERY = 10  # as scan_orientation.py
SOURCE_SIDE = 256  # px: views are cut from the photo at this long side, as the training crops are
RESAMPLES = 2000
# A view: (share of the height, of the width, where the crop sits: 0 top or left, 0.5 centre, 1 bottom or
# right). A set must be closed under the half turn (each view's turn is a view of the turned photo), so
# the mean score stays antisymmetric.
View = tuple[float, float, float, float]
WHOLE: tuple[View, ...] = ((1.0, 1.0, 0.5, 0.5),)


def view_squares(rgb: np.ndarray, side: int, views: tuple[View, ...]) -> list[np.ndarray]:
    """Each view cut from the photo and squeezed to a square; a crop leaves an even number of rows and
    columns out, so a centred one is centred exactly."""
    assert {(a, b, 1 - y, 1 - x) for a, b, y, x in views} == set(views), "not closed under the half turn"
    h, w = rgb.shape[:2]
    out = []
    for a, b, fy, fx in views:
        ch, cw = h - 2 * round(h * (1 - a) / 2), w - 2 * round(w * (1 - b) / 2)
        y, x = round(fy * (h - ch)), round(fx * (w - cw))
        out.append(square(rgb[y : y + ch, x : x + cw], side))
    return out


def view_scores(net: OrientationNet, photos: list[np.ndarray], views: tuple[View, ...], mirror: bool) -> np.ndarray:
    """The mean upside-down score over the views of each photo."""
    squares = [q for p in photos for q in view_squares(p, net.side, views)]
    return upside_down_scores(net, squares, mirror).reshape(len(photos), len(views)).mean(axis=1)


def corners(c: float) -> tuple:
    return tuple((c, c, y, x) for y in (0.0, 1.0) for x in (0.0, 1.0))


def strips(c: float, sides: bool = False) -> tuple:
    tb = ((c, 1.0, 0.0, 0.5), (c, 1.0, 1.0, 0.5))
    return tb + (((1.0, c, 0.5, 0.0), (1.0, c, 0.5, 1.0)) if sides else ())


# name: (views, mirror too)
SETS = {
    "whole + mirror (shipped)": (WHOLE, True),
    "whole": (WHOLE, False),
    "whole + centre 0.75, + mirror": (WHOLE + ((0.75, 0.75, 0.5, 0.5),), True),
    "whole + top/bottom 0.8, + mirror": (WHOLE + strips(0.8), True),
    "whole + 4 strips 0.8": (WHOLE + strips(0.8, True), False),
    "whole + 4 strips 0.8, + mirror": (WHOLE + strips(0.8, True), True),
    "4 corners 0.75": (corners(0.75), False),
    "whole + 4 corners 0.75": (WHOLE + corners(0.75), False),
    "whole + 4 corners 0.75, + mirror": (WHOLE + corners(0.75), True),
    "whole + 4 corners 0.8, + mirror": (WHOLE + corners(0.8), True),
    "whole + 4 corners 0.7, + mirror": (WHOLE + corners(0.7), True),
}


def held_out_metrics(s: np.ndarray) -> tuple[float, float, float]:
    """s: upright photos' scores (the turned one's is -s). (told apart, turned in top 10, pairs ordered)."""
    above = np.array([(np.delete(s, i) >= -s[i]).mean() for i in range(len(s))])
    pairs = np.array([(np.delete(s, i) < -s[i]).mean() for i in range(len(s))])
    return float((s < 0).mean()), float((above < 7 / 95).mean()), float(pairs.mean())


def resampled_pairs(s: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """"Pairs ordered" on each row of draws (photo indices drawn with replacement): how much the held-out
    number owes to which photos happened to be held out."""
    m = (s[None, :] < -s[:, None]).astype(np.float64)  # turned i above upright j
    np.fill_diagonal(m, np.nan)
    return np.array([np.nanmean(m[d][:, d]) for d in draws])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("folders", nargs="+", type=Path)
    ap.add_argument("--weights", nargs="+", type=Path, required=True)
    ap.add_argument("--sets", nargs="*", help="names of SETS (default: all)")
    ap.add_argument("--ensemble", action="store_true", help="also the mean score of every two or more of the weights")
    args = ap.parse_args()
    held = [fit_side(img, SOURCE_SIDE) for folder in args.folders
            for k, (_, img) in enumerate(load_clean(folder)) if k % HELD_OUT_EVERY == 0]
    print(f"{len(held)} held-out photos")
    print("| weights | views | told apart | turned in top 10 | pairs ordered | pairs: above the first row in "
          "resamples | ms/photo |\n|---|---|---|---|---|---|---|")
    draws = np.random.default_rng(0).integers(0, len(held), (RESAMPLES, len(held)))
    first = None
    got: dict[tuple[str, str], tuple[np.ndarray, float]] = {}
    for path in args.weights:
        net = load_orientation(path)
        for name in args.sets or SETS:
            views, mirror = SETS[name]
            start = time.perf_counter()
            s = np.concatenate([view_scores(net, held[i : i + 16], views, mirror) for i in range(0, len(held), 16)])
            got[path.name, name] = s, (time.perf_counter() - start) / len(held) * 1000
    for k in range(1, len(args.weights) + 1 if args.ensemble else 2):
        for combo in itertools.combinations([p.name for p in args.weights], k):
            for name in args.sets or SETS:
                s = np.mean([got[c, name][0] for c in combo], axis=0)
                acc, top, pairs = held_out_metrics(s)
                ms = sum(got[c, name][1] for c in combo)
                r = resampled_pairs(s, draws)
                first = r if first is None else first
                print(f"| {' + '.join(combo)} | {name} | {acc:.0%} | {top:.0%} | {pairs:.3f} | {(r > first).mean():.0%} "
                      f"| {ms:.1f} |", flush=True)


if __name__ == "__main__":
    main()
