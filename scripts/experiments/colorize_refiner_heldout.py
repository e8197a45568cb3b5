"""The colour-hint refiner (issue #27, tasks/colorize_hints.py) against the hints propagated alone, on
held-out photos of the training sets only (colorize_auto_sweep.photos: the bsds432 held-out split of the
colorizer's seed, urban100 /5, sunhays80 /4, shrunk to 512 px; `restore train colorize_hints` must not have
seen them). Prints the gain over the automatic colour with 1, 5 and 20 ground-truth hint points (the
bench's), per set and pooled, and the wrong-hue share, for the propagation alone and for each refiner.

    OMP_NUM_THREADS=1 python scripts/experiments/colorize_refiner_heldout.py runs/czh/colorize_hints.safetensors
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone's root: runs as `python scripts/...`
sys.path.insert(0, str(Path(__file__).resolve().parent))

from colorize_auto_sweep import DATA, hint_sweep  # noqa: E402

from restorer.tasks.colorize import follow_hints  # noqa: E402
from restorer.tiling import TiledPredictor  # noqa: E402
from restorer.weights import default_weights, load_model  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("refiners", type=Path, nargs="*", help="colorize_hints weights to compare (none: propagation alone)")
    ap.add_argument("--data", type=Path, default=DATA, help="folder holding bsds432, urban100 and sunhays80")
    ap.add_argument("--points", type=int, nargs="+", default=[1, 5, 20])
    ap.add_argument("--limit", type=int, default=None, help="photos per set")
    args = ap.parse_args()
    model, info = load_model(default_weights("colorize"), task="colorize")
    predict = TiledPredictor.create(model, torch.device("cpu"), 0)
    refiners = {str(p): TiledPredictor.create(load_model(p, task="colorize_hints")[0], torch.device("cpu"), 0)
                for p in args.refiners}

    def colour(grey, auto, probs, pins, setting):
        return follow_hints(grey, auto, pins, probs=probs, refine=refiners.get(setting))

    hint_sweep(args.data, info.meta["training"]["config"]["seed"], args.limit, predict, args.points,
               [None, *refiners], colour, "refiner", lambda s: "none: propagation alone (shipped)" if s is None else s)


if __name__ == "__main__":
    main()
