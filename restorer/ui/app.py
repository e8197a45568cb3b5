"""The Gradio layout: one tab per registered per-file task (Task.command), generated
from its options dataclass, plus the special tabs of tabs_special.SPECIAL_TABS.
What the buttons do lives in restorer/ui/handlers.py (testable without a browser)."""
from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import gradio as gr

from ..tasks import TASKS
from ..tasks.base import Task
from . import handlers as H
from .controls import controls_for
from .sandbox import private_gradio_folders, remove_at_exit
from .tabs_scan import scan_tab
from .tabs_special import SPECIAL_TABS
from .widgets import (
    EXAMPLES_DIR,
    FILE_TYPES,
    MODEL_SLOT,
    SpecialTab,
    brush_editor,
    example_buttons,
    option_widgets,
    read_options,
    user_errors,
)

MAX_FILE_SIZE = "100mb"


# ----------------------------------------------------------------------------- generic task tab


def task_tab(state: H.AppState, task: Task, examples: Path = EXAMPLES_DIR) -> gr.File:
    """Upload, (brush), controls and a run button on the left; before/after and download on the right.
    Returns the upload, which the Scan tab fills."""
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
                editor = brush_editor(f"Paint the {masks[0].label}: brush over what to change (undo and redo in the toolbar)",
                                      f"{task.name}-editor")
                files.change(user_errors(H.editor_value_for), files, editor)
                if "segment" in TASKS:  # the damage detector proposes a mask to touch up
                    propose = gr.Button("Propose mask from damage detector", elem_id=f"{task.name}-propose")
                    propose.click(user_errors(functools.partial(H.propose_mask, state)), [files, editor], editor,
                                  concurrency_id=MODEL_SLOT)
            widgets, autos = option_widgets(task.name, controls)
            run = gr.Button(f"Run {task.name}", variant="primary", elem_id=f"{task.name}-run")
            example_buttons(task.name, files, examples)
        with gr.Column():
            slider = gr.ImageSlider(label="Before / after", type="filepath", elem_id=f"{task.name}-result")
            download = gr.File(label="Download (input's format, metadata kept; a zip for several)",
                               interactive=False, elem_id=f"{task.name}-download")
            status = gr.Markdown(elem_id=f"{task.name}-status")

    def run_task(data: dict, progress: gr.Progress = gr.Progress()) -> tuple:
        values, automatic = read_options(data, widgets, autos)
        result = H.restore_images(state, task.name, data[files], values, automatic,
                                  data[editor] if editor is not None else None, progress)
        return (str(result.before), str(result.after)), str(result.download), result.message

    inputs = {files, *widgets.values(), *autos.values(), *([editor] if editor is not None else [])}
    run.click(user_errors(run_task), inputs, [slider, download, status], concurrency_id=MODEL_SLOT)
    return files


def build_app(state: H.AppState, examples: Path = EXAMPLES_DIR, special: list[SpecialTab] | None = None) -> gr.Blocks:
    special = SPECIAL_TABS if special is None else special
    replaced = {name for tab in special for name in tab.replaces}
    targets: dict[str, gr.File] = {}  # task name -> its tab's upload, which the Scan tab fills
    with gr.Blocks(title="restorer", analytics_enabled=False) as demo:
        gr.Markdown(f"## restorer: photo restoration\nRunning on **{H.device_description(state.device)}**.",
                    elem_id="header")
        with gr.Tabs() as tabs:
            for task in TASKS.values():
                if task.command and task.name not in replaced:  # the others have their own command and tab
                    with gr.Tab(task.name.capitalize(), id=task.name, elem_id=f"tab-{task.name}"):
                        targets[task.name] = task_tab(state, task, examples)
            for tab in special:
                slug = tab.title.lower().replace(" ", "-")
                with gr.Tab(tab.title, id=tab.task or slug, elem_id=f"tab-{slug}"):
                    upload = tab.build(state)
                if tab.task and upload is not None:
                    targets[tab.task] = upload
            with gr.Tab("Scan", id="scan", elem_id="tab-scan"):
                scan_tab(state, targets, tabs)
    return demo


def launch(host: str = "127.0.0.1", port: int = 7860, share: bool = False, settings: H.Settings | None = None,
           block: bool = True) -> gr.Blocks:
    """Start the app: localhost only unless told otherwise, no share link
    unless asked, uploads bounded, and only the app's own folders served."""
    if settings is None:
        settings = H.Settings(out_dir=Path(tempfile.mkdtemp(prefix="restorer-ui-")))
        remove_at_exit(settings.out_dir)
    settings.out_dir.mkdir(parents=True, exist_ok=True)
    private_gradio_folders()
    state = H.AppState(settings)
    demo = build_app(state)
    demo.queue(default_concurrency_limit=1)
    allowed = [str(settings.out_dir)] + ([str(EXAMPLES_DIR)] if EXAMPLES_DIR.is_dir() else [])
    demo.launch(server_name=host, server_port=port, share=share, max_file_size=MAX_FILE_SIZE, allowed_paths=allowed,
                ssr_mode=False, prevent_thread_lock=not block, quiet=not block)
    return demo
