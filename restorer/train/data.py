"""Clean images in, task samples out: random crops and flips (Albumentations),
then the task's corruption pipeline, generated on the fly."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterator

import albumentations as A
import numpy as np
import torch
from PIL import Image, ImageOps

from ..imageio import SUPPORTED_SUFFIXES
from ..tasks.base import Sample, Task

log = logging.getLogger(__name__)


def list_images(folder: Path) -> list[Path]:
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: not a folder")
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in SUPPORTED_SUFFIXES and not p.name.startswith("."))


def load_rgb(paths: list[Path], min_size: int) -> list[np.ndarray]:
    """uint8 HxWx3 arrays (kept small in memory); unreadable or too small files are skipped with a warning."""
    images = []
    for p in paths:
        try:
            with Image.open(p) as im:
                arr = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
        except Exception as e:  # a training folder may hold anything
            log.warning("%s: skipped (%s)", p, str(e).splitlines()[0] if str(e) else type(e).__name__)
            continue
        if min(arr.shape[:2]) < min_size:
            log.warning("%s: skipped (smaller than %d px)", p, min_size)
            continue
        images.append(arr)
    return images


def split_paths(paths: list[Path], val_fraction: float, seed: int) -> tuple[list[Path], list[Path]]:
    """A seeded held-out split; at least one image each way when there are two or more."""
    order = np.random.default_rng(seed).permutation(len(paths))
    n_val = min(len(paths) - 1, max(1, round(len(paths) * val_fraction))) if len(paths) > 1 else 0
    return [paths[i] for i in order[n_val:]], [paths[i] for i in order[:n_val]]


def augmentation(patch: int, seed: int) -> A.Compose:
    return A.Compose(
        [
            A.RandomCrop(patch, patch, pad_if_needed=True, border_mode=4),  # 4 = cv2.BORDER_REFLECT_101
            A.HorizontalFlip(),
            A.RandomRotate90(),
        ],
        seed=seed,
    )


class SampleStream(torch.utils.data.IterableDataset):
    """An endless, seeded stream of training samples."""

    def __init__(self, images: list[np.ndarray], task: Task, patch: int, seed: int) -> None:
        self.images, self.task, self.patch, self.seed = images, task, patch, seed

    def __iter__(self) -> Iterator[Sample]:
        info = torch.utils.data.get_worker_info()
        seed = self.seed + (info.id if info else 0) * 7919
        rng = np.random.default_rng(seed)
        aug = augmentation(self.patch, seed)
        while True:
            img = self.images[rng.integers(len(self.images))]
            crop = aug(image=img)["image"].astype(np.float32) / 255
            yield self.task.make_sample(crop, rng)


def validation_samples(images: list[np.ndarray], task: Task, size: int, limit: int = 24) -> list[Sample]:
    """Fixed centre crops with fixed corruption seeds: comparable across runs."""
    samples = []
    for i, img in enumerate(images[:limit]):
        h, w = img.shape[:2]
        s = min(size, h, w) // 32 * 32
        y, x = (h - s) // 2, (w - s) // 2
        crop = img[y : y + s, x : x + s].astype(np.float32) / 255
        samples.append(task.make_sample(crop, np.random.default_rng(10_000 + i)))
    return samples


def collate(samples: list[Sample]) -> dict[str, torch.Tensor]:
    return {k: torch.from_numpy(np.stack([s[k] for s in samples])) for k in samples[0]}
