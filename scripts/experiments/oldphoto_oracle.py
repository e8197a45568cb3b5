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
    # the detector run on the scan enlarged (thin marks made wider), its logits shrunk back; alone, united
    # with the 1x mask, and the mean of both logits
    python scripts/experiments/oldphoto_oracle.py --data /work/denoise_data --part scales --scales 1.5 2
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
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
from restorer.tasks.segment import SegmentOptions, labels_of, threshold_logit  # noqa: E402


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


def hysteresis(logits: np.ndarray, high: float, low: float) -> np.ndarray:
    """Pixels above `low` in 8-connected pieces that hold at least one pixel above `high`."""
    n, pieces = cv2.connectedComponents((logits > threshold_logit(low)).astype(np.uint8), connectivity=8)
    seeded = np.zeros(n, bool)
    seeded[pieces[logits > threshold_logit(high)]] = True
    seeded[0] = False
    return seeded[pieces]


def logits_at(pipeline: OldPhoto, scan: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """HxW damage logits of the detector (the shipped views) run on the scan resized by `scale`, at the scan's size."""
    h, w = scan.shape[:2]
    big = scan if scale == 1 else np.clip(cv2.resize(scan, (round(w * scale), round(h * scale)),
                                                     interpolation=cv2.INTER_CUBIC), 0, 1)
    out = averaged_over_views(pipeline.stages["segment"].predict, np.ascontiguousarray(big.transpose(2, 0, 1)),
                              SegmentOptions.views)[0]
    return out if scale == 1 else cv2.resize(out, (w, h), interpolation=cv2.INTER_AREA if scale > 1 else cv2.INTER_LINEAR)


def scored(pipeline: OldPhoto, images, seed: int, generator: str,
           masks_of: Callable[[np.ndarray], dict[str, np.ndarray]]) -> dict[str, list[float]]:
    """PSNR, recall and precision of oldphoto with each mask that masks_of(scan) proposes."""
    out: dict[str, list] = {}
    for i, (_, clean) in enumerate(images):
        scan, bw, t = damaged_scan(clean, np.random.default_rng(seed * 100_003 + i), GENERATORS[generator])
        for name, d in masks_of(scan).items():
            tp = (d & t).sum()
            out.setdefault(name, []).append((restored(pipeline, scan, bw, d), tp / max(t.sum(), 1), tp / max(d.sum(), 1)))
    return {k: np.mean(v, axis=0).tolist() for k, v in out.items()}


def grown(pipeline: OldPhoto, high: float, lows: list[float]) -> Callable[[np.ndarray], dict[str, np.ndarray]]:
    """The mask grown by hysteresis to each low threshold."""
    def masks_of(scan: np.ndarray) -> dict[str, np.ndarray]:
        logits = logits_at(pipeline, scan)
        return {f"low {low:g}": hysteresis(logits, high, low) for low in [high, *lows]}
    return masks_of


def rescaled(pipeline: OldPhoto, threshold: float, scales: list[float]) -> Callable[[np.ndarray], dict[str, np.ndarray]]:
    """The mask found on the scan enlarged by each scale: alone, or with the 1x mask, or their mean logits."""
    cut = threshold_logit(threshold)

    def masks_of(scan: np.ndarray) -> dict[str, np.ndarray]:
        one = logits_at(pipeline, scan)
        out = {"1x": one > cut}
        for s in scales:
            big = logits_at(pipeline, scan, s)
            out |= {f"{s:g}x": big > cut, f"1x or {s:g}x": (one > cut) | (big > cut), f"mean 1x, {s:g}x": one + big > 2 * cut}
        return out
    return masks_of


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
    ap.add_argument("--part", choices=("masks", "kinds", "hysteresis", "scales"), default="masks")
    ap.add_argument("--generator", default="ours", choices=tuple(GENERATORS))
    ap.add_argument("--kinds", nargs="+", default=list(KINDS), help="--part kinds: which kinds")
    ap.add_argument("--threshold", type=float, default=OldPhotoOptions.threshold)
    ap.add_argument("--low", type=float, nargs="+", default=[0.2], help="--part hysteresis: lower thresholds")
    ap.add_argument("--scales", type=float, nargs="+", default=[2.0], help="--part scales: enlargements")
    ap.add_argument("--photos", type=int, default=16, help="held-out crops (kinds: 10 is enough)")
    args = ap.parse_args()
    images = crops(args.data, args.photos)
    pipeline = OldPhoto.load(OldPhotoOptions(no_colorize=True), StageWeights(segment_weights=args.weights), "cpu")
    if args.part == "masks":
        row = masks(pipeline, images, 7, args.generator, args.threshold)
        print(f"{args.generator}, {len(images)} crops: " + "  ".join(f"{k} {v:.2f}" for k, v in row.items()))
        return
    if args.part in ("hysteresis", "scales"):
        masks_of = (grown(pipeline, args.threshold, args.low) if args.part == "hysteresis"
                    else rescaled(pipeline, args.threshold, args.scales))
        for name, (value, recall, precision) in scored(pipeline, images, 7, args.generator, masks_of).items():
            print(f"{args.generator}, {len(images)} crops, {name}: PSNR {value:.2f}  recall {recall:.3f}  precision {precision:.3f}",
                  flush=True)
        return
    for name, row in kinds(pipeline, images, 11, args.kinds, args.threshold).items():
        print(f"{name:16s} " + "  ".join(f"{k} {v:.3f}" for k, v in row.items()), flush=True)


if __name__ == "__main__":
    main()
