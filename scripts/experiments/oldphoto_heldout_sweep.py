"""`restore bench oldphoto`'s damage and scoring on the trainer's held-out bsds432 photos
(seed-0 split, never trained on, never a benchmark set), for a detector and a list of
threshold:dilate settings: where oldphoto's settings may be chosen without choosing on Kodak24.

    python scripts/experiments/oldphoto_heldout_sweep.py weights/segment.safetensors 0.5:2 0.5:1 \\
        --data ../shared/datasets/bsds432
"""
import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone's root: runs as `python scripts/...`

from restorer.bench.oldphoto import measure
from restorer.oldphoto import OldPhoto, OldPhotoOptions, StageWeights
from restorer.train.data import held_out_split, load_rgb

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("weights", type=Path, help="segment weights")
parser.add_argument("settings", nargs="+", help="threshold:dilate, e.g. 0.5:2")
parser.add_argument("--data", type=Path, default=Path("../shared/datasets/bsds432"))
args = parser.parse_args()

# sorted and 8-bit floats, as `load_clean` lists a folder of these photos: the same damage per photo as `--data that-folder`
held = sorted(held_out_split(args.data, seed=0)[1])
photos = [(str(i), rgb.astype(np.float32) / 255) for i, rgb in enumerate(load_rgb(held, min_size=32))]
for setting in args.settings:
    threshold, dilate = setting.split(":")
    options = OldPhotoOptions(no_colorize=True, threshold=float(threshold), dilate=int(dilate))
    pipeline = OldPhoto.load(options, StageWeights(segment_weights=args.weights), "cpu")
    psnr_db, ssim, _, n = measure(photos, ["ours"], pipeline).rows[0][1:]
    print(f"{args.weights.name}  threshold {threshold}  dilate {dilate}  PSNR {psnr_db:.3f}  SSIM {ssim:.4f}  ({n} photos)", flush=True)
