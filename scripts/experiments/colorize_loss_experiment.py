"""Why colorize classifies ab bins instead of regressing ab: the shipped model
(rebalanced cross-entropy over 57 ab bins) against the same network trained
with L1 on ab under the shipped model's own recipe (data, crops, batch, learning
rate, seed and number of steps, read from its weights JSON), both scored through
the production path (colour predicted at PREDICT_SIDE, laid over the full-size
lightness) like `restore bench colorize`: PSNR against the original colour
image and colourfulness ratio, on the held-out 10 % of the training folder and
on a test folder.

    OMP_NUM_THREADS=1 python scripts/experiments/colorize_loss_experiment.py \\
        ../shared/datasets/bsds432 ../shared/datasets/kodak24 --out runs/colorize_l1

Measured 2026-11-23 (table in docs/history/colorize.md): L1 +2.00 dB over grey
at colourfulness 0.548 on the held-out split vs the classifier's +1.50 at 0.646;
Kodak24 +1.77 at 0.461 vs +1.52 at 0.561. `--weights` keeps an
already trained L1 model (`<out>/colorize_l1.safetensors`) instead of training.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone's root: runs as `python scripts/...`

from restorer import color as C
from restorer.bench.common import load_clean
from restorer.corrupt.functional import quantise
from restorer.metrics import psnr
from restorer.models import ModelSpec
from restorer.tasks.base import l1_loss
from restorer.tasks.colorize import TASK, make_sample, predict_logits, upsample_ab
from restorer.train.config import TrainConfig
from restorer.train.data import held_out_split, load_rgb
from restorer.train.loop import train
from restorer.weights import default_weights, load_model
from scripts.experiments.colorize_decode_sweep import model_predictor

AB_SCALE = 110.0  # the L1 model predicts ab / AB_SCALE


def _l1_sample(clean: np.ndarray, rng: np.random.Generator) -> dict:
    s = make_sample(clean, rng)  # same input (aged grey) and same random stream as the shipped model's samples
    ab = C.rgb_to_lab(clean)[..., 1:].transpose(2, 0, 1) / AB_SCALE
    return {"input": s["input"], "target": np.ascontiguousarray(ab, np.float32)}


L1_TASK = replace(
    TASK,
    name="colorize_l1",
    model=ModelSpec(TASK.model.arch, {**TASK.model.args, "out_channels": 2}),
    make_sample=_l1_sample,
    loss=l1_loss,
    metrics={"l1": lambda pred, batch: float((pred - batch["target"]).abs().mean())},
)


def colorized(model: torch.nn.Module, decode: Callable[[np.ndarray], np.ndarray], clean: np.ndarray) -> np.ndarray:
    """The production path: grey -> colour predicted with the long side at PREDICT_SIDE -> over the full-size grey."""
    grey = C.grey_of(clean)
    ab = upsample_ab(decode(predict_logits(grey, model_predictor(model))).astype(np.float32), grey.shape)
    return quantise(C.colorize_grey(grey, ab))


def score(model: torch.nn.Module, decode: Callable[[np.ndarray], np.ndarray], images: list[np.ndarray]) -> dict:
    ours, grey, col, col_orig = [], [], 0.0, 0.0
    for clean in images:
        rgb = colorized(model, decode, clean)
        ours.append(psnr(rgb, clean))
        grey.append(psnr(quantise(np.repeat(C.grey_of(clean), 3, 2)), clean))
        col += C.colourfulness(rgb)
        col_orig += C.colourfulness(clean)
    return {"psnr": round(float(np.mean(ours)), 2), "over_grey": round(float(np.mean(ours) - np.mean(grey)), 2),
            "colourfulness_ratio": round(col / col_orig, 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", type=Path, help="the shipped model's training folder (its held-out split is scored)")
    ap.add_argument("test", type=Path)
    ap.add_argument("--out", type=Path, default=Path("runs/colorize_l1"))
    ap.add_argument("--weights", type=Path, default=None, help="an L1 model trained before (skips training)")
    args = ap.parse_args()
    ce, ce_info = load_model(default_weights(TASK.weights_name), task="colorize")
    recipe = ce_info.meta["training"]
    l1_path = args.weights
    if l1_path is None:
        c = recipe["config"]
        cfg = TrainConfig(data=args.data, steps=recipe["steps"], patch=c["patch"], batch_size=c["batch_size"], lr=c["lr"],
                          seed=c["seed"], out=args.out, device="cpu", val_every=10**9)
        l1_path = train(L1_TASK, cfg, progress=False)
    l1, _ = load_model(l1_path)
    ce, l1 = ce.float().eval(), l1.float().eval()
    _, val = held_out_split(args.data, recipe["config"]["seed"])
    sets = {"held-out": [a.astype(np.float32) / 255 for a in load_rgb(val, 0)],
            args.test.name: [img for _, img in load_clean(args.test)]}
    decoders = {"rebalanced CE, T = %.2g (shipped)" % C.ANNEAL_T: (ce, C.decode_ab),
                "rebalanced CE, T = 1 (mean)": (ce, lambda out: C.decode_ab(out, 1.0)),
                "L1 on ab": (l1, lambda out: out.transpose(1, 2, 0) * AB_SCALE)}
    print("| loss | steps | " + " | ".join(f"{n}: PSNR / over grey / colourfulness" for n in sets) + " |")
    print("|---|---|" + "---|" * len(sets))
    for name, (model, decode) in decoders.items():
        cells = [score(model, decode, imgs) for imgs in sets.values()]
        print(f"| {name} | {recipe['steps']} | " + " | ".join(
            f"{r['psnr']:.2f} / {r['over_grey']:+.2f} / {r['colourfulness_ratio']:.3f}" for r in cells) + " |", flush=True)
    print(json.dumps({"l1_weights": str(l1_path), "recipe": recipe["config"]}))


if __name__ == "__main__":
    main()
