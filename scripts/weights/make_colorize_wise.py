"""How weights/colorize.safetensors was made from two `restore train colorize` runs:
the fine-tuned weights averaged with the ones they started from (WiSE-FT,
Wortsman et al. 2022, at their default mixing 0.5: a longer run colours the
held-out bsds432 split better but overfits it, painting Kodak24's muted skies
and sea a confident blue; the average keeps both), then a prior correction of
ALPHA folded into the last layer's bias (logits - ALPHA * log w, w the
rebalancing weights), so the usual decoding (annealed mean, T = 0.6) applies.

ALPHA was chosen on the held-out split alone (scripts/experiments/colorize_decode_sweep.py):
the one tested value that beats the previous weights there on both PSNR and
colourfulness (0.1: +1.42 / 0.697, 0.15: +1.52 / 0.670, 0.2: +1.60 / 0.644;
previous +1.50 / 0.646).

    python scripts/weights/make_colorize_wise.py runs/colorize_backup_1163/colorize.safetensors \\
        runs/colorize_ft/colorize.safetensors weights/colorize.safetensors --data ../shared/datasets/bsds432

--mix and --alpha make other candidates the same way (docs/history/colorize.md,
"Training at the scale inference predicts at").
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone's root: runs as `python scripts/...`

from restorer.models.grow import grow_model
from restorer.tasks.colorize import fold_decoding
from restorer.weights import chained_training, load_model, save_weights
from scripts.experiments.colorize_decode_sweep import held_out_validation

MIX = 0.5
ALPHA = 0.15


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("start", type=Path, help="the weights the fine-tuning started from")
    ap.add_argument("tuned", type=Path, help="the fine-tuned weights")
    ap.add_argument("out", type=Path)
    ap.add_argument("--data", type=Path, required=True, help="the training folder (its held-out split is scored)")
    ap.add_argument("--mix", type=float, default=MIX, help="share of the fine-tuned weights (1: those alone)")
    ap.add_argument("--alpha", type=float, default=ALPHA, help="prior correction folded into the last bias")
    args = ap.parse_args()
    start, start_info = load_model(args.start, task="colorize")
    tuned, tuned_info = load_model(args.tuned, task="colorize")
    start, spec = grow_model(start, start_info.spec, tuned_info.spec)  # automatic weights and a hint-reading fine-tune
    s0, s1 = start.float().state_dict(), tuned.float().state_dict()
    start.load_state_dict({k: (1 - args.mix) * s0[k] + args.mix * s1[k] if s0[k].is_floating_point() else s1[k] for k in s0})
    fold_decoding(start, alpha=args.alpha)
    training = {**chained_training(start_info.meta["training"], tuned_info.meta["training"]),
                "weight_average": {"mix": args.mix, "of": [start_info.meta["sha256"], tuned_info.meta["sha256"]]},
                "prior_correction": args.alpha, "made_by": "scripts/weights/make_colorize_wise.py"}
    validation = held_out_validation(start, args.data, training["config"]["seed"])
    save_weights(start, spec, args.out, "colorize", training=training, validation=validation)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
