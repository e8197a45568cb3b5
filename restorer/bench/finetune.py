"""Fine-tuning benchmark: held-out quality of the shipped weights on a user's
kind of image, before and after `restore train --from` on the rest of the folder."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from ..tasks.base import Task
from ..train.config import TrainConfig
from ..train.data import list_images, load_rgb, split_paths, validation_samples
from ..train.loop import VAL_SIZE, evaluate, train
from ..weights import default_weights, load_model
from .common import Table

WORDS = ["the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "invoice", "total", "page", "scan", "archive", "letter", "dear", "sir", "photo", "album"]


def text_pages(folder: Path, count: int, size: int = 256, seed: int = 0) -> Path:
    """Grayscale 'scanned' text pages: a domain natural-photo training never shows."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(count):
        page = Image.new("L", (size, size), int(rng.integers(215, 250)))
        draw = ImageDraw.Draw(page)
        font = ImageFont.load_default(size=int(rng.integers(11, 20)))
        y = int(rng.integers(2, 12))
        while y < size - 10:
            line = " ".join(rng.choice(WORDS, 8))
            draw.text((int(rng.integers(2, 20)), y), line, fill=int(rng.integers(10, 70)), font=font)
            y += int(font.size * rng.uniform(1.3, 1.8))
        page.filter(ImageFilter.GaussianBlur(rng.uniform(0.2, 0.7))).save(folder / f"page{i:03d}.png")
    return folder


def _link_all(paths: list[Path], folder: Path) -> Path:
    folder.mkdir(parents=True)
    for i, p in enumerate(paths):
        (folder / f"{i:04d}{p.suffix}").symlink_to(p.resolve())
    return folder


def run(task: Task, data: Path, minutes: float | None, steps: int | None, weights: Path | None, seed: int = 0) -> Table:
    weights = weights or default_weights(task.weights_name)
    train_paths, held_paths = split_paths(list_images(data), 0.3, seed)
    held = validation_samples(load_rgb(held_paths, 32), task, VAL_SIZE, limit=1000)
    metric = next(iter(task.metrics))
    table = Table(["weights", f"held-out {metric}", "train minutes", "train images", "held-out images"])
    import torch

    device = torch.device("cpu")
    table.add("shipped", evaluate(load_model(weights)[0], task, held, device)[metric], 0.0, len(train_paths), len(held))
    with tempfile.TemporaryDirectory() as tmp:
        cfg = TrainConfig(
            data=_link_all(train_paths, Path(tmp) / "train"), val=_link_all(held_paths, Path(tmp) / "held"),
            minutes=minutes, steps=steps, from_weights=weights, out=Path(tmp) / "run",
            batch_size=8, lr=1e-4, seed=seed, device="cpu", val_every=10**9,
        )
        t = time.perf_counter()
        tuned = train(task, cfg, progress=False)
        took = (time.perf_counter() - t) / 60
        table.add("fine-tuned", evaluate(load_model(tuned)[0], task, held, device)[metric], round(took, 1), len(train_paths), len(held))
    return table
