"""How the colorize classifier's output is decoded, measured: annealing
temperature T and prior correction alpha (logit adjustment: the rebalanced loss
trains the network towards p(colour | grey) x w(colour), so subtracting
alpha * log w moves it back towards the plain posterior; alpha = 0 is what
ships). Scored through the production path like `restore bench colorize`
(colour at colorize.PREDICT_SIDE over the full-size lightness): PSNR over grey and
colourfulness ratio on the held-out 10 % of the training folder and on a test
folder. The network runs once per image; every decoding reuses its logits.

    OMP_NUM_THREADS=1 python scripts/experiments/colorize_decode_sweep.py \\
        ../shared/datasets/bsds432 ../shared/datasets/kodak24 --decode=0:0.6,0.25:0.6,0.5:0.8

--decode lists ALPHA:T pairs, comma-separated. --views 1 2 also scores the
mirror self-ensemble (logits averaged over the photo and its left-right mirror,
restorer.ensemble), which moves the network's output, not only its decoding. Measured 2026-11-23
(docs/history/colorize.md).
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone's root: runs as `python scripts/...`

from restorer import color as C
from restorer.bench.common import load_clean
from restorer.corrupt.functional import quantise
from restorer.ensemble import averaged_over_views
from restorer.metrics import psnr
from restorer.color_decoding import CLASS_WEIGHTS
from restorer.tasks.colorize import predict_logits, upsample_ab
from restorer.train.data import held_out_split, load_rgb
from restorer.weights import default_weights, load_model

LOG_W = np.log(CLASS_WEIGHTS.numpy())[:, None, None]


def model_predictor(model: torch.nn.Module) -> Callable[[np.ndarray], np.ndarray]:
    """The fp32 model called on one CxHxW array (the production path tiles; colour at 256 px is one tile).
    A model that also reads hint maps gets empty ones: this scores the automatic colour."""
    missing = getattr(model, "in_channels", 1) - 1

    def predict(x: np.ndarray) -> np.ndarray:
        if missing > 0 and len(x) == 1:
            x = np.concatenate([x, np.zeros((missing, *x.shape[1:]), x.dtype)])
        with torch.inference_mode():
            return model(torch.from_numpy(x)[None])[0].float().numpy()
    return predict


def sweep(model: torch.nn.Module, images: list[np.ndarray], decodes: list[tuple[int, float, float]]) -> dict:
    """{(views, alpha, T): (PSNR over grey, colourfulness ratio)} over one folder."""
    scores = {d: [] for d in decodes}
    colour = dict.fromkeys(decodes, 0.0)
    grey_psnr, colour_orig = [], 0.0
    predict = model_predictor(model)
    for clean in images:
        grey = C.grey_of(clean)
        logits = {v: predict_logits(grey, lambda x, v=v: averaged_over_views(predict, x, v)) for v in {d[0] for d in decodes}}
        grey_psnr.append(psnr(quantise(np.repeat(grey, 3, 2)), clean))
        colour_orig += C.colourfulness(clean)
        for d in decodes:
            views, alpha, t = d
            ab = C.decode_ab(logits[views] - alpha * LOG_W, t)
            rgb = quantise(C.colorize_grey(grey, upsample_ab(ab, grey.shape)))
            scores[d].append(psnr(rgb, clean))
            colour[d] += C.colourfulness(rgb)
    return {d: (float(np.mean(scores[d]) - np.mean(grey_psnr)), colour[d] / colour_orig) for d in decodes}


def held_out_photos(data: Path, seed: int) -> list[np.ndarray]:
    """The trainer's held-out split of `data` (for that seed) as float RGB in [0, 1]."""
    return [a.astype(np.float32) / 255 for a in load_rgb(held_out_split(data, seed)[1], 0)]


def held_out_validation(model: torch.nn.Module, data: Path, seed: int) -> dict:
    """The weights JSON's validation record: the standard decoding on the trainer's held-out split."""
    photos = held_out_photos(data, seed)
    decode = (1, 0.0, C.ANNEAL_T)
    over_grey, colour = sweep(model.eval(), photos, [decode])[decode]
    return {"split": f"held-out {len(photos)} images of {data.name}, production path",
            "psnr_over_grey": round(over_grey, 3), "colourfulness": round(colour, 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", type=Path, help="the model's training folder (its held-out split is scored)")
    ap.add_argument("test", type=Path)
    ap.add_argument("--weights", type=Path, default=None, help="default: the shipped colorize weights")
    ap.add_argument("--decode", default="0:0.6,0.25:0.6,0.5:0.6,0.5:0.8",
                    help="ALPHA:T,ALPHA:T,... (write --decode=-0.25:0.8,...)")
    ap.add_argument("--views", type=int, nargs="+", default=[1], help="self-ensemble sizes to score (1 = none, 2 = + mirror)")
    args = ap.parse_args()
    model, info = load_model(args.weights or default_weights("colorize"), task="colorize")
    model = model.float().eval()
    pairs = [tuple(float(v) for v in d.split(":")) for d in args.decode.split(",")]
    decodes = [(views, alpha, t) for views in args.views for alpha, t in pairs]
    sets = {"held-out": held_out_photos(args.data, info.meta["training"]["config"]["seed"]),
            args.test.name: [img for _, img in load_clean(args.test)]}
    results = {name: sweep(model, imgs, decodes) for name, imgs in sets.items()}
    print("| views | alpha | T | " + " | ".join(f"{n}: over grey / colourfulness" for n in sets) + " |")
    print("|---|---|---|" + "---|" * len(sets))
    for d in decodes:
        print(f"| {d[0]} | {d[1]:g} | {d[2]:g} | " + " | ".join(f"{results[n][d][0]:+.3f} / {results[n][d][1]:.3f}" for n in sets) + " |")


if __name__ == "__main__":
    main()
