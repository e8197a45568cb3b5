"""Where oldphoto loses to the undamaged photo: the detector or the repair. The whole pipeline
(`restore oldphoto --no-colorize`) on held-out crops of the training folder (oldphoto_threshold.py's
crops and seed), repairing the mask the detector finds (D), the true mask (T), their union (every
damaged pixel found, the detector's false alarms kept) and their intersection (no false alarms).

    # the four masks, the full damage mix of a generator
    python scripts/experiments/oldphoto_oracle.py --data /work/denoise_data --part masks [--generator independent]
    # each damage kind alone: the detector's recall and precision, and PSNR with D and with T
    python scripts/experiments/oldphoto_oracle.py --data /work/denoise_data --part kinds --kinds craquelure specks
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone's root: runs as `python scripts/...`
sys.path.insert(0, str(Path(__file__).resolve().parent))

from oldphoto_threshold import crops  # noqa: E402

from restorer.bench.common import plain_photo  # noqa: E402
from restorer.bench.oldphoto import damaged_scan  # noqa: E402
from restorer.bench.segment import GENERATORS  # noqa: E402
from restorer.corrupt.damage import KINDS  # noqa: E402
from restorer.corrupt.functional import quantise  # noqa: E402
from restorer.metrics import psnr  # noqa: E402
from restorer.oldphoto import OldPhoto, OldPhotoOptions, StageWeights  # noqa: E402
from restorer.tasks.segment import SegmentOptions, labels_of  # noqa: E402


def detected(pipeline: OldPhoto, scan: np.ndarray, threshold: float) -> np.ndarray:
    return labels_of(pipeline.stages["segment"](plain_photo(scan), SegmentOptions(threshold=threshold))) > 0


def restored(pipeline: OldPhoto, scan: np.ndarray, bw: np.ndarray, damage: np.ndarray) -> float:
    return psnr(quantise(pipeline(plain_photo(scan), damage=damage)[""].pixels), bw)


def masks(pipeline: OldPhoto, images, seed: int, generator: str, threshold: float) -> dict[str, float]:
    out: dict[str, list[float]] = {}
    for i, (_, clean) in enumerate(images):
        scan, bw, t = damaged_scan(clean, np.random.default_rng(seed * 100_003 + i), GENERATORS[generator])
        d = detected(pipeline, scan, threshold)
        for name, m in (("D", d), ("D or T", d | t), ("D and T", d & t), ("T", t)):
            out.setdefault(name, []).append(restored(pipeline, scan, bw, m))
    return {k: float(np.mean(v)) for k, v in out.items()}


def kinds(pipeline: OldPhoto, images, seed: int, names: list[str], threshold: float) -> dict[str, dict[str, float]]:
    table = {}
    for name in names:
        rows = []
        for i, (_, clean) in enumerate(images):
            scan, bw, t = damaged_scan(clean, np.random.default_rng(seed * 100_003 + i), KINDS[name][0])
            d = detected(pipeline, scan, threshold)
            tp, fp, fn = (d & t).sum(), (d & ~t).sum(), (~d & t).sum()
            rows.append((psnr(scan, bw), restored(pipeline, scan, bw, d), restored(pipeline, scan, bw, t),
                         tp / max(tp + fn, 1), tp / max(tp + fp, 1)))
        table[name] = dict(zip(("input", "D", "T", "recall", "precision"), np.mean(rows, axis=0).tolist()))
    return table


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, required=True, help="the training folder (its held-out split is used)")
    ap.add_argument("--weights", type=Path, help="damage detector weights (default: the shipped ones)")
    ap.add_argument("--part", choices=("masks", "kinds"), default="masks")
    ap.add_argument("--generator", default="ours", choices=tuple(GENERATORS))
    ap.add_argument("--kinds", nargs="+", default=list(KINDS), help="--part kinds: which kinds")
    ap.add_argument("--threshold", type=float, default=OldPhotoOptions.threshold)
    ap.add_argument("--photos", type=int, default=16, help="held-out crops (kinds: 10 is enough)")
    args = ap.parse_args()
    images = crops(args.data, args.photos)
    pipeline = OldPhoto.load(OldPhotoOptions(no_colorize=True), StageWeights(segment_weights=args.weights), "cpu")
    if args.part == "masks":
        row = masks(pipeline, images, 7, args.generator, args.threshold)
        print(f"{args.generator}, {len(images)} crops: " + "  ".join(f"{k} {v:.2f}" for k, v in row.items()))
        return
    for name, row in kinds(pipeline, images, 11, args.kinds, args.threshold).items():
        print(f"{name:16s} " + "  ".join(f"{k} {v:.3f}" for k, v in row.items()), flush=True)


if __name__ == "__main__":
    main()
