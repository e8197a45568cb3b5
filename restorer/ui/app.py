"""The Gradio layout: one tab per registered per-image task, generated from
its options dataclass, plus the special tabs listed in SPECIAL_TABS.
What the buttons do lives in restorer/ui/handlers.py (testable without a browser)."""
from __future__ import annotations

import functools
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import gradio as gr

from ..imageio import SUPPORTED_SUFFIXES
from ..tasks import TASKS
from ..tasks.base import Task
from . import handlers as H
from .controls import Control, controls_for, initial_value

EXAMPLES_DIR = Path(__file__).resolve().parent.parent.parent / "examples"
# Which examples/ subfolder suits a task; tasks not listed get every example.
EXAMPLE_FOLDERS = {"denoise": "noisy", "inpaint": "clean"}
MAX_FILE_SIZE = "100mb"
FILE_TYPES = sorted(SUPPORTED_SUFFIXES)
MODEL_SLOT = "model"  # every event that runs a model shares this queue slot, so users never stack models in memory
TRAIN_SLOT = "train"


@dataclass(frozen=True)
class SpecialTab:
    """A tab that is not the generic per-image one: `build` lays out its widgets
    inside the open gr.Tab. `replaces` names tasks whose generic tab it stands in
    for (e.g. a two-image blend tab), so they are not shown twice."""

    title: str
    build: Callable[[H.AppState], None]
    replaces: tuple[str, ...] = ()


def _user_errors(fn: Callable) -> Callable:
    """Handler errors meant for the user become gradio's error toast."""

    @functools.wraps(fn)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except H.UiError as e:
            raise gr.Error(str(e)) from None

    return wrapped


def example_files(task_name: str, folder: Path = EXAMPLES_DIR) -> list[Path]:
    sub = folder / EXAMPLE_FOLDERS.get(task_name, "")
    if not sub.is_dir():
        return []
    return sorted(p for p in sub.rglob("*") if p.suffix.lower() in SUPPORTED_SUFFIXES)


# ----------------------------------------------------------------------------- generic task tab


def _control_widget(task: Task, c: Control) -> tuple[gr.components.Component, gr.Checkbox | None]:
    """The widget for one options field, and its "automatic" checkbox when the field may be left unset."""
    eid = f"{task.name}-{c.name}"
    auto = None
    if c.optional and c.kind in ("slider", "number", "dropdown", "text"):
        auto = gr.Checkbox(value=c.default is None, label=f"{c.label}: automatic", elem_id=f"{eid}-auto")
    interactive = not (auto is not None and c.default is None)
    if c.kind == "slider":
        w = gr.Slider(c.minimum, c.maximum, value=initial_value(c), step=c.step, label=c.label, info=c.help,
                      interactive=interactive, elem_id=eid)
    elif c.kind == "number":
        w = gr.Number(value=initial_value(c), label=c.label, info=c.help, interactive=interactive, elem_id=eid,
                      precision=0 if c.step == 1 else None)
    elif c.kind == "checkbox":
        w = gr.Checkbox(value=bool(c.default), label=c.label, info=c.help, elem_id=eid)
    elif c.kind == "dropdown":
        w = gr.Dropdown(list(c.choices), value=c.default, label=c.label, info=c.help, interactive=interactive, elem_id=eid)
    elif c.kind == "image":
        w = gr.File(label=c.label, file_types=FILE_TYPES, type="filepath", elem_id=eid)
    else:
        w = gr.Textbox(value=c.default or "", label=c.label, info=c.help, interactive=interactive, elem_id=eid)
    if auto is not None:
        auto.change(lambda a: gr.update(interactive=not a), auto, w, queue=False)
    return w, auto


def task_tab(state: H.AppState, task: Task, examples: Path = EXAMPLES_DIR) -> None:
    """Upload, (brush), controls and a run button on the left; before/after and download on the right."""
    controls = controls_for(task.options)
    masks = [c for c in controls if c.kind == "mask"]
    if len(masks) > 1:
        raise ValueError(f"{task.name}: the UI paints one mask per task, got {[c.name for c in masks]}")
    gr.Markdown(task.summary)
    with gr.Row():
        with gr.Column():
            files = gr.File(label="Images: drop one or many", file_count="multiple", file_types=FILE_TYPES,
                            type="filepath", elem_id=f"{task.name}-files")
            editor = None
            if masks:
                editor = gr.ImageEditor(
                    label=f"Paint the {masks[0].label}: brush over what to change (undo and redo in the toolbar)",
                    type="numpy", image_mode="RGBA", format="png", sources=("upload", "clipboard"),
                    brush=gr.Brush(colors=["rgb(255, 64, 64)"], color_mode="fixed"), layers=False,
                    transforms=(), elem_id=f"{task.name}-editor",
                )
                files.change(_user_errors(H.editor_value_for), files, editor)
                if "segment" in TASKS:  # the damage detector proposes a mask to touch up
                    propose = gr.Button("Propose mask from damage detector", elem_id=f"{task.name}-propose")
                    propose.click(_user_errors(functools.partial(H.propose_mask, state)), [files, editor], editor,
                                  concurrency_id=MODEL_SLOT)
            widgets: dict[str, gr.components.Component] = {}
            autos: dict[str, gr.Checkbox] = {}
            for c in controls:
                if c.kind != "mask":
                    widgets[c.name], auto = _control_widget(task, c)
                    if auto is not None:
                        autos[c.name] = auto
            run = gr.Button(f"Run {task.name}", variant="primary", elem_id=f"{task.name}-run")
            ex = example_files(task.name, examples)
            if ex:
                gr.Examples([[[str(p)]] for p in ex] + [[[str(p) for p in ex]]], inputs=[files], label="Examples (one click)")
        with gr.Column():
            slider = gr.ImageSlider(label="Before / after", type="filepath", elem_id=f"{task.name}-result")
            download = gr.File(label="Download (input's format, metadata kept; a zip for several)",
                               interactive=False, elem_id=f"{task.name}-download")
            status = gr.Markdown(elem_id=f"{task.name}-status")

    def run_task(data: dict, progress: gr.Progress = gr.Progress()) -> tuple:
        values = {name: data[w] for name, w in widgets.items()}
        automatic = {name: bool(data[a]) for name, a in autos.items()}
        result = H.restore_images(state, task.name, data[files], values, automatic,
                                  data[editor] if editor is not None else None, progress)
        return (str(result.before), str(result.after)), str(result.download), result.message

    inputs = {files, *widgets.values(), *autos.values(), *([editor] if editor is not None else [])}
    run.click(_user_errors(run_task), inputs, [slider, download, status], concurrency_id=MODEL_SLOT)


# ----------------------------------------------------------------------------- special tabs


def finetune_tab(state: H.AppState) -> None:
    gr.Markdown(
        "Fine-tune a task's model on your own photos (clean ones: the damage is simulated). "
        f"The folder must be inside `{state.settings.data_root}`. The task's tab uses the new weights at once."
    )
    with gr.Row():
        with gr.Column():
            folder = gr.Textbox(label="Folder of training images (relative to the data folder, or absolute inside it)",
                                elem_id="finetune-folder")
            task = gr.Dropdown(sorted(TASKS), value=sorted(TASKS)[0], label="Task", elem_id="finetune-task")
            minutes = gr.Slider(1, 120, value=10, step=1, label="Time budget (minutes)", elem_id="finetune-minutes")
            steps = gr.Number(0, precision=0, label="Step limit (0: none)", elem_id="finetune-steps")
            start = gr.Button("Fine-tune", variant="primary", elem_id="finetune-run")
        with gr.Column():
            curve = gr.Image(label="Training loss and validation", type="filepath", interactive=False, elem_id="finetune-curve")
            status = gr.Markdown(elem_id="finetune-status")

    def run(folder_v: str, task_v: str, minutes_v: float, steps_v: float):
        try:  # a generator: errors surface while iterating, so no _user_errors wrapper
            for update in H.finetune(state, folder_v, task_v, minutes_v, int(steps_v or 0) or None):
                yield (str(update.curve) if update.curve else None), update.message
        except H.UiError as e:
            raise gr.Error(str(e)) from None

    start.click(run, [folder, task, minutes, steps], [curve, status], concurrency_id=TRAIN_SLOT)


# The lead adds tabs here (old-photo restoration, two-image blend, ...), in display order after the task tabs.
SPECIAL_TABS: list[SpecialTab] = [SpecialTab("Fine-tune", finetune_tab)]


def build_app(state: H.AppState, examples: Path = EXAMPLES_DIR, special: list[SpecialTab] | None = None) -> gr.Blocks:
    special = SPECIAL_TABS if special is None else special
    replaced = {name for tab in special for name in tab.replaces}
    with gr.Blocks(title="restorer") as demo:
        gr.Markdown(f"## restorer: photo restoration\nRunning on **{H.device_description(state.device)}**.",
                    elem_id="header")
        with gr.Tabs():
            for task in TASKS.values():
                if task.name not in replaced:
                    with gr.Tab(task.name.capitalize(), id=task.name, elem_id=f"tab-{task.name}"):
                        task_tab(state, task, examples)
            for tab in special:
                with gr.Tab(tab.title, elem_id=f"tab-{tab.title.lower().replace(' ', '-')}"):
                    tab.build(state)
    return demo


def launch(host: str = "127.0.0.1", port: int = 7860, share: bool = False, settings: H.Settings | None = None,
           block: bool = True) -> gr.Blocks:
    """Start the app: localhost only unless told otherwise, no share link
    unless asked, uploads bounded, and only the app's own folders served."""
    settings = settings or H.Settings(out_dir=Path(tempfile.mkdtemp(prefix="restorer-ui-")))
    settings.out_dir.mkdir(parents=True, exist_ok=True)
    state = H.AppState(settings)
    demo = build_app(state)
    demo.queue(default_concurrency_limit=1)
    allowed = [str(settings.out_dir)] + ([str(EXAMPLES_DIR)] if EXAMPLES_DIR.is_dir() else [])
    demo.launch(server_name=host, server_port=port, share=share, max_file_size=MAX_FILE_SIZE, allowed_paths=allowed,
                ssr_mode=False, prevent_thread_lock=not block, quiet=not block)
    return demo
