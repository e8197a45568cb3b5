"""What the per-task tabs' buttons do, as plain functions over files and arrays:
no gradio here, so every tab is testable in-process without a browser. The layout
(restorer/ui/app.py) only wires widgets to these; the app's state is in state.py,
the brush editor's values in editor.py, the batch runner in runs.py and the
Fine-tune tab's work in finetune.py."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..imageio import ImageReadError, Photo, read_image
from ..tasks import DETECTOR, TASKS
from ..tasks.base import Task
from ..tasks.segment import labels_of
from .controls import Control, build_options, controls_for
from .editor import (Proposal, combined_mask, editor_background_file, hints_from_editor, mask_from_editor, photos_to_run,
                     save_png, tinted, to_uint8_rgb)
from .runs import RunResult, run_files
from .state import SHIPPED, AppState, Progress, UiError, no_progress
from .wording import page_message, ui_wording


def make_options(options_cls: type, controls: list[Control], values: dict[str, Any], automatic: dict[str, bool] | None = None):
    """build_options, with the dataclass's own checks (ValueError) turned into a message for the user."""
    try:
        return build_options(options_cls, controls, values, automatic)
    except ValueError as e:
        raise UiError(ui_wording(str(e), controls)) from None


def _with_helpers(state: AppState, task: Task, options: Any, weights: str | None) -> tuple[Callable[[Photo], Photo], Path]:
    """The task on one photo with the chosen weights, after the helper tasks its options ask for
    (inpaint auto: the damage detector, with its shipped weights); and the weights file that runs."""
    restorer = state.restorer(task, weights, options)
    helpers = {name: (state.restorer(TASKS[name]), opts) for name, opts in task.helpers(options).items()}
    if not helpers:
        return (lambda photo: restorer(photo, options)), restorer.info.path
    return (lambda photo: restorer.apply_after(photo, options, {n: h(photo, o) for n, (h, o) in helpers.items()}),
            restorer.info.path)


def restore_images(
    state: AppState,
    task_name: str,
    files: list[str] | None,
    values: dict[str, Any],
    automatic: dict[str, bool] | None = None,
    editor: dict | None = None,
    progress: Progress = no_progress,
    weights: str | None = None,
    proposal: Proposal | None = None,
    brush_removes: bool = False,
) -> RunResult:
    """Run one task over the uploads; results in each input's format (or the task's) with its
    metadata, a zip when there are several. A painted mask (editor) feeds the task's "mask" field.
    weights: a label from state.choices (the tab's selector); None: the shipped weights.
    proposal: the damage detector's mask (propose_mask), which brush strokes add to or, brush_removes, erase."""
    task = TASKS[task_name]
    if not task.command:
        raise UiError(f"{task_name} has its own tab")
    controls = controls_for(task.options)
    run = state.run_dir(task_name)
    files = photos_to_run(files, proposal, editor, run)
    if not files:
        raise UiError("drop one or more images first")
    values = dict(values)
    for c in controls:
        if c.kind == "mask":
            mask = combined_mask(mask_from_editor(editor), proposal, brush_removes)
            if mask is None and not c.optional:
                raise UiError(f"paint the {c.label} with the brush first (brush over what to change)")
            values[c.name] = save_png(mask.astype(np.uint8) * 255, run / f"{c.name}.png") if mask is not None else None
        elif c.kind == "hints":  # colour strokes: optional, without them the colour is automatic
            hints = hints_from_editor(editor)
            values[c.name] = save_png(hints, run / f"{c.name}.png") if hints is not None else None
        elif c.kind == "image" and not values.get(c.name) and not c.optional:
            raise UiError(f"upload the {c.label} image first")
    options = make_options(task.options, controls, values, automatic)
    progress(0.0, desc=f"loading {task_name} model")
    apply, weights_file = _with_helpers(state, task, options, weights)
    extras = task.output.extras(options)

    def process(photo: Photo) -> dict[str, Photo]:
        result = apply(photo)
        return {"": result, **{tag: fn(photo, result) for tag, fn in extras.items()}}

    result = run_files(state, run, task_name, files, process, progress, task.output.suffix, {"": task.output.format})
    settings = ", ".join(f"{c.name} {_shown(getattr(options, c.name))}" for c in controls if not c.is_file)
    # which shipped file ran: some options run a variant (blind denoise: denoise_camera)
    shipped_file = f" ({weights_file.name})" if (weights or SHIPPED) == SHIPPED else ""
    result.message = (f"{task_name}{f' ({settings})' if settings else ''}: {result.message} "
                      f"with the {weights or SHIPPED} weights{shipped_file}{result.closing_lines()}")
    return result


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, tuple):  # repeatable settings (colorize's hint points)
        return "; ".join(map(str, value)) or "none"
    return "automatic" if value is None else str(value)


def propose_mask(state: AppState, files: list[str] | None, editor: dict | None,
                 options: Any = None) -> tuple[dict, Proposal]:
    """The damage detector's mask for the first photo: the brush editor's value showing it tinted
    into the photo (strokes start from an empty layer), and the Proposal a run combines them with.
    options: the detector's (default: its defaults), e.g. the Old photo tab's threshold."""
    if DETECTOR not in TASKS:
        raise UiError("no damage detector is installed")
    task = TASKS[DETECTOR]
    run = state.run_dir("propose")
    files = list(files or []) or editor_background_file(editor, run)
    if not files:
        raise UiError("drop an image first")
    try:
        photo = read_image(files[0], max_pixels=state.settings.max_pixels)
    except ImageReadError as e:
        raise UiError(page_message(e, files[0])) from None
    mask = labels_of(state.restorer(task)(photo, options or task.options())) > 0
    rgb = to_uint8_rgb(photo.pixels)
    shown = tinted(rgb, mask)
    proposal = Proposal(files[0], str(save_png(mask.astype(np.uint8) * 255, run / "proposal.png")))
    return {"background": shown, "layers": [], "composite": shown}, proposal
