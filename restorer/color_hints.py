"""Colour hints for colorize: where the user pinned a colour, read from `--hint X,Y,#RRGGBB`
specs and from hints images (same size as the photo, transparent except where colour was
painted). Parsing and reading only; spreading them over the photo is color_propagate.py.

A hint gives a chroma (CIE a*b*), not a lightness: the photo's lightness is kept exactly,
so a hint colour much lighter or darker than the photo where it is placed comes out at the
photo's lightness (and, where that chroma does not exist at that lightness in sRGB, pulled
toward grey by color.into_gamut)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import color as C
from .companion import find_companion
from .imageio import ImageReadError, Photo, read_image, rgb_of

ALPHA_PAINTED = 0.5  # hints image: a pixel is a hint where its opacity is at least this (brush edges are soft)
_SPEC = re.compile(r"^\s*(-?\d+)\s*,\s*(-?\d+)\s*,\s*#?([0-9a-fA-F]{6})\s*$")


class HintError(ValueError):
    """A hint spec or hints file the user has to fix; the message is one line naming it."""


@dataclass(frozen=True)
class HintPoint:
    """One pinned colour: pixel column x, row y (0-based, of the photo as shown, orientation
    applied) and an sRGB colour as 0-255 integers."""

    x: int
    y: int
    rgb: tuple[int, int, int]

    @classmethod
    def parse(cls, spec: str) -> HintPoint:
        """'X,Y,#RRGGBB' (the # optional) -> HintPoint; HintError saying what is wrong."""
        m = _SPEC.match(str(spec))
        if m is None:
            raise HintError(f"hint {spec!r}: expected X,Y,#RRGGBB (pixel column, row, hex colour), e.g. 120,80,#c08060")
        x, y, colour = int(m[1]), int(m[2]), m[3]
        if x < 0 or y < 0:
            raise HintError(f"hint {spec!r}: x and y are pixel positions, 0 or more")
        return cls(x, y, (int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)))

    def __str__(self) -> str:
        return f"{self.x},{self.y},#{self.rgb[0]:02x}{self.rgb[1]:02x}{self.rgb[2]:02x}"


def parse_points(value: object) -> tuple[HintPoint, ...]:
    """HintPoints from what a CLI flag or UI text box gives: HintPoints, specs, or one string of
    specs separated by semicolons or new lines."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = [s for s in re.split(r"[;\n]", value) if s.strip()]
    return tuple(v if isinstance(v, HintPoint) else HintPoint.parse(v) for v in value)


@dataclass(frozen=True)
class Hints:
    """Hinted pixels of one photo: rows ys, columns xs (int arrays, full resolution) and their
    chroma ab (N x 2, CIE a*b*). Empty when there are none."""

    ys: np.ndarray
    xs: np.ndarray
    ab: np.ndarray

    @classmethod
    def none(cls) -> Hints:
        return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, 2), np.float32))

    def __len__(self) -> int:
        return len(self.ys)

    def __add__(self, other: Hints) -> Hints:
        return Hints(np.concatenate([self.ys, other.ys]), np.concatenate([self.xs, other.xs]),
                     np.concatenate([self.ab, other.ab]).astype(np.float32))


def chroma_of(rgb: np.ndarray) -> np.ndarray:
    """N x 3 sRGB in [0, 1] -> N x 2 ab."""
    return C.rgb_to_lab(np.asarray(rgb, np.float32).reshape(-1, 1, 3))[:, 0, 1:]


def points_to_hints(points: tuple[HintPoint, ...], height: int, width: int, source: str = "photo") -> Hints:
    """HintPoints as Hints; HintError for a point outside the photo."""
    if not points:
        return Hints.none()
    for p in points:
        if p.x >= width or p.y >= height:
            raise HintError(f"hint {p}: outside the {source} ({width}x{height}; x < {width}, y < {height})")
    rgb = np.array([p.rgb for p in points], np.float32) / 255
    return Hints(np.array([p.y for p in points]), np.array([p.x for p in points]), chroma_of(rgb))


def image_hints(rgb: np.ndarray, opacity: np.ndarray) -> Hints:
    """Hints from painted pixels: HxWx3 colours in [0, 1] and HxW opacity in [0, 1]."""
    ys, xs = np.nonzero(opacity >= ALPHA_PAINTED)
    return Hints(ys, xs, chroma_of(rgb[ys, xs]))


def read_hints_image(path: Path, height: int, width: int) -> Hints:
    """The painted pixels of a hints image; HintError (one line, naming the file) if it cannot be read,
    has no transparency, or is not the photo's size."""
    try:
        img = read_image(path)
    except ImageReadError as e:
        raise HintError(f"hints {e}") from None
    if img.alpha is None:
        raise HintError(f"hints {path}: no transparency; paint the hint colours on a transparent layer "
                        "(PNG with alpha) so the rest of it says 'no hint'")
    if (img.height, img.width) != (height, width):
        raise HintError(f"hints {path}: {img.width}x{img.height}, the photo is {width}x{height}; "
                        "a hints image must be the photo's size")
    opacity = img.alpha.astype(np.float32) / np.iinfo(img.alpha.dtype).max
    rgb = rgb_of(img.pixels)
    return image_hints(rgb, opacity)


def find_hints_file(photo: Photo, where: Path) -> Path:
    """The hints file itself, or the file in the folder named like the photo (photo.jpg <- hints/photo.png),
    as `inpaint --mask` matches masks."""
    try:
        return find_companion(photo, where, "hints")
    except (FileNotFoundError, ValueError) as e:
        raise HintError(str(e)) from None


def hints_for(photo: Photo, where: Path | None, points: tuple[HintPoint, ...]) -> Hints:
    """Every hint for this photo: its hints image (file or matched in a folder) and the points."""
    found = Hints.none()
    if where is not None:
        found = read_hints_image(find_hints_file(photo, where), photo.height, photo.width)
    return found + points_to_hints(points, photo.height, photo.width, str(photo.source or "photo"))
