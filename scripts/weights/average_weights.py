"""Average two weights files of one architecture (WiSE-FT, Wortsman et al. 2022): the weights a
fine-tuning started from and the fine-tuned ones, mixed `--mix` of the way towards the tuned.
A fine-tuning that gains on a new kind of input and loses on the old often keeps most of both
at a mix between. Any task; the result records both parents and the mix.

    python scripts/weights/average_weights.py weights/denoise.safetensors runs/d24/denoise.safetensors \\
        runs/wise/denoise.safetensors --mix 0.5
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone's root: runs as `python scripts/...`

from restorer.weights import chained_training, load_model, save_weights


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("start", type=Path, help="the weights the fine-tuning started from")
    ap.add_argument("tuned", type=Path, help="the fine-tuned weights")
    ap.add_argument("out", type=Path)
    ap.add_argument("--mix", type=float, default=0.5, help="share of the fine-tuned weights (0: start, 1: tuned)")
    args = ap.parse_args()
    start, start_info = load_model(args.start)
    tuned, tuned_info = load_model(args.tuned, task=start_info.task)
    if start_info.spec != tuned_info.spec:
        sys.exit(f"{args.tuned}: another architecture than {args.start}")
    s0, s1 = start.state_dict(), tuned.state_dict()
    start.load_state_dict({k: (1 - args.mix) * s0[k] + args.mix * s1[k] if s0[k].is_floating_point() else s1[k] for k in s0})
    t0, t1 = start_info.meta.get("training", {}), tuned_info.meta.get("training", {})
    training = {**chained_training(t0, t1),
                "weight_average": {"mix": args.mix, "of": [start_info.meta.get("sha256"), tuned_info.meta.get("sha256")]},
                "made_by": "scripts/weights/average_weights.py"}
    shifts = [t.get("calibration", {}).get("logit_shift") for t in (t0, t1)]
    if all(isinstance(v, (int, float)) for v in shifts):  # a cut folded into the output bias is averaged with it
        training["calibration"] = {"logit_shift": round((1 - args.mix) * shifts[0] + args.mix * shifts[1], 4),
                                   "mixed_from": shifts}
    save_weights(start, start_info.spec, args.out, start_info.task, training=training)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
