"""Re-decode a colorize weights file: fold a prior correction ALPHA and an annealing
temperature T into its last layer (restorer.tasks.colorize.fold_decoding), so the
new file decodes like any colorize weights. Its training record is kept and the
fold added to it; its held-out score is measured again (production path).

weights/colorize.safetensors was refolded at T = 0.5 this way: the temperature
with the highest held-out PSNR over grey for the shipped weights
(scripts/experiments/colorize_decode_sweep.py, T 0.35-0.6; docs/history/colorize.md):

    python scripts/weights/colorize_refold.py weights/colorize.safetensors runs/cz/t05/colorize.safetensors \\
        --data ../shared/datasets/bsds432 --temperature 0.5

A fine-tune's file (restore train --from weights/colorize.safetensors) keeps the shipped file's
fold and history with --continues. For the shipped decoding (AUTO: T = 0.5, alpha = 0.3 on top of
the fold) to give what colorize_auto_sweep.py scored at T and alpha 0.3 on the unfolded file, fold
--temperature 1.2 T (1.2 = ANNEAL_T / 0.5) --alpha (0.3 - 0.6 T); e.g. T = 0.8: 0.96 and -0.18.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone's root: runs as `python scripts/...`

from restorer import color as C
from restorer.tasks.colorize import fold_decoding
from restorer.weights import chained_training, load_model, save_weights
from scripts.experiments.colorize_decode_sweep import held_out_validation


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("weights", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--data", type=Path, required=True, help="the training folder (its held-out split is scored)")
    ap.add_argument("--temperature", type=float, default=C.ANNEAL_T)
    ap.add_argument("--alpha", type=float, default=0.0)
    ap.add_argument("--continues", type=Path, default=None, help="the weights WEIGHTS was fine-tuned from (restore train "
                    "--from): their training record goes first, so the file keeps its whole history")
    args = ap.parse_args()
    model, info = load_model(args.weights, task="colorize")
    model = model.float()
    fold_decoding(model, alpha=args.alpha, temperature=args.temperature)
    training = dict(info.meta["training"])
    if args.continues:
        training = chained_training(load_model(args.continues, task="colorize")[1].meta["training"], training)
    training["refolds"] = [*training.get("refolds", []), {
        "from": info.meta["sha256"], "alpha": args.alpha, "temperature": args.temperature,
        "made_by": "scripts/weights/colorize_refold.py"}]
    validation = held_out_validation(model, args.data, training["config"]["seed"])
    save_weights(model, info.spec, args.out, "colorize", training=training, validation=validation)
    print(f"wrote {args.out}: held-out {validation['psnr_over_grey']:+.3f} dB over grey, "
          f"colourfulness {validation['colourfulness']:.3f}")


if __name__ == "__main__":
    main()
