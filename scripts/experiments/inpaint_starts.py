"""Which first fill ("start") should the inpainting model correct? Each start alone and
with the model on top, scored inside the holes on photos the benchmark never uses: the
10 % of the training folder `restore train --data DIR --seed 0` holds out, centre crops,
the bench's masks (thin / medium / thick strokes, one object per area band; another
seed than the bench's). Prints hole PSNR per start and mask kind, and seconds per image.

    python scripts/experiments/inpaint_starts.py --data /work/denoise_data --limit 16 \\
        --fsr-python /work/venv-fsr/bin/python
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from functools import partial
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone's root: runs as `python scripts/...`

from restorer.bench import fsr
from restorer.bench.common import centre_crop
from restorer.bench.inpaint import FILL, bench_masks
from restorer.corrupt.functional import quantise
from restorer.patch_fill import TELEA_RADIUS
from restorer.restorer import Restorer
from restorer.tasks import TASKS
from restorer.tasks.inpaint import STARTS, telea_narrow_harmonic_fill
from restorer.train.data import held_out_split, load_rgb


def opencv(flag: int):
    def fill(img: np.ndarray, hole: np.ndarray) -> np.ndarray:
        u8 = np.clip(np.rint(img * 255), 0, 255).astype(np.uint8)
        return cv2.inpaint(u8, hole.astype(np.uint8), TELEA_RADIUS, flag).astype(np.float32) / 255
    return fill



def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="the training folder (its held-out 10 %% is used)")
    ap.add_argument("--weights", type=Path, default=None, help="the model put on top of each start (default: shipped)")
    ap.add_argument("--limit", type=int, default=16)
    ap.add_argument("--side", type=int, default=384, help="centre crops of at most this side")
    ap.add_argument("--starts", default="telea,ns,harmonic", help="comma-separated; fsr with --fsr-python (or where this cv2 has xphoto)")
    ap.add_argument("--fsr-python", type=Path, default=None)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--narrow", type=float, nargs="*", default=[],
                    help="also start from telea+narrow-harmonic with these half-widths (starts narrowK)")
    args = ap.parse_args()
    narrow = {f"narrow{k:g}": partial(telea_narrow_harmonic_fill, half_width=k) for k in args.narrow}
    starts = {**STARTS, "ns": opencv(cv2.INPAINT_NS), **narrow}
    chosen = args.starts.split(",") + list(narrow)
    if "fsr" in chosen:
        fsr.check(args.fsr_python)
    model = Restorer.load(TASKS["inpaint"], args.weights, "cpu")
    _, held = held_out_split(args.data, 0)
    images = [centre_crop(u8, args.side).astype(np.float32) / 255 for u8 in load_rgb(held[: args.limit], 64)]
    psnrs: dict[tuple[str, str], list[float]] = defaultdict(list)
    secs: dict[str, list[float]] = defaultdict(list)
    for i, clean in enumerate(images):
        for kind, hole in bench_masks(*clean.shape[:2], i, args.seed):
            damaged = np.where(hole[..., None], np.float32(FILL), clean).astype(np.float32)
            for name in chosen:
                if name == "fsr":
                    start, s = fsr.fsr_fill(damaged, hole, "fsr", args.fsr_python)
                else:
                    t = time.perf_counter()
                    start = starts[name](damaged, hole)
                    s = time.perf_counter() - t
                start = np.where(hole[..., None], start, damaged).astype(np.float32)
                t = time.perf_counter()
                x = np.concatenate([start.transpose(2, 0, 1), hole[None].astype(np.float32)])
                corrected = np.where(hole[..., None], np.clip(model.predict(x).transpose(1, 2, 0), 0, 1), damaged)
                secs[name].append(s), secs[f"{name}+model"].append(s + time.perf_counter() - t)
                for label, out in ((name, start), (f"{name}+model", corrected)):
                    err = float(np.mean((quantise(out)[hole].astype(np.float64) - clean[hole]) ** 2))
                    psnrs[label, kind].append(10 * np.log10(1 / max(err, 1e-12)))
        print(f"image {i + 1}/{len(images)}", file=sys.stderr, flush=True)
    kinds = sorted({k for _, k in psnrs}, key=["thin", "medium", "thick", "object"].index)
    print("| start | " + " | ".join(kinds) + " | s/image |")
    print("|---|" + "---|" * (len(kinds) + 1))
    for label in secs:
        print(f"| {label} | " + " | ".join(f"{np.mean(psnrs[label, k]):.2f}" for k in kinds) + f" | {np.mean(secs[label]):.3f} |")
    print(f"{len(images)} held-out images of {args.data}, centre crops of at most {args.side} px, mask seed {args.seed}")


if __name__ == "__main__":
    main()
