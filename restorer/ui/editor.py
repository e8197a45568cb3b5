"""The brush editor's values: the photo shown in it, the mask painted on it, and the
damage detector's proposal as a translucent coloured layer the brush can add to and erase."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from ..imageio import ImageReadError, read_image, rgb_of
from .state import UiError
from .wording import page_message

# The proposed mask's colour: the brush's own red at 60 % over the photo, so the damage under
# it (often white scratches) stays visible and the proposal can be told from the photo.
PROPOSAL_RGB = (255, 64, 64)
PROPOSAL_OPACITY = 0.6


@dataclass(frozen=True)
class Proposal:
    """The damage detector's mask for one photo, kept by the page: the editor shows it tinted into
    the photo (Gradio 6 draws layers set from Python at the wrong scale, a tint cannot drift), and
    brush strokes add to it or remove from it."""

    photo: str  # the image file it was computed for
    mask: str  # PNG, white = damage


def tinted(rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    out = rgb.astype(np.float32)
    out[mask] = (1 - PROPOSAL_OPACITY) * out[mask] + PROPOSAL_OPACITY * np.asarray(PROPOSAL_RGB, np.float32)
    return np.rint(out).astype(np.uint8)


def edited_mask(painted: np.ndarray | None, proposal: Proposal | None, brush_removes: bool) -> np.ndarray | None:
    """The proposal with the strokes added (or, brush_removes, taken away), possibly empty when all is
    erased; the strokes alone without a proposal; None with neither."""
    if proposal is None:
        return painted
    proposed = np.asarray(Image.open(proposal.mask).convert("L")) > 127
    if painted is not None and painted.shape == proposed.shape:
        proposed = proposed & ~painted if brush_removes else proposed | painted
    return proposed


def combined_mask(painted: np.ndarray | None, proposal: Proposal | None, brush_removes: bool) -> np.ndarray | None:
    """The mask a run uses (edited_mask); None when nothing is marked."""
    mask = edited_mask(painted, proposal, brush_removes)
    return mask if mask is not None and mask.any() else None


def to_uint8_rgb(pixels: np.ndarray) -> np.ndarray:
    px = rgb_of(pixels)
    return np.clip(np.rint(px * 255), 0, 255).astype(np.uint8)


def editor_value_for(files: list[str] | None) -> dict | None:
    """The brush editor's value showing the first upload (orientation applied,
    so the painted mask lines up with the photo the task reads)."""
    if not files:
        return None
    try:
        rgb = to_uint8_rgb(read_image(files[0]).pixels)
    except ImageReadError as e:
        raise UiError(page_message(e, files[0])) from None
    return {"background": rgb, "layers": [], "composite": rgb}


def mask_from_editor(value: dict | None) -> np.ndarray | None:
    """Bool HxW: every pixel painted on any layer (its alpha > 0); None if nothing is painted."""
    layers = [np.asarray(x) for x in (value or {}).get("layers") or [] if x is not None]
    painted = [x[..., 3] > 0 for x in layers if x.ndim == 3 and x.shape[2] == 4]
    if not painted:
        return None
    mask = np.logical_or.reduce(painted)
    return mask if mask.any() else None


def hints_from_editor(value: dict | None) -> np.ndarray | None:
    """HxWx4 uint8: the colour strokes of every layer over one another (a later layer on top), transparent
    where nothing is painted, as `restore colorize --hints` reads them; None if nothing is painted."""
    layers = [np.asarray(x) for x in (value or {}).get("layers") or [] if x is not None]
    layers = [x for x in layers if x.ndim == 3 and x.shape[2] == 4 and x.shape == layers[0].shape]
    if not layers or not any(x[..., 3].any() for x in layers):
        return None
    out = layers[0].copy()
    for x in layers[1:]:
        on = x[..., 3] > 0
        out[on] = x[on]
    return out


def save_png(arr: np.ndarray, path: Path) -> Path:
    Image.fromarray(arr.astype(np.uint8)).save(path)
    return path


def photos_to_run(files: list[str] | None, proposal: Proposal | None, editor: dict | None, folder: Path) -> list[str]:
    """The uploads; else the photo the proposal was made for; else one dropped straight into the editor."""
    return list(files or []) or ([proposal.photo] if proposal else []) or editor_background_file(editor, folder)


def editor_background_file(value: dict | None, folder: Path) -> list[str]:
    """An image dropped straight into the brush editor (no file upload): saved as PNG."""
    bg = (value or {}).get("background")
    if bg is None:
        return []
    arr = np.asarray(bg)
    return [str(save_png(arr[..., :3] if arr.ndim == 3 else arr, folder / "image.png"))]
