"""Hints that stop where the colorizer sees another kind of surface (issue #27). Levin's affinity between
neighbouring pixels looks at lightness only, so a hint spreads into a neighbouring area of another hue when
the two are alike in lightness (the 6-8 % of wrong-hue pixels with hints in BENCHMARKS.md). Here each edge
weight is also multiplied by BC(p_r, p_s) ** gamma, the Bhattacharyya coefficient of the colorizer's
distributions over ab bins at the two pixels (1 where it expects the same colours, toward 0 where it
expects different ones): local, unlike the rejected non-local spreading, so a hint cannot jump to a
look-alike elsewhere (color_propagate.Propagation.surface_gamma; gamma 0 is Levin alone). Held-out photos only
(colorize_auto_sweep.photos: the bsds432 held-out split, urban100 /5, sunhays80 /4).

    OMP_NUM_THREADS=1 python scripts/experiments/colorize_hint_affinity.py --limit 10 --gamma 1024 4096 --prior 1e-6 1e-5
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone's root: runs as `python scripts/...`
sys.path.insert(0, str(Path(__file__).resolve().parent))

from colorize_auto_sweep import DATA, hint_sweep  # noqa: E402

from restorer.color_propagate import Propagation  # noqa: E402
from restorer.tasks.colorize import follow_hints  # noqa: E402
from restorer.tiling import TiledPredictor  # noqa: E402
from restorer.weights import default_weights, load_model  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA, help="folder holding bsds432, urban100 and sunhays80")
    ap.add_argument("--gamma", type=float, nargs="+", default=[4.0])
    ap.add_argument("--prior", type=float, nargs="+", default=[Propagation.prior], help="Levin's pull toward the automatic colour")
    ap.add_argument("--surface-side", type=int, default=None, help="the distributions from a prediction at this long "
                    "side (default: the automatic colour's, 256)")
    ap.add_argument("--cap", type=float, nargs="+", default=[Propagation.variance_cap],
                    help="the cap on Levin's local lightness variance (CIE L units squared)")
    ap.add_argument("--no-levin", action="store_true", help="leave out the row of Levin alone (gamma 0, shipped cap)")
    ap.add_argument("--points", type=int, nargs="+", default=[1, 5, 20])
    ap.add_argument("--limit", type=int, default=None, help="photos per set")
    args = ap.parse_args()
    model, info = load_model(default_weights("colorize"), task="colorize")
    predict = TiledPredictor(model.float().eval(), torch.device("cpu"), tile=0)
    def colour(grey, auto, probs, pins, setting):
        gamma, prior, cap = setting or (0.0, Propagation.prior, Propagation.variance_cap)
        return follow_hints(grey, auto, pins, Propagation(prior=prior, variance_cap=cap, surface_gamma=gamma), probs=probs)

    grid = [(g, p, c) for g in args.gamma for p in args.prior for c in args.cap]
    settings = grid if args.no_levin else [None, *grid]
    hint_sweep(args.data, info.meta["training"]["config"]["seed"], args.limit, predict, args.points, settings,
               colour, "gamma | prior | cap",
               lambda s: "Levin alone (shipped before) | - | -" if s is None else f"{s[0]:g} | {s[1]:g} | {s[2]:g}",
               args.surface_side)

if __name__ == "__main__":
    main()
