"""Resizing shared by inference and training: a task that predicts at a fixed size
(colorize) trains on images shrunk by this same function, so both see one scale."""
from __future__ import annotations

import cv2
import numpy as np


def resize_long_side(img: np.ndarray, side: int) -> np.ndarray:
    """img with its long side `side` px (area-averaged when shrinking)."""
    h, w = img.shape[:2]
    scale = side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(img, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
