"""Why colorize classifies ab bins instead of regressing ab: two short CPU runs
with the same model, data and budget, one per loss, scored like the bench
(PSNR against the original colour image, colourfulness ratio).

    PYTHONPATH=. OMP_NUM_THREADS=1 python docs/colorize_loss_experiment.py \
        /work/shared/datasets/bsds432 /work/shared/datasets/kodak24 --minutes 3

Measured 2026-11-22 (1 thread on a heavily shared 2-core EPYC, so step counts
differ; 64 px crops, batch 16, lr 1e-3; first 12 Kodak images at half size;
grey baseline 21.64 dB):

| loss | steps | PSNR | colourfulness ratio |
|---|---|---|---|
| rebalanced CE, 57 bins, T = 0.38 | 64 | 23.09 | 0.252 |
| same model, T = 1.0 (plain mean) | 64 | 22.54 | 0.382 |
| same model, T = 0.2 | 64 | 23.02 | 0.217 |
| L1 on ab | 109 | 22.81 | 0.401 |

At this budget (minutes, not the hours real training takes) neither model
is past the stage of learning a global tint, and the comparison does not yet
show the desaturation of L1 that Zhang et al. report for trained models;
re-run it with --minutes 30 or more for a conclusive answer.
"""
from __future__ import annotations

import argparse
import json
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from restorer import color as C
from restorer.bench.common import load_clean, quantise
from restorer.metrics import psnr
from restorer.models import ModelSpec
from restorer.tasks.base import l1_loss
from restorer.tasks.colorize import TASK, make_sample, model_input
from restorer.train.config import TrainConfig
from restorer.train.loop import train
from restorer.weights import load_model

AB_SCALE = 110.0


def _l1_sample(clean: np.ndarray, rng: np.random.Generator) -> dict:
    s = make_sample(clean, rng)
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


def score(model, decode, images) -> dict:
    rows = []
    with torch.inference_mode():
        for _, clean in images:
            grey = C.grey_of(clean)
            out = model(torch.from_numpy(model_input(C.lightness_of_grey(grey[..., 0])))[None])[0].numpy()
            rgb = quantise(C.colorize_grey(grey, decode(out)))
            rows.append((psnr(rgb, clean), C.colourfulness(rgb), C.colourfulness(clean), psnr(quantise(np.repeat(grey, 3, 2)), clean)))
    a = np.array(rows)
    return {"psnr": round(a[:, 0].mean(), 2), "colourfulness_ratio": round(a[:, 1].sum() / a[:, 2].sum(), 3),
            "grey_psnr": round(a[:, 3].mean(), 2)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("data", type=Path)
    ap.add_argument("test", type=Path)
    ap.add_argument("--minutes", type=float, default=3.0)
    ap.add_argument("--patch", type=int, default=64)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--limit", type=int, default=12)
    ap.add_argument("--only", choices=("colorize", "colorize_l1"), default=None, help="Run one variant.")
    args = ap.parse_args()
    images = [(n, img[::2, ::2].copy()) for n, img in load_clean(args.test, args.limit)]  # half size: quick
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for task, decode in ((TASK, C.decode_ab), (L1_TASK, lambda out: out.transpose(1, 2, 0) * AB_SCALE)):
            if args.only not in (None, task.name):
                continue
            cfg = TrainConfig(data=args.data, minutes=args.minutes, patch=args.patch, batch_size=args.batch,
                              lr=1e-3, out=Path(tmp) / task.name, device="cpu", val_every=10**9)
            path = train(task, cfg, progress=False)
            model, info = load_model(path)
            steps = info.meta["training"]["steps"]
            results[task.name] = {"steps": steps, "s_per_step": round(60 * args.minutes / steps, 2), **score(model, decode, images)}
            print(json.dumps({task.name: results[task.name]}), flush=True)
            if task is TASK:  # the decoding temperature trades vividness for coherence
                for t in (1.0, 0.2):
                    results[f"{task.name} T={t}"] = score(model, lambda out: C.decode_ab(out, t), images)
                    print(json.dumps({f"{task.name} T={t}": results[f"{task.name} T={t}"]}), flush=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
