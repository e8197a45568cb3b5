"""Tiled prediction: a model run over an image of any size in overlapping tiles blended
with smooth weights, in bounded memory, with a retry on smaller tiles after a CUDA
out-of-memory error. The pure helpers (where tiles go, how they blend) come first,
then TiledPredictor, which every task's inference runs through."""
from __future__ import annotations

import copy
import logging
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .devices import cpu_autocast_dtype
from .models.fold import fold_batchnorm

log = logging.getLogger(__name__)

MIN_TILE = 64


def tile_starts(length: int, tile: int, overlap: int) -> list[int]:
    """Start offsets covering [0, length) with tiles of `tile` overlapping by at
    least `overlap`; the last tile is flush with the end, so no tile is partial."""
    if tile >= length:
        return [0]
    stride = tile - overlap
    starts = list(range(0, length - tile, stride))
    starts.append(length - tile)
    return starts


def balanced_tile(length: int, tile: int, overlap: int, multiple: int = 1) -> int:
    """The tile length, at most `tile`, that covers `length` with as few tiles as `tile` would,
    spread evenly: a 768 px side in 512 px tiles takes two of 416 px, not two of 512 that overlap
    by 256, so less is computed twice (20 % less for a 768x512 photo). Rounded up to the
    model's size multiple, which every tile is padded to anyway."""
    if length <= tile:
        return length
    n = -(-(length - overlap) // (tile - overlap))
    span = -(-(length + (n - 1) * overlap) // n)
    return min(-(-span // multiple) * multiple, tile)


def blend_window(tile_h: int, tile_w: int, overlap: int, edges: tuple[bool, bool, bool, bool]) -> np.ndarray:
    """Weights for one tile: 1 inside, a raised-cosine ramp over `overlap` pixels
    on each side that touches another tile (edges = top, bottom, left, right).
    The caller divides by the summed weights, so overlaps of any width blend
    smoothly and a tile's border, where it lacked context, counts least."""

    def ramp(n: int, start: bool, end: bool) -> np.ndarray:
        w = np.ones(n, np.float32)
        r = min(overlap, n // 2)
        if r > 0:
            up = (0.5 - 0.5 * np.cos(np.pi * (np.arange(r) + 0.5) / r)).astype(np.float32)
            if start:
                w[:r] = up
            if end:
                w[-r:] = up[::-1]
        return w

    top, bottom, left, right = edges
    return np.outer(ramp(tile_h, top, bottom), ramp(tile_w, left, right))


def pad_amount(size: int, multiple: int) -> int:
    """Padding up to a multiple, and to at least two of them: a stride-2 convolution with a one-pixel
    output, in bfloat16 on channels-last CPU tensors, sometimes reads uninitialised memory (torch
    2.14's oneDNN) and returns NaN, so the deepest level is kept at least two pixels across."""
    return max((-size) % multiple, 2 * multiple - size)


def contiguous(a: np.ndarray) -> np.ndarray:
    """A C-ordered array torch can take. np.ascontiguousarray alone is not enough: numpy
    calls a flipped array with a dimension of size 1 contiguous and keeps its negative
    stride, which torch refuses (a 1-pixel-high photo in a mirrored view)."""
    a = np.ascontiguousarray(a)
    return a.copy() if any(s < 0 for s in a.strides) else a


def default_tile(device: torch.device) -> int:
    return 1024 if device.type == "cuda" else 512


@dataclass
class TiledPredictor:
    """Calls `model` on overlapping tiles of a CxHxW float32 array.

    tile=0 runs the whole image at once. Each tile is reflect-padded to the
    model's size multiple, so any image size works.
    """

    model: nn.Module
    device: torch.device
    tile: int = 512
    overlap: int = 48
    half: bool = False
    channels_last: bool = False
    autocast: torch.dtype | None = None  # run the model under torch.autocast in this dtype (CPU bfloat16)

    @classmethod
    def create(cls, model: nn.Module, device: torch.device, tile: int | None = None) -> TiledPredictor:
        """The fastest measured way to run `model` on `device`, on a copy of it prepared for inference
        only (BatchNorm folded, layout, precision): the caller's model stays as it was, trainable."""
        half = device.type == "cuda"  # fp16 halves memory and doubles speed on GPUs; CPUs: autocast below
        # Measured on a 2-core CPU only (docs/BENCHMARKS.md), so CPU-only: channels-last layout (every
        # shipped model 1.3-1.5x faster per 512 px tile, same outputs), BatchNorm folded (exact up to
        # rounding) and bfloat16 where the CPU computes it natively.
        cpu = device.type == "cpu"
        model = copy.deepcopy(model).to(device).eval()
        if cpu:
            fold_batchnorm(model)
            model = model.to(memory_format=torch.channels_last)
        if half:
            model = model.half()
        return cls(model, device, default_tile(device) if tile is None else tile, half=half,
                   channels_last=cpu, autocast=cpu_autocast_dtype() if cpu else None)

    @property
    def multiple(self) -> int:
        return int(getattr(self.model, "multiple", 1))

    @property
    def in_channels(self) -> int:
        """Channels the model reads (0: not told); a task whose newer weights read more inputs than
        older ones (colorize's hint maps) asks."""
        return int(getattr(self.model, "in_channels", 0))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        tile = self.tile
        while True:
            try:
                return self._predict(x, tile)
            except torch.cuda.OutOfMemoryError:
                torch.cuda.empty_cache()
                h, w = x.shape[1:]
                tile = min(tile or max(h, w), max(h, w)) // 2
                if tile < MIN_TILE:
                    raise
                log.warning("CUDA out of memory; retrying with %d px tiles", tile)

    @torch.inference_mode()
    def _run(self, patch: np.ndarray) -> np.ndarray:
        h, w = patch.shape[1:]
        ph, pw = pad_amount(h, self.multiple), pad_amount(w, self.multiple)
        t = torch.from_numpy(contiguous(patch))[None].to(self.device)
        t = t.half() if self.half else t
        if ph or pw:
            mode = "reflect" if ph < h and pw < w else "replicate"
            t = nn.functional.pad(t, (0, pw, 0, ph), mode=mode)
        if self.channels_last:
            t = t.contiguous(memory_format=torch.channels_last)
        with torch.autocast(self.device.type, dtype=self.autocast or torch.bfloat16, enabled=self.autocast is not None):
            out = self.model(t)[0, :, :h, :w]
        return out.float().cpu().contiguous().numpy()

    def _predict(self, x: np.ndarray, tile: int) -> np.ndarray:
        c, h, w = x.shape
        if not tile or (h <= tile and w <= tile):
            return self._run(x)
        tile = max(tile, 2 * self.overlap + self.multiple)
        out: np.ndarray | None = None
        weight = np.zeros((h, w), np.float32)
        th, tw = (balanced_tile(n, tile, self.overlap, self.multiple) for n in (h, w))
        ys, xs = tile_starts(h, th, self.overlap), tile_starts(w, tw, self.overlap)
        for y in ys:
            for x0 in xs:
                pred = self._run(x[:, y : y + th, x0 : x0 + tw])
                if out is None:
                    out = np.zeros((pred.shape[0], h, w), np.float32)
                win = blend_window(th, tw, self.overlap, (y > 0, y + th < h, x0 > 0, x0 + tw < w))
                out[:, y : y + th, x0 : x0 + tw] += pred * win
                weight[y : y + th, x0 : x0 + tw] += win
        out /= weight
        return out
