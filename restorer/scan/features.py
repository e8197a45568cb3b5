"""Per-photo measurements that need no model: noise level (tone: oldphoto.tone),
sharpness, size, the flat border and one-tone share the outlier score compares, and a thumbnail.
Thresholds were chosen on bsds432 (training photos) with scripts/experiments/scan_calibration.py."""
from __future__ import annotations

import base64
import io

import cv2
import numpy as np
from PIL import Image

from ..imageio import rgb_of
from ..noise_estimate import estimate_level
from ..resize import resize_long_side

NOISE_CROP = 192  # px: the level is read on a full-resolution centre crop (downscaling would hide the noise)
SHARPNESS_SIDE = 512  # px: the Laplacian is taken at this long side, so sharpness does not grow with resolution
# scripts/experiments/scan_outlier_calibration.py on the 612 photos of bsds432 + urban100 + sunhays80:
# flat_border reads 0.002 (median), 0.043 (90th percentile), 0.26 (99th), at most 0.43; a generated
# mis-scan (bench/scan_samples.mis_scan) 0.70-0.81, a skewed print on a light lid 0.51-0.73, a blank page 1.
BORDER_SIDE = 64
FLAT_GRADIENT = 0.02  # Lab / 100 per pixel of the square
FLAT_SPREAD = 0.02
FLAT_CHROMA = 0.08  # Lab / 100: a lid, glass or paper is near grey; a clear blue sky, as even, is not
# one_tone_share: on the same photos 0.07 (median), 0.16 (90th percentile), 0.38 (99th), at most 0.63;
# a generated screenshot of text 0.74-0.76, a blank page 0.60-0.88, a mis-scan 0.62-0.71.
ONE_TONE_LEVELS = 5
THUMB_SIDE = 128  # px: long side of the report's thumbnails
THUMB_QUALITY = 70

# scripts/experiments/scan_calibration.py on 216 bsds432 photos: clean ones read 2.7 (median) and 7.6 (90th percentile),
# 6.5 % of them above 9; with noise of sigma 10 added, 94 % are above 9 (urban100 + sunhays80: 6.7 % / 92 %).
NOISY_LEVEL = 9.0  # 0-255 scale, as `restore denoise --sigma`
# Same photos: no sharp bsds432 photo reads below 100 (5th percentile 356); after a Gaussian blur of 1 px,
# 69 % do (median 70). Larger photos are first shrunk to 512 px, which hides a 1 px blur (urban100 +
# sunhays80: 13 %), as it should: blur is judged at the size a photo is seen.
BLURRED_SHARPNESS = 100.0
SMALL_MEGAPIXELS = 1.0  # below this a print shows its pixels (a 6x4 in print at 300 dpi has 2.2 MP)


def fit_side(img: np.ndarray, side: int) -> np.ndarray:
    """Shrunk (never enlarged) so the long side is at most `side`; area averaging, no aliasing. HxWxC stays so."""
    if max(img.shape[:2]) <= side:
        return img
    out = resize_long_side(img, side)
    return out.reshape(*out.shape[:2], *img.shape[2:])


def square(img: np.ndarray, side: int) -> np.ndarray:
    """Squeezed to side x side: the autoencoder passes are batched, and shape matters less than content."""
    flags = cv2.INTER_AREA if max(img.shape[:2]) >= side else cv2.INTER_LINEAR
    return cv2.resize(img, (side, side), interpolation=flags)


def noise_level(pixels: np.ndarray) -> float:
    """Blind noise level (0-255 scale) on a full-resolution centre crop: the reading `restore denoise`
    makes on the whole photo, at a fraction of the time."""
    h, w = pixels.shape[:2]
    y, x = max(0, (h - NOISE_CROP) // 2), max(0, (w - NOISE_CROP) // 2)
    return float(estimate_level(pixels[y : y + NOISE_CROP, x : x + NOISE_CROP]) * 255)


def grey8(img: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb_of(img).astype(np.float32), cv2.COLOR_RGB2GRAY) * 255


def sharpness(pixels: np.ndarray) -> float:
    """Variance of the Laplacian of the 8-bit grey image at SHARPNESS_SIDE: low = blurred (or featureless)."""
    return float(cv2.Laplacian(grey8(fit_side(pixels, SHARPNESS_SIDE)), cv2.CV_32F).var())


def flat_border(pixels: np.ndarray) -> float:
    """The share of the photo covered by one flat, even area that touches its edge: the scanner's lid or
    glass beside a photo that slipped, was cut off or lies skewed; all of a blank page. Read on a
    BORDER_SIDE square (noise and grain average out); flat = a colour gradient below FLAT_GRADIENT,
    even = the area's Lab spread below FLAT_SPREAD, near grey = its mean a and b within FLAT_CHROMA."""
    s = square(rgb_of(pixels).astype(np.float32), BORDER_SIDE)
    lab = cv2.cvtColor(s, cv2.COLOR_RGB2Lab) / 100
    grad = np.sqrt(sum(cv2.Sobel(lab[..., c], cv2.CV_32F, 1, 0) ** 2 + cv2.Sobel(lab[..., c], cv2.CV_32F, 0, 1) ** 2
                       for c in range(3))) / 8  # a Sobel sums 8 differences of one pixel
    flat = (grad < FLAT_GRADIENT).astype(np.uint8)
    n, ids = cv2.connectedComponents(flat, connectivity=4)  # 0: the pixels that are not flat
    ids = ids.ravel()
    count = np.bincount(ids, minlength=n).astype(np.float64)
    px = lab.reshape(-1, 3).astype(np.float64)
    mean = np.stack([np.bincount(ids, px[:, c], n) for c in range(3)], 1) / np.maximum(count, 1)[:, None]
    spread = np.sqrt(np.maximum(np.stack([np.bincount(ids, px[:, c] ** 2, n) for c in range(3)], 1)
                                / np.maximum(count, 1)[:, None] - mean**2, 0))
    edge = np.zeros(n, bool)
    edge[np.concatenate([ids.reshape(lab.shape[:2])[[0, -1]].ravel(), ids.reshape(lab.shape[:2])[:, [0, -1]].ravel()])] = True
    ok = edge & (spread.max(axis=1) < FLAT_SPREAD) & (np.abs(mean[:, 1:]).max(axis=1) < FLAT_CHROMA)
    ok[0] = False
    return float(count[ok].max() / ids.size) if ok.any() else 0.0


def one_tone_share(pixels: np.ndarray) -> float:
    """The largest share of the photo's pixels within ONE_TONE_LEVELS adjacent 8-bit grey levels: a
    screenshot or a graphic (one exact background colour), a page, or an exposure clipped to white or
    black. A photo's light spreads over many levels."""
    g = np.clip(np.rint(grey8(pixels)), 0, 255).astype(np.int64)
    counts = np.bincount(g.ravel(), minlength=256)
    return float(np.convolve(counts, np.ones(ONE_TONE_LEVELS), "same").max() / max(g.size, 1))


def thumbnail(pixels: np.ndarray) -> str:
    """A small JPEG as base64, for the self-contained report."""
    small = fit_side(rgb_of(pixels), THUMB_SIDE)
    im = Image.fromarray(np.clip(np.rint(small * 255), 0, 255).astype(np.uint8))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=THUMB_QUALITY)
    return base64.b64encode(buf.getvalue()).decode("ascii")
