"""How oldphoto's damage threshold was chosen: the whole pipeline (restorer/bench/oldphoto.py's
measure, our damage generator only) on held-out photos of the training folder (the trainer's
split, seed 0, centre crops of at most 384 px), for a few thresholds and detector weights. The
benchmark sets and the independent generator are not used: they report, they do not choose.

    python scripts/experiments/oldphoto_threshold.py --data /work/denoise_data \\
        --weights weights/segment.safetensors --thresholds 0.5 0.65 0.8
    # a detector round's candidates: all 61 held-out photos (16 crops cannot tell one CPU round from its seed)
    python scripts/experiments/oldphoto_threshold.py --data /work/denoise_data --photos 61 \\
        --weights weights/segment.safetensors runs/seg_cost8/segment.safetensors --thresholds 0.35
    # the denoise stage's weights (the shipped stage's, and a candidate's)
    python scripts/experiments/oldphoto_threshold.py --data /work/denoise_data --photos 61 --thresholds 0.35 \\
        --weights weights/segment.safetensors --denoise-weights weights/denoise.safetensors runs/dscan1/denoise.safetensors
    # the denoise stage's sharpening of soft scans: off, or the edge spreads (px) its ramp runs between
    python scripts/experiments/oldphoto_threshold.py --data /work/denoise_data --photos 61 --thresholds 0.35 \\
        --weights weights/segment.safetensors --sharpen-ramp off 0.5,1.0 0.6,1.2
    # the see-through repair of translucent marks: off, and SeeThrough fields as key=value lists
    python scripts/experiments/oldphoto_threshold.py --data /work/denoise_data \\
        --weights weights/segment.safetensors --see-through off default band=2,min_ratio=0.5
"""
from __future__ import annotations

import argparse
import dataclasses
import itertools
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone's root: runs as `python scripts/...`

from restorer.bench.oldphoto import measure
from restorer import oldphoto
from restorer.oldphoto import OldPhoto, OldPhotoOptions, StageWeights
from restorer.see_through import SeeThrough
from restorer.tasks import denoise
from restorer.train.data import held_out_split, load_rgb

SIDE = 384


def crops(data: Path, count: int) -> list[tuple[str, np.ndarray]]:
    _, val = held_out_split(data, seed=0)
    out = []
    for path, img in zip(val[:count], load_rgb(val[:count], min_size=32)):
        h, w = img.shape[:2]
        sh, sw = min(h, SIDE), min(w, SIDE)
        y, x = (h - sh) // 2, (w - sw) // 2
        out.append((Path(path).name, img[y : y + sh, x : x + sw].astype(np.float32) / 255))
    return out


def see_through(spec: str) -> SeeThrough:
    """"off" and "default": the shipped settings (off disables them); "band=2,sigma=3": those fields changed."""
    if spec in ("off", "default"):
        return SeeThrough()
    fields = (kv.split("=") for kv in spec.split(","))
    return SeeThrough(**{k: v if k == "contrast_from" else float(v) for k, v in fields})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--weights", type=Path, nargs="+", required=True, help="damage detector weights to compare")
    ap.add_argument("--thresholds", type=float, nargs="+", default=[0.5])
    ap.add_argument("--dilate", type=int, nargs="+", default=[OldPhotoOptions.dilate])
    ap.add_argument("--photos", type=int, default=16)
    ap.add_argument("--see-through", nargs="+", default=["default"], help="off, default, or SeeThrough key=value,...")
    ap.add_argument("--generator", default="ours", help="ours or independent (the latter only to look, never to choose)")
    ap.add_argument("--sharpen-ramp", nargs="+", default=["default"],
                    help="off, default, or FROM,FULL: the edge spreads between which soft scans are sharpened")
    ap.add_argument("--denoise-weights", type=Path, nargs="+", default=[None],
                    help="denoise stage weights to compare (default: the shipped stage's)")
    args = ap.parse_args()
    images = crops(args.data, args.photos)
    pipeline = None
    shipped_ramp = denoise.SOFT_FROM, denoise.SOFT_FULL
    for w, dw, ramp in itertools.product(args.weights, args.denoise_weights, args.sharpen_ramp):
        options = OldPhotoOptions(no_colorize=True, no_sharpen=ramp == "off")
        pipeline = OldPhoto.load(options, StageWeights(segment_weights=w, denoise_weights=dw), "cpu")
        # the ramp is read from the module when each photo runs
        denoise.SOFT_FROM, denoise.SOFT_FULL = shipped_ramp if ramp in ("off", "default") else map(float, ramp.split(","))
        name = f"{w}" + (f" + denoise {dw}" if dw else "") + (f"  sharpen {ramp}" if ramp != "default" else "")
        for t, d, spec in itertools.product(args.thresholds, args.dilate, args.see_through):
            pipeline.options = dataclasses.replace(pipeline.options, threshold=t, dilate=d, no_see_through=spec == "off")
            oldphoto.SEE_THROUGH = see_through(spec)
            row = measure(images, ["ours"], pipeline, seed=7, generator=args.generator).rows[0]
            print(f"{name}  threshold {t}  dilate {d}  see-through {spec}: PSNR {row[1]:.4f}  SSIM {row[2]:.5f}  "
                  f"({len(images)} held-out crops)", flush=True)
    row = measure(images, ["input"], pipeline, seed=7, generator=args.generator).rows[0]
    print(f"input: PSNR {row[1]:.2f}  SSIM {row[2]:.4f}")


if __name__ == "__main__":
    main()
