"""Where oldphoto loses to the undamaged photo: the detector or the repair. The whole pipeline
(`restore oldphoto --no-colorize`) on held-out crops of the training folder (oldphoto_threshold.py's
crops and seed), repairing the mask the detector finds (D), the true mask (T), their union (every
damaged pixel found, the detector's false alarms kept) and their intersection (no false alarms).

    # the four masks, the full damage mix of a generator
    python scripts/experiments/oldphoto_oracle.py --data /work/denoise_data --part masks [--generator independent]
    # each damage kind alone: the detector's recall and precision, and PSNR with D and with T
    python scripts/experiments/oldphoto_oracle.py --data /work/denoise_data --part kinds --kinds craquelure specks
    # hysteresis: pixels above a lower threshold join the mask where they connect to one above --threshold
    python scripts/experiments/oldphoto_oracle.py --data /work/denoise_data --part hysteresis --low 0.1 0.2 0.3
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
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
from restorer.ensemble import averaged_over_views  # noqa: E402
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


def logit(p: float) -> float:
    return float(np.log(p) - np.log1p(-p))


def hysteresis(logits: np.ndarray, high: float, low: float) -> np.ndarray:
    """Pixels above `low` in 8-connected pieces that hold at least one pixel above `high`."""
    n, pieces = cv2.connectedComponents((logits > logit(low)).astype(np.uint8), connectivity=8)
    seeded = np.zeros(n, bool)
    seeded[pieces[logits > logit(high)]] = True
    seeded[0] = False
    return seeded[pieces]


def grown(pipeline: OldPhoto, images, seed: int, generator: str, high: float, lows: list[float]) -> dict[str, list[float]]:
    """PSNR, recall and precision with the mask grown by hysteresis to each low threshold."""
    out: dict[str, list] = {}
    for i, (_, clean) in enumerate(images):
        scan, bw, t = damaged_scan(clean, np.random.default_rng(seed * 100_003 + i), GENERATORS[generator])
        logits = averaged_over_views(pipeline.stages["segment"].predict, np.ascontiguousarray(scan.transpose(2, 0, 1)),
                                     SegmentOptions.views)[0]
        for low in [high, *lows]:
            d = hysteresis(logits, high, low)
            tp = (d & t).sum()
            out.setdefault(f"low {low:g}", []).append((restored(pipeline, scan, bw, d), tp / max(t.sum(), 1), tp / max(d.sum(), 1)))
    return {k: np.mean(v, axis=0).tolist() for k, v in out.items()}


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
    ap.add_argument("--part", choices=("masks", "kinds", "hysteresis"), default="masks")
    ap.add_argument("--generator", default="ours", choices=tuple(GENERATORS))
    ap.add_argument("--kinds", nargs="+", default=list(KINDS), help="--part kinds: which kinds")
    ap.add_argument("--threshold", type=float, default=OldPhotoOptions.threshold)
    ap.add_argument("--low", type=float, nargs="+", default=[0.2], help="--part hysteresis: lower thresholds")
    ap.add_argument("--photos", type=int, default=16, help="held-out crops (kinds: 10 is enough)")
    args = ap.parse_args()
    images = crops(args.data, args.photos)
    pipeline = OldPhoto.load(OldPhotoOptions(no_colorize=True), StageWeights(segment_weights=args.weights), "cpu")
    if args.part == "masks":
        row = masks(pipeline, images, 7, args.generator, args.threshold)
        print(f"{args.generator}, {len(images)} crops: " + "  ".join(f"{k} {v:.2f}" for k, v in row.items()))
        return
    if args.part == "hysteresis":
        for name, (value, recall, precision) in grown(pipeline, images, 7, args.generator, args.threshold, args.low).items():
            print(f"{args.generator}, {len(images)} crops, {name}: PSNR {value:.2f}  recall {recall:.3f}  precision {precision:.3f}",
                  flush=True)
        return
    for name, row in kinds(pipeline, images, 11, args.kinds, args.threshold).items():
        print(f"{name:16s} " + "  ".join(f"{k} {v:.3f}" for k, v in row.items()), flush=True)


if __name__ == "__main__":
    main()
