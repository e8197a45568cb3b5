"""Seconds per photo of each shipped model through TiledPredictor, with each CPU inference
speed-up switched on in turn: bfloat16 autocast (restorer/devices.py), BatchNorm folding
(restorer/models/fold.py) and balanced tiles (restorer/tiling.py). The fastest of --repeats
runs per row, after a warm-up; the last row's output compared with the first's (mean and largest
absolute difference, in the model's output units: colour for image tasks, logits for segment).

    python scripts/experiments/inference_speed.py --size 768x512 --tasks inpaint denoise colorize segment
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone's root: runs as `python scripts/...`

import restorer.tiling as tiling  # noqa: E402
from restorer.models.fold import fold_batchnorm  # noqa: E402
from restorer.weights import default_weights, load_model  # noqa: E402

# (label, bfloat16, fold, balanced): each row adds one speed-up to the one above
CONFIGS = [("float32, plain tiles", False, False, False), ("+ bfloat16", True, False, False),
           ("+ BatchNorm folded", True, True, False), ("+ balanced tiles", True, True, True)]


BALANCED = tiling.balanced_tile  # kept: main() swaps tiling.balanced_tile per row


def plain_tile(length: int, tile: int, overlap: int, multiple: int = 1) -> int:
    return min(tile, length)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="768x512", help="WIDTHxHEIGHT of the random input")
    ap.add_argument("--tasks", nargs="+", default=["inpaint", "denoise", "colorize", "segment"])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))
    print(f"torch threads: {torch.get_num_threads()}; input {width}x{height}\n")
    print("| model | " + " | ".join(c[0] for c in CONFIGS) + " | mean / max difference, last vs first |")
    print("|---" * (len(CONFIGS) + 2) + "|")
    for task in args.tasks:
        model, _ = load_model(default_weights(task), task=task)
        if getattr(model, "read_where", None) is not None:  # inpaint: time the dense model; its sparse path's
            model.read_where = None  # gain depends on the holes (docs/history/inpaint.md, "10x FSR")
        cin = next(p for p in model.parameters() if p.dim() == 4).shape[1]
        x = np.random.default_rng(0).random((cin, height, width), dtype=np.float32)
        seconds, outs = [], []
        for _, bf16, fold, balanced in CONFIGS:
            os.environ["RESTORER_PRECISION"] = "auto" if bf16 else "float32"
            tiling.fold_batchnorm = fold_batchnorm if fold else (lambda m: 0)
            tiling.balanced_tile = BALANCED if balanced else plain_tile
            predictor = tiling.TiledPredictor.create(model, torch.device("cpu"))  # prepares a copy
            predictor(x)
            runs = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                outs_last = predictor(x)
                runs.append(time.perf_counter() - start)
            seconds.append(min(runs))
            outs.append(outs_last)
        print(f"| {task} | " + " | ".join(f"{s:.3f}" for s in seconds) + f" | {np.abs(outs[-1] - outs[0]).mean():.4f} / {np.abs(outs[-1] - outs[0]).max():.3f} |", flush=True)


if __name__ == "__main__":
    main()
