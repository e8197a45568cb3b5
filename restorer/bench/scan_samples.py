"""Generated photos for `restore bench scan` and the scan tests: rescans of a photo (the
same print scanned again) and the odd pages an archive holds (a blank page, a photo put
on the glass upside down, a screenshot of text, a mis-scan). Float32 HxWx3 in [0, 1];
all randomness from the caller's generator."""
from __future__ import annotations

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..corrupt.functional import jpeg_artifacts

MAX_ANGLE = 4.0  # degrees: a print laid on the glass by hand
MAX_CROP = 0.06  # of each side, beyond the rotation's own crop: the scanner's frame differs
WORDS = ("the", "invoice", "total", "page", "scan", "archive", "letter", "dear", "photo", "album", "settings",
         "file", "edit", "view", "help", "window", "account", "payment", "november", "meeting", "notes")


def rescan(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The same photo scanned again: turned a few degrees and auto-cropped inside the turn,
    framed a little differently, another exposure and colour balance, another resolution, JPEG."""
    h, w = img.shape[:2]
    angle = rng.uniform(-MAX_ANGLE, MAX_ANGLE)
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    out = cv2.warpAffine(img, turn, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)
    # the largest centred rectangle of the turned photo holding no border, then an uneven extra crop
    a = np.radians(abs(angle))
    keep = 1 / (np.cos(a) + max(w / h, h / w) * np.sin(a))
    y0, x0 = (h - h * keep) / 2, (w - w * keep) / 2
    cut = rng.uniform(0, MAX_CROP, 4) * np.array([h, h, w, w])
    top, bottom, left, right = (round(v) for v in (y0 + cut[0], h - y0 - cut[1], x0 + cut[2], w - x0 - cut[3]))
    out = out[top:bottom, left:right]
    gamma = rng.uniform(0.75, 1.35)
    gain = rng.uniform(0.85, 1.15) * rng.uniform(0.92, 1.08, 3)  # exposure and a colour cast
    out = np.clip(np.clip(out, 0, 1) ** gamma * gain + rng.uniform(-0.05, 0.05), 0, 1)
    scale = rng.uniform(0.5, 1.5)
    size = (max(16, round(out.shape[1] * scale)), max(16, round(out.shape[0] * scale)))
    out = cv2.resize(out.astype(np.float32), size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    return jpeg_artifacts(np.clip(out, 0, 1), int(rng.integers(50, 96)))


def upside_down(img: np.ndarray) -> np.ndarray:
    """A print laid on the glass the wrong way round: turned 180 degrees."""
    return np.ascontiguousarray(img[::-1, ::-1])


def blank_page(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """An empty page or the scanner lid: near-white paper, a faint tint, grain and uneven light."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    light = 1 - 0.06 * (((yy / h - 0.5) ** 2 + (xx / w - 0.5) ** 2) * rng.uniform(0.5, 2))
    paper = rng.uniform(0.86, 0.97) * rng.uniform(0.97, 1.0, 3)
    page = light[..., None] * paper + rng.normal(0, 0.008, (h, w, 3))
    return np.clip(page, 0, 1).astype(np.float32)


def text_screenshot(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """A screenshot of a document window: a title bar, then lines of dark text on white."""
    page = Image.new("RGB", (w, h), (255, 255, 255))
    draw = ImageDraw.Draw(page)
    bar = max(12, h // 14)
    draw.rectangle((0, 0, w, bar), fill=tuple(int(v) for v in rng.integers(40, 200, 3)))
    font = ImageFont.load_default(size=max(9, h // 28))
    y = bar + int(font.size)
    while y < h - font.size:
        words = " ".join(rng.choice(WORDS, 12))
        draw.text((int(font.size), y), words, fill=(int(rng.integers(0, 60)),) * 3, font=font)
        y += int(font.size * rng.uniform(1.4, 1.8))
    return np.asarray(page, np.float32) / 255


def mis_scan(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A scan with the photo slipped mostly off the glass: a strip of it beside the dark lid."""
    h, w = img.shape[:2]
    out = np.full_like(img, rng.uniform(0.02, 0.08))
    strip = int(w * rng.uniform(0.15, 0.3))
    out[:, :strip] = img[:, w - strip:]
    return np.clip(out + rng.normal(0, 0.01, out.shape), 0, 1).astype(np.float32)
