"""Seconds per CPU training step for every task, in the default (contiguous) and the
channels-last memory layout: the measurement behind training staying in the plain
layout (docs/history/general.md) while CPU inference uses channels-last. Same model, same
batches, same seed; the two layouts alternate so that a busy machine slows both alike.

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


def seconds_per_step(task, batches, layout: torch.memory_format, steps: int) -> float:
    torch.manual_seed(0)
    model = task.model.build().train().to(memory_format=layout)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    for i in range(steps + 1):  # step 0 warms up allocator and kernels
        if i == 1:
            start = time.perf_counter()
        batch = {k: v.contiguous(memory_format=layout) if v.dim() == 4 else v for k, v in batches[i % len(batches)].items()}
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
    print("| task | patch | contiguous s/step | channels-last s/step | speed-up |\n|---|---|---|---|---|")
    for name in args.tasks:
        task = TASKS[name]
        stream = iter(SampleStream(images, task, task.patch, seed=0))
        batches = [collate([next(stream) for _ in range(args.batch_size)]) for _ in range(4)]
        plain, last = [], []
        for _ in range(args.rounds):
            plain.append(seconds_per_step(task, batches, torch.contiguous_format, args.steps))
            last.append(seconds_per_step(task, batches, torch.channels_last, args.steps))
        a, b = min(plain), min(last)  # the least disturbed round of each
        print(f"| {name} | {task.patch} | {a:.3f} | {b:.3f} | {a / b:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
