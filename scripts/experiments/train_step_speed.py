"""Seconds per CPU training step for every task, in float32 and under bfloat16 autocast, each in the
default (contiguous) and the channels-last memory layout: the measurement behind CPU training running
bfloat16 channels-last where the CPU computes bfloat16 natively (docs/history/general.md). Same model,
same batches, same seed; the four settings alternate so that a busy machine slows them alike.

    .venv/bin/python scripts/experiments/train_step_speed.py --data examples/clean --threads 2
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone's root: runs as `python scripts/...`

from restorer.tasks import TASKS
from restorer.train.data import SampleStream, collate, list_images, load_rgb


SETTINGS = [(torch.contiguous_format, False), (torch.channels_last, False), (torch.contiguous_format, True),
            (torch.channels_last, True)]  # (layout, bfloat16)


def seconds_per_step(task, batches, layout: torch.memory_format, steps: int, low: bool = False) -> float:
    torch.manual_seed(0)
    model = task.model.build().train().to(memory_format=layout)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    for i in range(steps + 1):  # step 0 warms up allocator and kernels
        if i == 1:
            start = time.perf_counter()
        batch = {k: v.contiguous(memory_format=layout) if v.dim() == 4 else v for k, v in batches[i % len(batches)].items()}
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=low):
            loss = task.training_loss(model, batch)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return (time.perf_counter() - start) / steps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("examples/clean"))
    ap.add_argument("--tasks", nargs="+", default=list(TASKS))
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    images = load_rgb(list_images(args.data), min_size=32)
    print("| task | patch | contiguous s/step | channels-last s/step | bfloat16 contiguous | bfloat16 channels-last "
          "| speed-up, last over first |\n|---|---|---|---|---|---|---|")
    for name in args.tasks:
        task = TASKS[name]
        stream = iter(SampleStream(images, task, task.patch, seed=0))
        batches = [collate([next(stream) for _ in range(args.batch_size)]) for _ in range(4)]
        rounds = [[seconds_per_step(task, batches, layout, args.steps, low) for layout, low in SETTINGS]
                  for _ in range(args.rounds)]
        best = [min(column) for column in zip(*rounds)]  # the least disturbed round of each
        cells = " | ".join(f"{b:.3f}" for b in best)
        print(f"| {name} | {task.patch} | {cells} | {best[0] / best[-1]:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
