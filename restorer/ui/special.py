"""Handlers of the tabs that are not one task over many files: the one-go
old-photo restoration (restorer/oldphoto.py) and the two-photo blend (paste
and morph, the functions behind `restore blend`). Plain functions over files
and arrays, as in handlers.py."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..imageio import ImageReadError, ImageWriteError, Photo, read_image, write_image
from ..oldphoto import STAGE_OUTPUTS, OldPhoto, OldPhotoOptions
from ..tasks import TASKS
from ..tasks.blend import paste_photo
from ..tasks.morph import MorphOptions, load_morph, morph_frames
from ..tasks.segment import SegmentOptions
from ..weights import WeightsError
from .controls import controls_for
from .editor import Proposal, edited_mask, editor_background_file, mask_from_editor, photos_to_run
from .handlers import make_options, propose_mask
from .runs import RunResult, run_files, save_preview
from .state import AppState, Progress, UiError, no_progress
from .wording import page_message



def find_damage(state: AppState, files: list[str] | None, editor: dict | None, values: dict[str, Any],
                automatic: dict[str, bool] | None = None) -> tuple[dict, Proposal]:
    """The detector alone on the first photo, at the tab's threshold as Restore would run it: its mask
    in red in the brush editor, to touch up before restoring (handlers.propose_mask)."""
    options: OldPhotoOptions = make_options(OldPhotoOptions, controls_for(OldPhotoOptions), values, automatic)
    return propose_mask(state, files, editor, SegmentOptions(threshold=options.threshold))


def restore_old_photos(state: AppState, files: list[str] | None, values: dict[str, Any],
                       automatic: dict[str, bool] | None = None, progress: Progress = no_progress,
                       editor: dict | None = None, proposal: Proposal | None = None,
                       brush_removes: bool = False) -> RunResult:
    """restorer/oldphoto.py's pipeline over the uploads, each stage with the weights this app uses for
    its task; with keep_stages the stage results come back too (RunResult.stages for the first photo).
    The first photo's damage is the one edited in the brush editor (find_damage's proposal with the
    strokes added or, brush_removes, erased; strokes alone without it); the detector finds the other
    photos' damage, and the first's when nothing was proposed or painted."""
    run = state.run_dir("oldphoto")
    files = photos_to_run(files, proposal, editor, run)
    if not files:
        raise UiError("drop one or more old photos first")
    options: OldPhotoOptions = make_options(OldPhotoOptions, controls_for(OldPhotoOptions), values, automatic)
    progress(0.0, desc="loading the models")
    pipeline = OldPhoto.build(options, state.restorer, optional_errors=(UiError,))
    edited, first = edited_mask(mask_from_editor(editor), proposal, brush_removes), Path(files[0])

    def process(photo: Photo) -> dict[str, Photo]:
        if edited is None or photo.source != first:
            return pipeline(photo)
        if edited.shape != (photo.height, photo.width):
            raise ValueError(f"the edited damage is {edited.shape[1]}x{edited.shape[0]}, the photo "
                             f"{photo.width}x{photo.height}: press Find damage again")
        return pipeline(photo, edited)

    result = run_files(state, run, "oldphoto", files, process, progress, formats=STAGE_OUTPUTS)
    colour = "colorized if black-and-white" if "colorize" in pipeline.stages else "not colorized"
    damage = f"; damage of {first.name} as edited" if edited is not None else ""
    result.message = (f"old photo ({colour}): {result.message}{damage}" + "".join(f"; {n}" for n in pipeline.notes)
                      + result.closing_lines())
    return result


# ----------------------------------------------------------------------------- blend: paste and morph


@dataclass
class BlendResult:
    image: Path  # what to show: the result, or the animation
    download: Path
    message: str


def _read(path: str | None, what: str, state: AppState) -> Photo:
    if not path:
        raise UiError(f"upload the {what} first")
    try:
        return read_image(path, max_pixels=state.settings.max_pixels)
    except ImageReadError as e:
        raise UiError(f"{what}: {page_message(e, path)}") from None


def _out_name(source: str | None, tag: str, fallback: str = ".png") -> str:
    src = Path(source or "image.png")
    return f"{src.stem}{tag}{src.suffix or fallback}"


def paste_images(state: AppState, fg_file: str | None, editor: dict | None, bg_file: str | None,
                 x: float | None = 0, y: float | None = 0, centred: bool = False) -> BlendResult:
    """The region painted on the foreground (editor) pasted into the background at (x, y), or centred,
    and harmonised by the blend task's model; the background's size, format and metadata."""
    run = state.run_dir("paste")
    fg_file = fg_file or next(iter(editor_background_file(editor, run)), None)
    fg, bg = _read(fg_file, "foreground photo", state), _read(bg_file, "background photo", state)
    painted = mask_from_editor(editor)
    if painted is None:
        raise UiError("paint the region to paste on the foreground with the brush first")
    if painted.shape != (fg.height, fg.width):
        raise UiError(f"the painted mask is {painted.shape[1]}x{painted.shape[0]}, the foreground {fg.width}x{fg.height}: "
                      "paint on the foreground shown in the editor")
    at = None if centred else (int(round(x or 0)), int(round(y or 0)))
    task = TASKS["blend"]
    try:
        result = paste_photo(fg, bg, painted.astype(np.float32), at, state.restorer(task).predict)
        out = run / _out_name(bg_file, "_blend")
        write_image(result, out)
    except (ValueError, ImageWriteError) as e:
        raise UiError(f"paste: {e}") from None
    where = "centred" if at is None else f"at {at[0]},{at[1]}"
    return BlendResult(save_preview(result, run / "preview.png"), out,
                       f"pasted {where} onto a {bg.width}x{bg.height} background with {state.weights_for(task).name}")


def morph_images(state: AppState, a_file: str | None, b_file: str | None, alpha: float = 0.5, frames: int = 0,
                 fps: float = 8.0, values: dict[str, Any] | None = None) -> BlendResult:
    """A's and B's codes in the morph autoencoder mixed a*z(A) + (1-a)*z(B) and decoded at A's size;
    with frames >= 2, that many steps from A to B as an animated GIF."""
    from ..imageio import write_animation

    a, b = _read(a_file, "photo A", state), _read(b_file, "photo B", state)
    options: MorphOptions = make_options(MorphOptions, controls_for(MorphOptions), values or {})
    task = TASKS["morph"]
    try:  # the one loader the CLI and bench use too (float32, the app's device)
        model = load_morph(state.weights_for(task), state.device.type)
    except WeightsError as e:
        raise UiError(f"morph: {e}") from None
    frames = int(frames or 0)
    if frames == 1:
        raise UiError("an animation needs at least 2 frames (0: one image at the alpha given)")
    alphas = [float(alpha)] if frames < 2 else [float(v) for v in np.linspace(1.0, 0.0, frames)]
    images = morph_frames(model, a.pixels, b.pixels, alphas, options.size)
    run = state.run_dir("morph")
    name = f"{Path(a_file).stem}_{Path(b_file).stem}_morph"
    try:
        if frames < 2:
            out = run / f"{name}{Path(a_file).suffix or '.png'}"
            write_image(a.with_pixels(images[0] if a.channels == 3 else images[0].mean(axis=2, keepdims=True)), out)
            return BlendResult(out, out, f"morph at alpha {alpha:g} ({a.width}x{a.height}) with {state.weights_for(task).name}")
        out = run / f"{name}.gif"
        write_animation(images, out, float(fps))
    except ImageWriteError as e:
        raise UiError(str(e)) from None
    return BlendResult(out, out, f"morph: {frames} frames from A to B at {fps:g} fps ({a.width}x{a.height})")
