"""Resizing shared by inference and training: a task that predicts at a fixed size
(colorize) trains on images shrunk by this same function, so both see one scale."""
from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

PIL_METHODS = {"nearest": Image.Resampling.NEAREST, "bilinear": Image.Resampling.BILINEAR,
               "bicubic": Image.Resampling.BICUBIC, "lanczos": Image.Resampling.LANCZOS, "area": Image.Resampling.BOX}


def resize_long_side(img: np.ndarray, side: int) -> np.ndarray:
    """img with its long side `side` px (area-averaged when shrinking)."""
    h, w = img.shape[:2]
    scale = side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(img, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)


def shrunk(img: np.ndarray, factor: float, min_side: int) -> np.ndarray:
    """img shrunk by `factor` with area averaging (a cleaner photo: grain and JPEG blocking averaged away),
    never below `min_side` on its short side; unchanged when that leaves nothing to shrink."""
    factor = max(factor, min(1.0, min_side / min(img.shape[:2])))
    if factor >= 1:
        return img
    h, w = img.shape[:2]
    return cv2.resize(img, (max(1, round(w * factor)), max(1, round(h * factor))), interpolation=cv2.INTER_AREA)


def resize_float(img: np.ndarray, size: tuple[int, int], method: str = "bicubic") -> np.ndarray:
    """HxWxC float32 resized to size=(width, height) per channel, in float (no rounding), by
    Pillow: antialiased when shrinking, as MATLAB's imresize that the upscaling papers use for
    their bicubic protocol (OpenCV's INTER_CUBIC aliases when shrinking)."""
    w, h = size
    channels = [np.asarray(Image.fromarray(np.ascontiguousarray(img[..., c], np.float32)).resize((w, h), PIL_METHODS[method]))
                for c in range(img.shape[2])]
    return np.stack(channels, axis=2)
