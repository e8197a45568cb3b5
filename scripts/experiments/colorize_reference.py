"""Reference colour for colorize (`--reference`, issue #27): how strongly should a reference's palette
steer the network (colorize.REFERENCE_WEIGHT)? A reference is "a colour photo of a similar scene"; here
each photo is cut in two along its long side, one half (colour) is the reference and the other half
(made grey) is colorized. Scored on the colorized half: PSNR over grey, share of halves worse than
grey, mean Delta E on a*b*. Rows: the automatic colour (weight 0), each weight, and the classical
baseline (each pixel the reference's mean colour at its lightness; color_reference.lightness_palette).
Photos: colorize_auto_sweep's held-out photos of the training sets (never the benchmark sets).
Each "ours+reference" row is the steered network mixed with --classical-share of the classical answer
(colour_of; 0: the network alone); --blend adds rows mixing in more of it afterwards.

    OMP_NUM_THREADS=1 python scripts/experiments/colorize_reference.py --classical-share 0 --weight 1 2 4 --decode 1:0:1:0
    restore bench colorize-reference --data ... runs the shipped setting on a benchmark set with the same halves
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone's root: runs as `python scripts/...`
sys.path.insert(0, str(Path(__file__).resolve().parent))

from colorize_auto_sweep import DATA, photos  # noqa: E402

from restorer.bench.colorize_reference import halves, reference_outputs, scores as scored  # noqa: E402
from restorer import color as C  # noqa: E402
from restorer.bench.common import Table  # noqa: E402
from restorer.corrupt.functional import quantise  # noqa: E402
from restorer.color_decoding import Decoding  # noqa: E402
from restorer.tasks.colorize import REFERENCE_CLASSICAL_SHARE  # noqa: E402
from restorer.tiling import TiledPredictor  # noqa: E402
from restorer.weights import default_weights, load_model  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA, help="folder holding bsds432, urban100 and sunhays80")
    ap.add_argument("--weights", type=Path, default=None, help="default: the shipped colorize weights")
    ap.add_argument("--weight", type=float, nargs="+", default=[0.5, 1.0, 2.0])
    ap.add_argument("--decode", nargs="+", default=["0.5:0.3:1:1"],
                    help="decodings T:ALPHA:CHROMA:SHRINK (each with each weight)")
    ap.add_argument("--limit", type=int, default=None, help="photos per set")
    ap.add_argument("--classical-share", type=float, default=REFERENCE_CLASSICAL_SHARE)
    ap.add_argument("--blend", type=float, nargs="*", default=[], help="also rows mixing each variant's a*b* with the "
                    "classical baseline's: this share of the classical")
    args = ap.parse_args()
    model, info = load_model(args.weights or default_weights("colorize"), task="colorize")
    predict = TiledPredictor(model.float().eval(), torch.device("cpu"), tile=0)
    variants = [(w, Decoding(*(float(v) for v in d.split(":")))) for w in args.weight for d in args.decode]
    pooled: dict[str, list[tuple[float, float, float]]] = {}
    table = Table(["set", "method", "over grey", "worse than grey", "ΔE ab", "halves"])
    for name, imgs in photos(args.data, info.meta["training"]["config"]["seed"], args.limit).items():
        scores: dict[str, list[tuple[float, float, float]]] = {}
        for clean in imgs:
            if (split := halves(clean)) is None:  # a grey photo
                continue
            reference, target = split
            outs = reference_outputs(target, reference, predict, variants, args.classical_share)
            grey = C.grey_of(target)
            for variant in [m for m in outs if m.startswith("ours+reference")]:
                for share in args.blend:
                    ab = (1 - share) * C.rgb_to_lab(outs[variant])[..., 1:] + share * C.rgb_to_lab(outs["classical"])[..., 1:]
                    outs[f"{variant} + {share:g} classical"] = quantise(C.colorize_grey(grey, ab.astype(np.float32)))
            for method, score in scored(outs, target).items():
                scores.setdefault(method, []).append(score)
                pooled.setdefault(method, []).append(score)
        for method, s in scores.items():
            a = np.array(s)
            table.add(name, method, float(a[:, 0].mean()), float(np.mean(a[:, 0] < 0)), float(a[:, 1].mean()), len(a))
        print(f"{name} done", file=sys.stderr, flush=True)
    for method, s in pooled.items():
        a = np.array(s)
        table.add("pooled", method, float(a[:, 0].mean()), float(np.mean(a[:, 0] < 0)), float(a[:, 1].mean()), len(a))
    print(table.markdown())


if __name__ == "__main__":
    main()
