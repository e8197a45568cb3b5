"""The special tabs (widgets.SpecialTab): the one-go old-photo restoration, the
two-photo blend (paste and morph) and fine-tuning. What their buttons do lives in
restorer/ui/special.py and handlers.py (testable without a browser)."""
from __future__ import annotations

import gradio as gr

from ..oldphoto import OldPhotoOptions
from ..tasks import TASKS
from ..tasks.morph import MorphOptions
from . import editor as E
from . import finetune as F
from . import special as S
from .state import AppState, UiError
from .controls import controls_for
from .wording import error_text, info_text
from .widgets import (
    BRUSH_REMOVES,
    FILE_TYPES,
    MODEL_SLOT,
    TRAIN_SLOT,
    SpecialTab,
    brush_editor,
    brush_mode_radio,
    example_buttons,
    option_widgets,
    read_options,
    status_errors,
    user_errors,
)


def oldphoto_tab(state: AppState, selectors: dict[str, gr.Dropdown]) -> gr.File:
    gr.Markdown("Restore old photos in one go: find the damage (scratches, dust, cracks, tears, stains), inpaint it, "
                "denoise, and colorize black-and-white photos. To see and correct what will be repaired, press "
                "Find damage first: the damage shows in red, the brush adds to it or erases it, and Restore repairs "
                "the first photo's damage as edited (the other photos': as found).")
    with gr.Row():
        with gr.Column():
            files = gr.File(label="Old photos: drop one or many", file_count="multiple", file_types=FILE_TYPES,
                            type="filepath", elem_id="oldphoto-files")
            editor = brush_editor("Damage to repair in the first photo (optional): Find damage, then touch it up",
                                  "oldphoto-editor")
            with gr.Row():
                find = gr.Button("Find damage", elem_id="oldphoto-find")
                brush_mode = brush_mode_radio("oldphoto-brush-mode")
            proposal = gr.State(None)  # the detector's mask for the first photo (editor.Proposal)
            widgets, autos = option_widgets("oldphoto", controls_for(OldPhotoOptions))
            run = gr.Button("Restore", variant="primary", elem_id="oldphoto-run")
            example_buttons("oldphoto", files)
        with gr.Column():
            slider = gr.ImageSlider(label="Before / after", type="filepath", elem_id="oldphoto-result")
            stages = gr.Gallery(label="Stages (keep stages): damage found (and in red), inpainted, denoised", columns=4,
                                elem_id="oldphoto-stages")
            download = gr.File(label="Download (a zip for several files)", interactive=False, elem_id="oldphoto-download")
            status = gr.Markdown(elem_id="oldphoto-status")

    def find_damage(data: dict) -> tuple:
        return S.find_damage(state, data[files], data[editor], *read_options(data, widgets, autos))

    def restore(data: dict, progress: gr.Progress = gr.Progress()) -> tuple:
        values, automatic = read_options(data, widgets, autos)
        result = S.restore_old_photos(state, data[files], values, automatic, progress, data[editor], data[proposal],
                                      data[brush_mode] == BRUSH_REMOVES)
        return ((str(result.before), str(result.after)), [(str(p), c) for p, c in result.stages],
                str(result.download), result.message)

    outputs = [slider, stages, download, status]
    inputs = {files, editor, brush_mode, *widgets.values(), *autos.values()}
    find.click(user_errors(find_damage), inputs, [editor, proposal], concurrency_id=MODEL_SLOT)
    run.click(status_errors(restore, (None, None, None)), {*inputs, proposal}, outputs, concurrency_id=MODEL_SLOT)
    files.change(lambda: (None, None, None, ""), None, outputs, queue=False)  # a new input: no old result beside it
    files.change(user_errors(lambda f: (E.editor_value_for(f), None)), files, [editor, proposal])  # nor old damage
    return files


def blend_tab(state: AppState, selectors: dict[str, gr.Dropdown]) -> None:
    gr.Markdown(TASKS["blend"].summary.split(";")[0] + "; or morph between two photos.")
    with gr.Tabs():
        with gr.Tab("Paste", elem_id="tab-blend-paste"):
            with gr.Row():
                with gr.Column():
                    fg = gr.File(label="Foreground: the photo to paste from", file_types=FILE_TYPES, type="filepath",
                                 elem_id="blend-fg")
                    editor = brush_editor("Paint the region to paste on the foreground", "blend-editor")
                    bg = gr.File(label="Background: the photo to paste onto", file_types=FILE_TYPES, type="filepath",
                                 elem_id="blend-bg")
                    centred = gr.Checkbox(True, label="Centred", info="Off: put the foreground's top-left corner at X, Y",
                                          elem_id="blend-centred")
                    with gr.Row():
                        x = gr.Number(0, precision=0, label="X (px, may be negative)", elem_id="blend-x")
                        y = gr.Number(0, precision=0, label="Y (px, may be negative)", elem_id="blend-y")
                    paste = gr.Button("Paste", variant="primary", elem_id="blend-run")
                with gr.Column():
                    pasted = gr.Image(label="Result", type="filepath", interactive=False, elem_id="blend-result")
                    paste_file = gr.File(label="Download (the background's format and metadata)", interactive=False,
                                         elem_id="blend-download")
                    paste_status = gr.Markdown(elem_id="blend-status")
            fg.change(user_errors(lambda f: E.editor_value_for([f] if f else [])), fg, editor)

            def do_paste(fg_v, editor_v, bg_v, x_v, y_v, centred_v) -> tuple:
                r = S.paste_images(state, fg_v, editor_v, bg_v, x_v, y_v, centred_v)
                return str(r.image), str(r.download), r.message

            paste.click(status_errors(do_paste, (None, None)), [fg, editor, bg, x, y, centred], [pasted, paste_file, paste_status],
                        concurrency_id=MODEL_SLOT)
        with gr.Tab("Morph", elem_id="tab-blend-morph"):
            with gr.Row():
                with gr.Column():
                    a = gr.File(label="Photo A", file_types=FILE_TYPES, type="filepath", elem_id="morph-a")
                    b = gr.File(label="Photo B (resized to A)", file_types=FILE_TYPES, type="filepath", elem_id="morph-b")
                    alpha = gr.Slider(0, 1, value=0.5, step=0.05, label="alpha", info=info_text("Weight of A: a*z(A) + (1-a)*z(B)"),
                                      elem_id="morph-alpha")
                    frames = gr.Slider(0, 48, value=0, step=1, label="frames",
                                       info="0: one image at alpha; 2 or more: an animated GIF from A to B",
                                       elem_id="morph-frames")
                    fps = gr.Slider(1, 30, value=8, step=1, label="frames per second", elem_id="morph-fps")
                    widgets, autos = option_widgets("morph", controls_for(MorphOptions))
                    morph = gr.Button("Morph", variant="primary", elem_id="morph-run")
                with gr.Column():
                    morphed = gr.Image(label="Result", type="filepath", interactive=False, elem_id="morph-result")
                    morph_file = gr.File(label="Download", interactive=False, elem_id="morph-download")
                    morph_status = gr.Markdown(elem_id="morph-status")

            def do_morph(data: dict) -> tuple:
                values, _ = read_options(data, widgets, autos)
                r = S.morph_images(state, data[a], data[b], data[alpha], int(data[frames]), data[fps], values)
                return str(r.image), str(r.download), r.message

            morph.click(status_errors(do_morph, (None, None)), {a, b, alpha, frames, fps, *widgets.values(), *autos.values()},
                        [morphed, morph_file, morph_status], concurrency_id=MODEL_SLOT)


def finetune_tab(state: AppState, selectors: dict[str, gr.Dropdown]) -> None:
    gr.Markdown(
        "Fine-tune a task's model on your own photos (clean ones: the damage is simulated). "
        f"The folder must be inside `{state.settings.data_root}`. The result is offered in the task "
        "tab's Weights selector, and selected there only if it beats the shipped weights on the same held-out photos."
    )
    with gr.Row():
        with gr.Column():
            folder = gr.Textbox(label="Folder of training images (relative to the data folder, or absolute inside it)",
                                elem_id="finetune-folder")
            names = [n for n in TASKS if n in selectors]  # tasks with a tab (and a selector), denoise first
            task = gr.Dropdown(names, value=names[0], label="Task", elem_id="finetune-task")
            minutes = gr.Slider(1, 120, value=10, step=1, label="Time budget (minutes)", elem_id="finetune-minutes")
            steps = gr.Number(0, precision=0, label="Step limit (0: none)", elem_id="finetune-steps")
            with gr.Row():
                start = gr.Button("Fine-tune", variant="primary", elem_id="finetune-run")
                stop = gr.Button("Stop", elem_id="finetune-stop")
        with gr.Column():
            curve = gr.Image(label="Training loss and validation (dashed: the shipped weights)", type="filepath",
                             interactive=False, elem_id="finetune-curve")
            status = gr.Markdown(elem_id="finetune-status")
    outputs = [curve, status, *(selectors[n] for n in names)]
    unchanged = [gr.update() for _ in names]

    def run(folder_v: str, task_v: str, minutes_v: float, steps_v: float):
        try:  # a generator: errors surface while iterating
            for update in F.finetune(state, folder_v, task_v, minutes_v, int(steps_v or 0) or None):
                selector = unchanged
                if update.choice is not None:  # done: offer the new weights, selected only if better
                    labels = [c.label for c in state.choices(TASKS[task_v])]
                    selector = [gr.update(choices=labels, value=update.choice.label) if n == task_v and update.selected
                                else gr.update(choices=labels) if n == task_v else gr.update() for n in names]
                yield (str(update.curve) if update.curve else None), update.message, *selector
        except UiError as e:
            yield None, error_text(str(e)), *unchanged

    start.click(run, [folder, task, minutes, steps], outputs, concurrency_id=TRAIN_SLOT)
    stop.click(lambda: state.stop_training.set(), None, None, queue=False)


# In display order after the per-file task tabs.
SPECIAL_TABS: list[SpecialTab] = [
    SpecialTab("Old photo", oldphoto_tab, task="oldphoto"),
    SpecialTab("Blend", blend_tab, replaces=("blend", "morph")),
    SpecialTab("Fine-tune", finetune_tab),
]
