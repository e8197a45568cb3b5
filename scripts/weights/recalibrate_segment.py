"""Move a damage detector's decision threshold to the held-out IoU optimum again, as `restore train
segment` does at the end of a run: for weights trained before the damage they are judged on changed
(the cut stays where the old damage put it). The old cut is taken out first; the new one is folded
into the last layer's bias and recorded in the JSON.

    python scripts/weights/recalibrate_segment.py weights/segment.safetensors --data ../shared/datasets/bsds432 \\
        runs/segment_recal/segment.safetensors
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone's root: runs as `python scripts/...`

from restorer.tasks.segment import calibrate_threshold, calibration_samples, undo_calibration
from restorer.train.data import collate, held_out_split, list_images, load_rgb
from restorer.weights import load_model, save_weights


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("weights", type=Path)
    ap.add_argument("out", type=Path)
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--data", type=Path, help="a training folder: its held-out split (restore train --seed 0) is used")
    where.add_argument("--val", type=Path, help="a folder of held-out photos, used whole")
    args = ap.parse_args()
    model, info = load_model(args.weights, task="segment")
    training = dict(info.meta.get("training", {}))
    old = training.get("calibration", {})
    undo_calibration(model, old)
    paths = held_out_split(args.data, 0)[1] if args.data else list_images(args.val)
    batches = [collate([s]) for s in calibration_samples(load_rgb(paths, min_size=32))]
    new = calibrate_threshold(model, batches, torch.device("cpu"))
    training["calibration"] = new
    training["recalibrated"] = {"from": info.meta.get("sha256"), "old_calibration": old, "photos": len(paths),
                                "made_by": "scripts/weights/recalibrate_segment.py"}
    save_weights(model.eval(), info.spec, args.out, "segment", training=training)
    print(f"logit shift {old.get('logit_shift', 0.0):+.2f} -> {new['logit_shift']:+.2f}; held-out pooled IoU "
          f"uncalibrated (logit 0) {new['val_pooled_iou_at_0.5_before']:.4f}, at the new cut "
          f"{new['val_pooled_iou_after']:.4f}; wrote {args.out}")


if __name__ == "__main__":
    main()
