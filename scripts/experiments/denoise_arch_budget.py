"""Denoising architectures on the same CPU budget (#24): each trained from scratch by `restore train`'s
own loop for the same minutes, on the same photos, split, samples and seed; the validation PSNR
(the held-out 10 % of --data) is in each run's log.jsonl. Run the architectures side by side, one
thread each, so a busy machine slows them alike.

    OMP_NUM_THREADS=1 python scripts/experiments/denoise_arch_budget.py --data DIR --arch unet --out runs/arch_unet
    OMP_NUM_THREADS=1 python scripts/experiments/denoise_arch_budget.py --data DIR --arch unshuffled --out runs/arch_unsh
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone's root: runs as `python scripts/...`

from restorer.models import ModelSpec, cpu_unet  # noqa: E402
from restorer.tasks import TASKS  # noqa: E402
from restorer.tasks.denoise import DenoiseTrainingOptions  # noqa: E402
from restorer.train.config import TrainConfig  # noqa: E402
from restorer.train.loop import train  # noqa: E402

# Comparable multiply-adds per pixel (about 1e5): the shipped U-Net has most of its capacity at 1/4
# resolution and below; the unshuffled ResNet (EDSR-style blocks behind a 2x pixel-unshuffle, as in
# DRUNet / NAFNet's first stage) keeps all of it at 1/2 resolution, every input pixel in view.
ARCHES = {
    "unet": cpu_unet(4, 3),
    "unshuffled": ModelSpec("unshuffled_resnet", {"in_channels": 4, "out_channels": 3, "channels": 48, "blocks": 6,
                                                  "unshuffle": 2}),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--arch", choices=tuple(ARCHES), required=True)
    ap.add_argument("--minutes", type=float, default=25.0)
    ap.add_argument("--noise", default="gaussian-files", help="the denoise training diet (restore train denoise --noise)")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--resume", action="store_true")
    args = ap.parse_args()
    task = DenoiseTrainingOptions(noise=args.noise).task(replace(TASKS["denoise"], model=ARCHES[args.arch]))
    cfg = TrainConfig(data=args.data, minutes=args.minutes, out=args.out, resume=args.resume, batch_size=8, patch=128,
                      lr=4e-4, loss="mse", seed=0, device="cpu", val_every=200)
    print(train(task, cfg))


if __name__ == "__main__":
    main()
