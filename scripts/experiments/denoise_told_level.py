"""Whether the level a given --sigma tells the model is the best one to tell it: PSNR on held-out
training photos, as 8-bit files hold the noise, with the told level scaled (DenoiseOptions.strength),
per sigma. A model trained on the exact level should peak at strength 1; a peak elsewhere on
held-out photos would be a calibration to fold into the task, chosen before any benchmark.

    python scripts/experiments/denoise_told_level.py weights/denoise.safetensors --links /work/denoise_data \\
        --split-seed 2 --limit 30 --strength 0.9 0.95 1 1.05 1.1
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone's root: runs as `python scripts/...`
sys.path.insert(0, str(Path(__file__).resolve().parent))  # its sibling denoise_heldout

from denoise_heldout import add_photo_arguments, held_out_crops, held_out_photos, seeded_noisy

from restorer.bench.common import Table, plain_photo
from restorer.corrupt.functional import quantise
from restorer.metrics import psnr
from restorer.restorer import Restorer
from restorer.tasks import TASKS
from restorer.tasks.denoise import DenoiseOptions


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("weights", type=Path)
    ap.add_argument("--sigma", type=float, nargs="+", default=[15, 25, 50])
    ap.add_argument("--strength", type=float, nargs="+", default=[0.9, 0.95, 1.0, 1.05, 1.1])
    ap.add_argument("--limit", type=int, default=30)
    ap.add_argument("--crop", type=int, default=256)
    add_photo_arguments(ap)
    args = ap.parse_args()
    paths = held_out_photos([args.weights], args.links, args.split_seed)[: args.limit]
    photos = held_out_crops(paths, args.crop)
    restorer = Restorer.load(TASKS["denoise"], args.weights, "cpu")
    table = Table(["sigma", "strength", "PSNR", "gain over strength 1", "images"])
    for sigma in args.sigma:
        noisy = [seeded_noisy(c, i, sigma, "files") for i, c in enumerate(photos)]
        scores = {}
        for k in sorted(set(args.strength) | {1.0}):
            opts = DenoiseOptions(sigma=sigma, strength=k)
            scores[k] = [psnr(quantise(restorer(plain_photo(x), opts).pixels), c) for x, c in zip(noisy, photos)]
        for k, s in scores.items():
            table.add(sigma, k, float(np.mean(s)), float(np.mean(s) - np.mean(scores[1.0])), len(photos))
    print(f"{len(photos)} held-out photos, files protocol, sigma given\n")
    print(table.markdown())


if __name__ == "__main__":
    main()
