"""Clean images in, task samples out: random crops and flips (Albumentations),
then the task's corruption pipeline, generated on the fly."""
from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import albumentations as A
import cv2
import numpy as np
import torch
from PIL import Image, ImageOps

from ..imageio import SUPPORTED_SUFFIXES
from ..resize import resize_long_side, shrunk
from ..tasks.base import Sample, Task

log = logging.getLogger(__name__)


def list_images(folder: Path) -> list[Path]:
    """Image files under `folder`, searched recursively; linked folders are followed (once
    each), so a folder of links to several collections trains on all of them."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: not a folder")
    found, seen = [], set()
    for root, dirs, files in os.walk(folder, followlinks=True):
        real = os.path.realpath(root)
        if real in seen:  # a link back up the tree: walk it once
            dirs[:] = []
            continue
        seen.add(real)
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found += [Path(root) / f for f in files if Path(f).suffix.lower() in SUPPORTED_SUFFIXES and not f.startswith(".")]
    return sorted(found)


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


VAL_FRACTION = 0.1  # the trainer's held-out share when no --val folder is given


def held_out_split(folder: Path, seed: int) -> tuple[list[Path], list[Path]]:
    """(training, held-out) images of `folder` exactly as `restore train --data folder --seed seed`
    splits them, so diagnostics can score a model on photos it never trained on."""
    return split_paths(list_images(folder), VAL_FRACTION, seed)


def augmentation(patch: int, seed: int, rotate: bool = True) -> A.Compose:
    steps: list[A.BasicTransform] = [
        A.RandomCrop(patch, patch, pad_if_needed=True, border_mode=cv2.BORDER_REFLECT_101), A.HorizontalFlip()]
    if rotate:
        steps.append(A.RandomRotate90())
    return A.Compose(steps, seed=seed)


TRAIN_SIDE_JITTER = 1.25


class SampleStream(torch.utils.data.IterableDataset):
    """An endless, seeded stream of training samples."""

    def __init__(self, images: list[np.ndarray], task: Task, patch: int, seed: int, shrink: float = 1.0) -> None:
        self.images, self.task, self.patch, self.seed, self.shrink = images, task, patch, seed, shrink

    def __iter__(self) -> Iterator[Sample]:
        info = torch.utils.data.get_worker_info()
        seed = self.seed + (info.id if info else 0) * 7919
        rng = np.random.default_rng(seed)
        aug = augmentation(self.patch, seed, self.task.rotate)
        while True:
            img = self.images[rng.integers(len(self.images))]
            if self.task.train_side:
                jitter = TRAIN_SIDE_JITTER ** rng.uniform(-1, 1)
                img = resize_long_side(img, round(self.task.train_side * jitter))
            if self.shrink < 1:
                img = shrunk(img, rng.uniform(self.shrink, 1), min_side=self.patch)
            crop = aug(image=img)["image"].astype(np.float32) / 255
            yield self.task.make_sample(crop, rng)


def validation_samples(images: list[np.ndarray], task: Task, size: int, limit: int = 24) -> list[Sample]:
    """Fixed centre crops with fixed corruption seeds: comparable across runs."""
    samples = []
    for i, img in enumerate(images[:limit]):
        if task.train_side:
            img = resize_long_side(img, task.train_side)
        h, w = img.shape[:2]
        s = min(size, h, w) // 32 * 32
        y, x = (h - s) // 2, (w - s) // 2
        crop = img[y : y + s, x : x + s].astype(np.float32) / 255
        samples.append(task.make_sample(crop, np.random.default_rng(10_000 + i)))
    return samples


def collate(samples: list[Sample]) -> dict[str, torch.Tensor]:
    return {k: torch.from_numpy(np.stack([s[k] for s in samples])) for k in samples[0]}


# ----------------------------------------------------------------------------- labelled folders


def mask_for(image: Path, masks: Path) -> Path:
    """The mask named like the image (any image suffix) in the masks folder."""
    hits = sorted(p for p in Path(masks).iterdir() if p.stem == image.stem and p.suffix.lower() in SUPPORTED_SUFFIXES)
    if not hits:
        raise FileNotFoundError(f"{image}: no mask named {image.stem}.* in {masks}")
    return hits[0]


def read_labels(path: Path, classes: int, shape: tuple[int, int]) -> np.ndarray:
    """uint8 HxW class indices from an index PNG (palette or gray; colour files: their gray).
    Binary (classes == 2): any non-zero value is the class, so 0/255 masks work as they are."""
    with Image.open(path) as im:
        im = ImageOps.exif_transpose(im)
        arr = np.asarray(im if im.mode in ("P", "L", "I", "I;16") else im.convert("L"))
    labels = (arr > 0) if classes == 2 else arr
    if classes > 2 and arr.max(initial=0) >= classes:
        raise ValueError(f"{path}: class index {int(arr.max())} but --classes {classes} (indices run 0..{classes - 1})")
    labels = labels.astype(np.uint8)
    if labels.shape != shape:  # masks drawn at another scale: nearest keeps indices intact
        labels = cv2.resize(labels, (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST)
    return labels


def load_labelled(paths: list[Path], masks: Path, classes: int, min_size: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(uint8 HxWx3 image, uint8 HxW labels) pairs; an image without a mask is an error (a
    silently smaller training set would be worse), an unreadable image is skipped as in load_rgb."""
    pairs = []
    for p in paths:
        images = load_rgb([p], min_size)
        if images:
            pairs.append((images[0], read_labels(mask_for(p, masks), classes, images[0].shape[:2])))
    return pairs


class LabelledStream(torch.utils.data.IterableDataset):
    """An endless, seeded stream of (image, label) crops; flips and rotations move both alike."""

    def __init__(self, pairs: list[tuple[np.ndarray, np.ndarray]], patch: int, seed: int) -> None:
        self.pairs, self.patch, self.seed = pairs, patch, seed

    def __iter__(self) -> Iterator[Sample]:
        info = torch.utils.data.get_worker_info()
        seed = self.seed + (info.id if info else 0) * 7919
        rng = np.random.default_rng(seed)
        aug = A.Compose([*augmentation(self.patch, seed).transforms, A.ColorJitter(0.2, 0.2, 0.2, 0.02, p=0.5)], seed=seed)
        while True:
            img, labels = self.pairs[rng.integers(len(self.pairs))]
            out = aug(image=img, mask=labels)
            yield labelled_sample(out["image"], out["mask"])


def labelled_sample(image: np.ndarray, labels: np.ndarray) -> Sample:
    """{"input": 3xHxW float32 in [0, 1], "target": 1xHxW float32 class indices}."""
    return {"input": np.ascontiguousarray(image.transpose(2, 0, 1), dtype=np.float32) / 255,
            "target": labels[None].astype(np.float32)}


def labelled_validation(pairs: list[tuple[np.ndarray, np.ndarray]], size: int, limit: int = 24) -> list[Sample]:
    """Fixed centre crops: comparable across runs."""
    samples = []
    for img, labels in pairs[:limit]:
        h, w = img.shape[:2]
        s = min(size, h, w) // 32 * 32
        y, x = (h - s) // 2, (w - s) // 2
        samples.append(labelled_sample(img[y : y + s, x : x + s], labels[y : y + s, x : x + s]))
    return samples
