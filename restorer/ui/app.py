"""The Gradio layout: one tab per registered per-file task (Task.command), generated
from its options dataclass, plus the special tabs of tabs_special.SPECIAL_TABS.
What the buttons do lives in restorer/ui/handlers.py (testable without a browser)."""
from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import gradio as gr

from ..tasks import DETECTOR, TASKS
from ..tasks.base import Task
from . import handlers as H
from .editor import editor_value_for
from .state import SHIPPED, AppState, Settings, device_description
from .wording import markdown_text
from .controls import controls_for
from .sandbox import private_gradio_folders, remove_at_exit
from .tabs_scan import scan_tab
from .tabs_special import SPECIAL_TABS
from .widgets import (
    BRUSH_REMOVES,
    EXAMPLES_DIR,
    FILE_TYPES,
    MODEL_SLOT,
    SpecialTab,
    brush_editor,
    brush_mode_radio,
    example_buttons,
    option_widgets,
    read_options,
    status_errors,
    user_errors,
)

MAX_FILE_SIZE = "100mb"


# ----------------------------------------------------------------------------- generic task tab


def task_tab(state: AppState, task: Task, examples: Path = EXAMPLES_DIR) -> tuple[gr.Dropdown, gr.File]:
    """Upload, (brush), weights, controls and a run button on the left; before/after, a gallery of every
    result, download and status on the right. Returns the weights selector (the Fine-tune tab updates it)
    and the upload (the Scan tab fills it)."""
    controls = controls_for(task.options)
    painted = [c for c in controls if c.is_painted]
    if len(painted) > 1:
        raise ValueError(f"{task.name}: the UI paints one mask or set of hints per task, got {[c.name for c in painted]}")
    gr.Markdown(markdown_text(task.summary), elem_id=f"{task.name}-about")
    with gr.Row():
        with gr.Column():
            files = gr.File(label="Images: drop one or many", file_count="multiple", file_types=FILE_TYPES,
                            type="filepath", elem_id=f"{task.name}-files")
            editor = brush_mode = None
            proposal = gr.State(None)  # the damage detector's mask for this page's photo (editor.Proposal)
            if painted and painted[0].kind == "hints":
                editor = brush_editor("Colour hints (optional): pick a colour, paint a few strokes where it belongs, run; "
                                      "the result follows them (undo and redo in the toolbar)", f"{task.name}-editor",
                                      colours=True)
                files.change(user_errors(lambda f: (editor_value_for(f), None)), files, [editor, proposal])
            elif painted:
                editor = brush_editor(f"Paint the {painted[0].label}: brush over what to change (undo and redo in the toolbar)",
                                      f"{task.name}-editor")
                files.change(user_errors(lambda f: (editor_value_for(f), None)), files, [editor, proposal])
                if DETECTOR in TASKS:  # the damage detector proposes a mask (shown in red) to touch up
                    with gr.Row():
                        propose = gr.Button("Propose mask from damage detector", elem_id=f"{task.name}-propose")
                        brush_mode = brush_mode_radio(f"{task.name}-brush-mode")
                    propose.click(user_errors(functools.partial(H.propose_mask, state)), [files, editor],
                                  [editor, proposal], concurrency_id=MODEL_SLOT)
            weights = gr.Dropdown([c.label for c in state.choices(task)], value=SHIPPED, label="Weights",
                                  info="shipped, or a fine-tune of this session (Fine-tune tab)",
                                  elem_id=f"{task.name}-weights")
            widgets, autos = option_widgets(task.name, controls)
            run = gr.Button(f"Run {task.name}", variant="primary", elem_id=f"{task.name}-run")
            example_buttons(task.name, files, examples)
        with gr.Column():
            slider = gr.ImageSlider(label="Before / after", type="filepath", elem_id=f"{task.name}-result")
            gallery = gr.Gallery(label="All results: choose one to compare it above", columns=4, height="auto",
                                 allow_preview=False, elem_id=f"{task.name}-gallery")
            download = gr.File(label="Download (input's format, metadata kept; a zip for several)",
                               interactive=False, elem_id=f"{task.name}-download")
            status = gr.Markdown(elem_id=f"{task.name}-status")
    shown = gr.State([])  # this page's results: (before, after) previews, in gallery order

    def run_task(data: dict, progress: gr.Progress = gr.Progress()) -> tuple:
        values, automatic = read_options(data, widgets, autos)
        result = H.restore_images(state, task.name, data[files], values, automatic,
                                  data[editor] if editor is not None else None, progress, data[weights],
                                  data[proposal], brush_mode is not None and data[brush_mode] == BRUSH_REMOVES)
        pairs = [(str(s.before), str(s.after)) for s in result.shown]
        return pairs[0], [(a, s.caption) for (_, a), s in zip(pairs, result.shown)], pairs, str(result.download), result.message

    outputs = [slider, gallery, shown, download, status]
    cleared = (None, None, [], None)
    inputs = {files, weights, proposal, *widgets.values(), *autos.values(),
              *(w for w in (editor, brush_mode) if w is not None)}
    run.click(status_errors(run_task, cleared), inputs, outputs, concurrency_id=MODEL_SLOT)
    files.change(lambda: (*cleared, ""), None, outputs, queue=False)  # a new input: no old result beside it
    gallery.select(_pick, [shown], slider, queue=False)
    return weights, files


def _pick(pairs: list, event: gr.SelectData):
    """The gallery's chosen result into the before/after slider."""
    return tuple(pairs[event.index]) if 0 <= event.index < len(pairs) else None


def build_app(state: AppState, examples: Path = EXAMPLES_DIR, special: list[SpecialTab] | None = None) -> gr.Blocks:
    special = SPECIAL_TABS if special is None else special
    replaced = {name for tab in special for name in tab.replaces}
    selectors: dict[str, gr.Dropdown] = {}
    targets: dict[str, gr.File] = {}  # task name -> its tab's upload, which the Scan tab fills
    with gr.Blocks(title="restorer", analytics_enabled=False) as demo:
        gr.Markdown(f"## restorer: photo restoration\nRunning on **{device_description(state.device)}**.",
                    elem_id="header")
        with gr.Tabs() as tabs:
            for task in TASKS.values():
                if task.command and task.name not in replaced:  # the others have their own command and tab
                    with gr.Tab(task.name.capitalize(), id=task.name, elem_id=f"tab-{task.name}"):
                        selectors[task.name], targets[task.name] = task_tab(state, task, examples)
            for tab in special:
                slug = tab.title.lower().replace(" ", "-")
                with gr.Tab(tab.title, id=tab.task or slug, elem_id=f"tab-{slug}"):
                    upload = tab.build(state, selectors)
                if tab.task and upload is not None:
                    targets[tab.task] = upload
            with gr.Tab("Scan", id="scan", elem_id="tab-scan"):
                scan_tab(state, targets, tabs)
        # A page opened after a fine-tune offers it too, with the shipped weights selected.
        names = list(selectors)
        demo.load(lambda: [gr.update(choices=[c.label for c in state.choices(TASKS[n])], value=SHIPPED) for n in names],
                  None, [selectors[n] for n in names], queue=False)
    return demo


def launch(host: str = "127.0.0.1", port: int = 7860, share: bool = False, settings: Settings | None = None,
           block: bool = True) -> gr.Blocks:
    """Start the app: localhost only unless told otherwise, no share link
    unless asked, uploads bounded, and only the app's own folders served."""
    if settings is None:
        settings = Settings(out_dir=Path(tempfile.mkdtemp(prefix="restorer-ui-")))
        remove_at_exit(settings.out_dir)
    settings.out_dir.mkdir(parents=True, exist_ok=True)
    private_gradio_folders()
    state = AppState(settings)
    demo = build_app(state)
    demo.queue(default_concurrency_limit=1)
    allowed = [str(settings.out_dir)] + ([str(EXAMPLES_DIR)] if EXAMPLES_DIR.is_dir() else [])
    demo.launch(server_name=host, server_port=port, share=share, max_file_size=MAX_FILE_SIZE, allowed_paths=allowed,
                ssr_mode=False, prevent_thread_lock=not block, quiet=not block)
    return demo
