"""Damage-detector diagnostics on photos the benchmark does not use, so that weights
can be chosen before any benchmark number is seen.

1. Held-out pooled IoU: the 10 % of the training folder that `restore train` holds
   out (seed 0), each photo drawn twice as the trainer's calibration draws it (as
   training damages it, and as `restore bench segment` does), through the
   production path (`predict_labels`, default threshold) for each view count.
2. Per kind (--kinds DIR, or --kinds held-out for the first 12 held-out photos): each
   damage kind alone, one view; pooled recall and IoU show which kinds are learnt.

    python scripts/experiments/segment_heldout.py weights/segment.safetensors \\
        --data ../shared/datasets/bsds432 --views 1 4 --kinds held-out
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone's root: runs as `python scripts/...`

from restorer.bench.common import load_clean
from restorer.bench.segment import pixel_counts, scores
from restorer.corrupt.damage import KINDS
from restorer.corrupt.functional import quantise
from restorer.restorer import Restorer
from restorer.tasks import TASKS
from restorer.tasks.segment import calibration_samples, predict_labels
from restorer.train.data import held_out_split, load_rgb

KIND_IMAGES = 12


def held_out(restorer: Restorer, data: Path, views: list[int]) -> dict[int, dict[str, float]]:
    _, val_paths = held_out_split(data, seed=0)
    samples = calibration_samples(load_rgb(val_paths, min_size=32))
    totals = {v: np.zeros(3, np.int64) for v in views}
    for s in samples:
        rgb, truth = s["input"].transpose(1, 2, 0), s["target"][0] > 0.5
        for v in views:
            totals[v] += pixel_counts(predict_labels(rgb, restorer.predict, views=v)[0] > 0, truth)
    return {v: scores(*(int(c) for c in t)) for v, t in totals.items()}


def kind_images(kinds: str, data: Path) -> list[np.ndarray]:
    """The photos for the per-kind table: the first KIND_IMAGES of a folder, or of data's held-out split."""
    if kinds != "held-out":
        return [clean for _, clean in load_clean(Path(kinds), KIND_IMAGES)]
    _, val_paths = held_out_split(data, seed=0)
    return [img.astype(np.float32) / 255 for img in load_rgb(val_paths[:KIND_IMAGES], min_size=32)]


def per_kind(restorer: Restorer, images: list[np.ndarray]) -> dict[str, dict[str, float]]:
    out = {}
    for k, (name, (draw, _)) in enumerate(KINDS.items()):
        total = np.zeros(3, np.int64)
        for i, clean in enumerate(images):
            damaged, truth = draw(clean, np.random.default_rng(1000 * k + i))
            total += pixel_counts(predict_labels(quantise(damaged), restorer.predict, views=1)[0] > 0, truth)
        out[name] = scores(*(int(c) for c in total))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("weights", type=Path, nargs="+")
    ap.add_argument("--data", type=Path, required=True, help="the training folder (its held-out split is used)")
    ap.add_argument("--views", type=int, nargs="+", default=[1, 4])
    ap.add_argument("--kinds", help="a folder for the per-kind table (its first 12 photos), or held-out")
    args = ap.parse_args()
    for w in args.weights:
        restorer = Restorer.load(TASKS["segment"], w, "cpu")
        for v, s in held_out(restorer, args.data, args.views).items():
            print(f"{w}  held-out  views {v}: IoU {s['IoU']:.4f}  precision {s['precision']:.4f}  recall {s['recall']:.4f}")
        if args.kinds:
            for name, s in per_kind(restorer, kind_images(args.kinds, args.data)).items():
                print(f"{w}  {name:16s} recall {s['recall']:.3f}  IoU {s['IoU']:.3f}")


if __name__ == "__main__":
    main()
