"""How the colorize classifier's output is decoded, measured: annealing
temperature T and prior correction alpha (logit adjustment: the rebalanced loss
trains the network towards p(colour | grey) x w(colour), so subtracting
alpha * log w moves it back towards the plain posterior; alpha = 0 is what
ships). Scored through the production path like `restore bench colorize`
(colour at PREDICT_SIDE over the full-size lightness): PSNR over grey and
colourfulness ratio on the held-out 10 % of the training folder and on a test
folder. The network runs once per image; every decoding reuses its logits.

    PYTHONPATH=. OMP_NUM_THREADS=1 python docs/colorize_decode_sweep.py \\
        ../shared/datasets/bsds432 ../shared/datasets/kodak24 --decode=0:0.6,0.25:0.6,0.5:0.8

--decode lists ALPHA:T pairs, comma-separated. Measured 2026-11-23 (docs/BENCHMARKS.md, Colorization).
"""
from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
import torch

from restorer import color as C
from restorer.bench.common import load_clean, quantise
from restorer.metrics import psnr
from restorer.tasks.colorize import CLASS_WEIGHTS, PREDICT_SIDE, model_input
from restorer.train.data import list_images, load_rgb, split_paths
from restorer.weights import default_weights, load_model

LOG_W = np.log(CLASS_WEIGHTS.numpy())[:, None, None]


def logits_of(model: torch.nn.Module, grey: np.ndarray) -> np.ndarray:
    h, w = grey.shape[:2]
    s = min(1.0, PREDICT_SIDE / max(h, w))
    small = cv2.resize(grey[..., 0], (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA) if s < 1 else grey[..., 0]
    with torch.inference_mode():
        return model(torch.from_numpy(model_input(C.lightness_of_grey(small)))[None])[0].float().numpy()


def sweep(model: torch.nn.Module, images: list[np.ndarray], decodes: list[tuple[float, float]]) -> dict:
    """{(alpha, T): (PSNR over grey, colourfulness ratio)} over one folder."""
    scores = {d: [] for d in decodes}
    colour = dict.fromkeys(decodes, 0.0)
    grey_psnr, colour_orig = [], 0.0
    for clean in images:
        grey = C.grey_of(clean)
        z = logits_of(model, grey)
        grey_psnr.append(psnr(quantise(np.repeat(grey, 3, 2)), clean))
        colour_orig += C.colourfulness(clean)
        for alpha, t in decodes:
            ab = cv2.resize(C.decode_ab(z - alpha * LOG_W, t), grey.shape[1::-1], interpolation=cv2.INTER_LINEAR)
            rgb = quantise(C.colorize_grey(grey, ab.astype(np.float32)))
            scores[(alpha, t)].append(psnr(rgb, clean))
            colour[(alpha, t)] += C.colourfulness(rgb)
    return {d: (float(np.mean(scores[d]) - np.mean(grey_psnr)), colour[d] / colour_orig) for d in decodes}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", type=Path, help="the model's training folder (its held-out split is scored)")
    ap.add_argument("test", type=Path)
    ap.add_argument("--weights", type=Path, default=None, help="default: the shipped colorize weights")
    ap.add_argument("--decode", default="0:0.6,0.25:0.6,0.5:0.6,0.5:0.8", help="ALPHA:T,ALPHA:T,... (write --decode=-0.25:0.8,...)")
    args = ap.parse_args()
    model, info = load_model(args.weights or default_weights("colorize"), task="colorize")
    model = model.float().eval()
    decodes = [tuple(float(v) for v in d.split(":")) for d in args.decode.split(",")]
    _, val = split_paths(list_images(args.data), 0.1, info.meta["training"]["config"]["seed"])
    sets = {"held-out": [a.astype(np.float32) / 255 for a in load_rgb(val, 0)],
            args.test.name: [img for _, img in load_clean(args.test)]}
    results = {name: sweep(model, imgs, decodes) for name, imgs in sets.items()}
    print("| alpha | T | " + " | ".join(f"{n}: over grey / colourfulness" for n in sets) + " |")
    print("|---|---|" + "---|" * len(sets))
    for d in decodes:
        print(f"| {d[0]:g} | {d[1]:g} | " + " | ".join(f"{results[n][d][0]:+.2f} / {results[n][d][1]:.3f}" for n in sets) + " |")


if __name__ == "__main__":
    main()
