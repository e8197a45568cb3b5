"""Gradio pieces shared by the generic task tabs (app.py) and the special tabs (tabs_special.py)."""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from ..imageio import SUPPORTED_SUFFIXES
from .controls import Control, initial_value
from .state import AppState, UiError
from .wording import error_text, info_text

FILE_TYPES = sorted(SUPPORTED_SUFFIXES)
MODEL_SLOT = "model"  # every event that runs a model shares this queue slot, so users never stack models in memory
TRAIN_SLOT = "train"
EXAMPLES_DIR = Path(__file__).resolve().parent.parent.parent / "examples"
# Which examples/ subfolder suits a tab; the others get the clean photos (examples/masks holds masks, not photos).
EXAMPLE_FOLDERS = {"denoise": "noisy", "segment": "old", "oldphoto": "old"}


@dataclass(frozen=True)
class SpecialTab:
    """A tab that is not the generic per-image one: `build` lays out its widgets
    inside the open gr.Tab. `replaces` names tasks whose generic tab it stands in
    for (e.g. a two-image blend tab), so they are not shown twice. A tab that runs
    one task over uploads names it in `task` and returns its upload from `build`,
    which the Scan tab then fills."""

    title: str
    # build(state, the task tabs' weights selectors) -> the tab's upload, if it runs `task` over uploads
    build: Callable[[AppState, dict[str, gr.Dropdown]], gr.File | None]
    replaces: tuple[str, ...] = ()
    task: str | None = None


def user_errors(fn: Callable) -> Callable:
    """Handler errors meant for the user become gradio's error toast (for events with no status area)."""

    @functools.wraps(fn)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except UiError as e:
            raise gr.Error(str(e)) from None

    return wrapped


def status_errors(fn: Callable, cleared: tuple) -> Callable:
    """Handler errors meant for the user are shown in the tab's status area (the event's last
    output), and its other outputs are set to `cleared`: no red badges over stale results."""

    @functools.wraps(fn)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except UiError as e:
            return (*cleared, error_text(str(e)))

    return wrapped


def control_widget(prefix: str, c: Control) -> tuple[gr.components.Component, gr.Checkbox | None]:
    """The widget for one options field, and its "automatic" checkbox when the field may be left unset."""
    eid = f"{prefix}-{c.name}"
    auto = None
    if c.optional and c.kind in ("slider", "number", "dropdown", "text"):
        auto = gr.Checkbox(value=c.default is None, label=f"{c.label}: automatic", elem_id=f"{eid}-auto")
    interactive = not (auto is not None and c.default is None)
    if c.kind == "slider":
        w = gr.Slider(c.minimum, c.maximum, value=initial_value(c), step=c.step, label=c.label, info=info_text(c.help),
                      interactive=interactive, elem_id=eid)
    elif c.kind == "number":
        w = gr.Number(value=initial_value(c), label=c.label, info=info_text(c.help), interactive=interactive, elem_id=eid,
                      precision=0 if c.step == 1 else None)
    elif c.kind == "checkbox":
        w = gr.Checkbox(value=bool(c.default), label=c.label, info=info_text(c.help), elem_id=eid)
    elif c.kind == "dropdown":
        w = gr.Dropdown(list(c.choices), value=c.default, label=c.label, info=info_text(c.help), interactive=interactive, elem_id=eid)
    elif c.kind == "image":
        w = gr.File(label=c.label, file_types=FILE_TYPES, type="filepath", elem_id=eid)
    else:
        w = gr.Textbox(value=c.default or "", label=c.label, info=info_text(c.help), interactive=interactive, elem_id=eid)
    if auto is not None:
        auto.change(lambda a: gr.update(interactive=not a), auto, w, queue=False)
    return w, auto


def option_widgets(prefix: str, controls: list[Control]) -> tuple[dict[str, gr.components.Component], dict[str, gr.Checkbox]]:
    """Widgets for every control not painted in the brush editor (a mask, colour hints), and the "automatic" checkboxes."""
    widgets: dict[str, gr.components.Component] = {}
    autos: dict[str, gr.Checkbox] = {}
    for c in controls:
        if not c.is_painted:
            widgets[c.name], auto = control_widget(prefix, c)
            if auto is not None:
                autos[c.name] = auto
    return widgets, autos


def read_options(data: dict, widgets: dict[str, gr.components.Component], autos: dict[str, gr.Checkbox]) -> tuple[dict, dict]:
    """(values, automatic) from an event's data dict, as handlers.build_options takes them."""
    return {name: data[w] for name, w in widgets.items()}, {name: bool(data[a]) for name, a in autos.items()}


# The colour brush's palette (any other colour from its picker): skin, hair, sky, foliage, wood, brick, fabric.
HINT_COLOURS = ["#e0ac8c", "#a86c4c", "#5a3c28", "#6c94c4", "#5c8c4c", "#8c6c3c", "#a83c30", "#3c4c7c"]


def brush_editor(label: str, elem_id: str, colours: bool = False) -> gr.ImageEditor:
    """An image with one brush layer: painted pixels are the mask (handlers.mask_from_editor), or with
    colours=True a brush of any colour whose strokes are colour hints (editor.hints_from_editor)."""
    brush = (gr.Brush(colors=HINT_COLOURS, color_mode="defaults") if colours
             else gr.Brush(colors=["rgb(255, 64, 64)"], color_mode="fixed"))
    return gr.ImageEditor(
        label=label, type="numpy", image_mode="RGBA", format="png", sources=("upload", "clipboard"),
        brush=brush, layers=False, transforms=(), elem_id=elem_id,
    )


BRUSH_ADDS, BRUSH_REMOVES = "brush adds to the red mask", "brush removes from it"


def brush_mode_radio(elem_id: str) -> gr.Radio:
    """Whether brush strokes add to the detector's proposal or erase from it (editor.combined_mask): the
    proposal is tinted into the photo, not a layer, so the editor's own eraser cannot touch it."""
    return gr.Radio([BRUSH_ADDS, BRUSH_REMOVES], value=BRUSH_ADDS, show_label=False, elem_id=elem_id)


def example_files(tab: str, folder: Path = EXAMPLES_DIR) -> list[Path]:
    sub = folder / EXAMPLE_FOLDERS.get(tab, "clean")
    if not sub.is_dir():
        return []
    return sorted(p for p in sub.rglob("*") if p.suffix.lower() in SUPPORTED_SUFFIXES)


def example_buttons(tab: str, files: gr.File, folder: Path = EXAMPLES_DIR) -> None:
    """One click puts a bundled example (or, when there are several, all of them) into `files`."""
    ex = example_files(tab, folder)
    if ex:
        gr.Examples([[[str(p)]] for p in ex] + ([[[str(p) for p in ex]]] if len(ex) > 1 else []), inputs=[files],
                    label="Examples (one click)")
