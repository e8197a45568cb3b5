"""Shared benchmark plumbing: loading a folder of clean images, timing, tables, picture grids."""
from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch
from PIL import Image

from ..atomic import write_atomically
from ..imageio import ImageReadError, Photo, read_image, rgb_of
from ..train.data import list_images


class BenchDataError(Exception):
    """A benchmark's data folder holds no images, or a file it cannot read: one line naming it, no traceback."""


def load_clean(folder: Path, limit: int | None = None) -> list[tuple[str, np.ndarray]]:
    """(name, float32 HxWx3 in [0,1]) quantised to 8 bits, as the published protocols use."""
    paths = list_images(folder)[:limit]
    if not paths:
        raise BenchDataError(f"{folder}: no images")
    return [(p.stem, read_rgb(p)) for p in paths]


def read_rgb(path: Path) -> np.ndarray:
    """A float32 HxWx3 image in [0, 1] on the 8-bit grid, read as every command reads files (read_image);
    BenchDataError naming the file when it cannot be read."""
    try:
        pixels = rgb_of(read_image(path).pixels)
    except ImageReadError as e:
        why = str(e).removeprefix(f"{path}: ")  # read_image's reason, after the file name it starts with
        raise BenchDataError(f"{path}: not a readable image ({why}); a benchmark needs every file") from None
    return np.round(pixels * 255).astype(np.float32) / 255


def centre_crop(img: np.ndarray, side: int) -> np.ndarray:
    """The central side x side part (all of a shorter dimension), contiguous for OpenCV."""
    h, w = img.shape[:2]
    y, x = max(0, (h - side) // 2), max(0, (w - side) // 2)
    return np.ascontiguousarray(img[y : y + side, x : x + side])


def plain_photo(pixels: np.ndarray) -> Photo:
    """An in-memory 8-bit photo without metadata, for running a task's apply on benchmark pixels."""
    return Photo(pixels=pixels, alpha=None, bit_depth=8, format="PNG", exif=None, icc_profile=None, text={}, dpi=None)


def timed(fn: Callable[[], np.ndarray]) -> tuple[np.ndarray, float]:
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


@dataclass
class Table:
    columns: list[str]
    rows: list[list] = field(default_factory=list)

    def add(self, *row) -> None:
        self.rows.append(list(row))

    def markdown(self) -> str:
        fmt = lambda v: f"{v:.2f}" if isinstance(v, float) and abs(v) >= 1 else (f"{v:.4f}" if isinstance(v, float) else str(v))
        lines = ["| " + " | ".join(self.columns) + " |", "|" + "---|" * len(self.columns)]
        lines += ["| " + " | ".join(fmt(v) for v in r) + " |" for r in self.rows]
        return "\n".join(lines)

    def records(self) -> list[dict]:
        return [dict(zip(self.columns, r)) for r in self.rows]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores, {torch.get_num_threads()} torch threads, torch {torch.__version__}"


def emit(title: str, table: Table, as_json: bool, extra: dict | None = None) -> str:
    if as_json:
        return json.dumps({"benchmark": title, "machine": machine(), **(extra or {}), "results": table.records()}, indent=2)
    return f"## {title}\n\nmachine: {machine()}\n\n{table.markdown()}\n"


def record(weights: Path, key: str, table: Table, value_columns: list[str], group_by: str | None = None) -> Path:
    """Store a benchmark's per-method numbers in the JSON beside the weights, so
    `restore models` shows what the shipped file measures. Rewritten atomically;
    the tensors file and its checksum are untouched."""
    from ..weights import json_path

    path = json_path(weights)
    meta = json.loads(path.read_text())
    summary: dict[str, str] = {}
    for rec in table.records():
        label = rec["method"] + (f" @{rec[group_by]}" if group_by else "")
        summary[label] = ", ".join(f"{c} {rec[c]:.4g}" if isinstance(rec[c], float) else f"{c} {rec[c]}" for c in value_columns)
    meta.setdefault("benchmark", {})[key] = summary
    write_atomically(path, lambda f: f.write((json.dumps(meta, indent=2) + "\n").encode()))
    return path


def save_grid(path: Path, rows: list[list[np.ndarray]], width: int = 320) -> None:
    """A picture grid, one row per image: HxWx3 pictures or HxW masks in [0, 1], each
    panel `width` px wide, on white."""
    panels = []
    for row in rows:
        h, w = row[0].shape[:2]
        size = (width, max(1, round(h * width / w)))
        cells = [cv2.resize(p if p.ndim == 3 else np.repeat(p[..., None], 3, 2).astype(np.float32), size,
                            interpolation=cv2.INTER_AREA) for p in row]
        panels.append(np.concatenate([np.pad(c, ((2, 2), (2, 2), (0, 0)), constant_values=1) for c in cells], 1))
    full = max(p.shape[1] for p in panels)
    panels = [np.pad(p, ((0, 0), (0, full - p.shape[1]), (0, 0)), constant_values=1) for p in panels]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.rint(np.clip(np.concatenate(panels, 0), 0, 1) * 255).astype(np.uint8)).save(path)
