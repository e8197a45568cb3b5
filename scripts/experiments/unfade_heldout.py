"""Unfading weights scored on the photos their training held out (the trainer's split of --data with
--seed), whole and at full size through `restore unfade`'s own apply, against the classical
correction and the faded input, and on the same photos never faded (oldphoto's gate lets some such
photos through): how weights are chosen before any benchmark number is seen.

    python scripts/experiments/unfade_heldout.py runs/unfade-colour/unfade.safetensors runs/unfade-unet/unfade.safetensors \\
        --data /work/denoise_data --limit 24
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone's root: runs as `python scripts/...`

from restorer.bench.common import Table, plain_photo
from restorer.bench.unfade import measure
from restorer.corrupt.functional import quantise
from restorer.metrics import delta_e, psnr
from restorer.restorer import Restorer
from restorer.tasks import TASKS
from restorer.train.data import held_out_split, load_rgb
from restorer.unfade import classical


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("weights", nargs="*", type=Path, help="weights files to score as ours-1, ours-2, ...")
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0, help="the training run's --seed (its split)")
    parser.add_argument("--limit", type=int, default=24)
    parser.add_argument("--fading-seed", type=int, default=1, help="seed of the synthetic fading (the benchmark's is 0)")
    args = parser.parse_args()

    _, held_out = held_out_split(args.data, args.seed)
    images = [(str(i), img.astype(np.float32) / 255) for i, img in enumerate(load_rgb(held_out[: args.limit], 32))]
    fns = {"input": lambda x: x, "classical": classical}
    options = TASKS["unfade"].options()
    for k, w in enumerate(args.weights, 1):
        restorer = Restorer.load(TASKS["unfade"], w, "cpu")
        fns[f"ours-{k}"] = lambda x, r=restorer: r(plain_photo(x), options).pixels
        print(f"ours-{k}: {w}")
    print("faded by the synthetic pipeline:")
    print(measure(images, list(fns), fns, args.fading_seed).markdown())
    # oldphoto's gate (unfade.looks_faded) lets about one unfaded photo in ten through: what unfade does to those
    table = Table(["method", "PSNR", "ΔE", "images"])
    for name, fn in fns.items():
        outs = [(quantise(fn(img)), img) for _, img in images]
        scores = [(psnr(out, img), delta_e(out, img)) for out, img in outs]
        table.add(name, *(float(v) for v in np.mean(scores, axis=0)), len(images))
    print("\nnot faded at all:")
    print(table.markdown())


if __name__ == "__main__":
    main()
