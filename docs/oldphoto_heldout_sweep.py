"""`restore bench oldphoto`'s damage and scoring on the trainer's held-out bsds432 photos
(seed-0 split, never trained on, never a benchmark set), for a detector and a list of
threshold:dilate settings: where oldphoto's settings may be chosen without choosing on Kodak24.

    PYTHONPATH=. python docs/oldphoto_heldout_sweep.py weights/segment.safetensors 0.5:2 0.5:1 \\
        --data ../shared/datasets/bsds432
"""
import argparse
from pathlib import Path

import numpy as np

from restorer.bench.common import plain_photo
from restorer.bench.oldphoto import damaged_bw
from restorer.corrupt.functional import quantise
from restorer.metrics import psnr
from restorer.oldphoto import OldPhoto, OldPhotoOptions, StageWeights
from restorer.train.data import held_out_split, load_rgb

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("weights", type=Path, help="segment weights")
parser.add_argument("settings", nargs="+", help="threshold:dilate, e.g. 0.5:2")
parser.add_argument("--data", type=Path, default=Path("../shared/datasets/bsds432"))
args = parser.parse_args()

# sorted, as a folder of these photos would be listed: the same damage seed per photo as `--data that-folder`
photos = [rgb.astype(np.float32) / 255 for rgb in load_rgb(sorted(held_out_split(args.data, seed=0)[1]), min_size=32)]
for setting in args.settings:
    threshold, dilate = setting.split(":")
    options = OldPhotoOptions(no_colorize=True, threshold=float(threshold), dilate=int(dilate))
    pipeline = OldPhoto.load(options, StageWeights(segment_weights=args.weights), "cpu")
    scores = []
    for i, clean in enumerate(photos):  # the benchmark's per-image seeds (its --seed 0)
        damaged, original = damaged_bw(clean, np.random.default_rng(i))
        scores.append(psnr(quantise(pipeline(plain_photo(damaged))[""].pixels), original))
    print(f"{args.weights.name}  threshold {threshold}  dilate {dilate}  PSNR {np.mean(scores):.3f}  ({len(scores)} photos)", flush=True)
