"""Reference colour (`colorize --reference colour.jpg`, issue #27): a colour photo of a similar scene
lends its palette. The reference's colours are counted per lightness band (how often each ab bin
occurs among its pixels of that lightness); before decoding, the network's bin logits at each pixel
get `weight` times the log of those shares for the pixel's lightness. Colours the reference does not
show at that lightness fade, and where the network hesitates between hues the reference's win; the
network still decides where a colour goes, so the result is not a copy of the reference's layout.

The classical baseline beside it (`lightness_palette`) gives each pixel the reference's mean colour
at its lightness, with no network: Welsh et al. (2002)'s luminance matching without their texture term."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from . import color as C
from .companion import find_companion
from .imageio import ImageReadError, Photo, read_image
from .resize import resize_long_side

BANDS = 12  # lightness bands (of 100 / BANDS L units each)
READ_SIDE = 256  # px: the reference is read at this long side (colour is low-frequency)
BORROW = 0.5  # pseudo-counts, as a share of a band's own, from the whole reference's palette
UNIFORM = 0.02  # and from every bin alike: no colour is made impossible, only unlikely


@dataclass(frozen=True)
class Palette:
    """BANDS x N_BINS: log of the share of each ab bin among the reference's pixels of each lightness band,
    and the BANDS x 2 mean ab per band (the classical baseline's colour)."""

    log_share: np.ndarray
    mean_ab: np.ndarray


def bands_of(lightness: np.ndarray) -> np.ndarray:
    return np.clip((np.asarray(lightness) * (BANDS / 100)).astype(np.int64), 0, BANDS - 1)


def palette_of(rgb: np.ndarray) -> Palette:
    """The palette of an HxWx3 float sRGB photo in [0, 1]."""
    small = resize_long_side(np.asarray(rgb, np.float32), READ_SIDE) if max(rgb.shape[:2]) > READ_SIDE else rgb
    lab = C.rgb_to_lab(np.asarray(small, np.float32))
    soft = C.soft_encode(lab[..., 1:]).reshape(C.N_BINS, -1)  # Q x N
    band = bands_of(lab[..., 0]).ravel()
    counts = np.stack([np.bincount(band, soft[q], minlength=BANDS) for q in range(C.N_BINS)], axis=1)  # BANDS x Q
    overall = counts.sum(0) / max(counts.sum(), 1e-9)
    own = counts.sum(1, keepdims=True)
    share = (counts + BORROW * np.maximum(own, 1) * overall) / (own + BORROW * np.maximum(own, 1))
    share = (1 - UNIFORM) * share + UNIFORM / C.N_BINS
    ab = lab[..., 1:].reshape(-1, 2)
    n = np.bincount(band, minlength=BANDS)
    mean = np.stack([np.bincount(band, ab[:, k], minlength=BANDS) for k in range(2)], axis=1) / np.maximum(n, 1)[:, None]
    mean = np.where(n[:, None] > 0, mean, ab.mean(0))  # a band the reference lacks: its overall mean colour
    return Palette(np.log(share).astype(np.float32), mean.astype(np.float32))


def steer(logits: np.ndarray, lightness: np.ndarray, palette: Palette, weight: float) -> np.ndarray:
    """QxHxW logits plus weight x the palette's log-share for each pixel's lightness (HxW, L in [0, 100],
    at the logits' size)."""
    if weight == 0:
        return logits
    prior = palette.log_share[bands_of(lightness)]  # H x W x Q
    return logits + np.float32(weight) * np.moveaxis(prior, -1, 0)


def lightness_palette(lightness: np.ndarray, palette: Palette) -> np.ndarray:
    """HxWx2 ab: the reference's mean colour at each pixel's lightness band (the classical baseline)."""
    return palette.mean_ab[bands_of(lightness)]


class ReferenceError(ValueError):
    """A reference the user has to fix; one line naming the file."""


@lru_cache(maxsize=4)
def _palette_of_file(path: str, mtime_ns: int) -> Palette:  # mtime in the key: an edited file is read again
    try:
        photo = read_image(path)
    except ImageReadError as e:
        raise ReferenceError(f"reference {e}") from None
    if not C.is_colour(photo.pixels):
        raise ReferenceError(f"reference {path}: a black-and-white photo has no colours to lend; give a colour one")
    return palette_of(photo.pixels)


def reference_palette(photo: Photo, where: Path) -> Palette:
    """The palette of the reference for this photo: `where` itself, or the file named like the photo in
    that folder (photo.jpg <- references/photo.jpg)."""
    path = find_companion(photo, where, "reference")
    return _palette_of_file(str(path), path.stat().st_mtime_ns)
