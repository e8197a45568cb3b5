"""The Scan tab's layout: `restore scan` over uploads or a folder, its table, duplicates and most
unusual photos, and a way to send ticked photos to a task's tab. Handlers in restorer/ui/scan.py."""
from __future__ import annotations

import gradio as gr

from . import scan as S
from .state import AppState
from .widgets import FILE_TYPES, MODEL_SLOT, user_errors


def scan_tab(state: AppState, targets: dict[str, gr.File], tabs: gr.Tabs) -> None:
    """targets: {task name: the file input of its tab}; `tabs` switches to the tab photos are sent to."""
    gr.Markdown("Look at a whole set of photos before restoring them: the noise level, damage, black-and-white "
                "or colour, sharpness and size of each, with the task it needs; photos scanned twice; and the most "
                f"unusual ones. Give a folder inside `{state.settings.data_root}` or drop photos.")
    with gr.Row():
        files = gr.File(label="Photos", file_count="multiple", file_types=FILE_TYPES, type="filepath",
                        elem_id="scan-files")
        with gr.Column():
            folder = gr.Textbox(label="...or a folder (relative to the data folder, subfolders included)",
                                elem_id="scan-folder")
            run = gr.Button("Scan", variant="primary", elem_id="scan-run")
            status = gr.Markdown(elem_id="scan-status")
    table = gr.Dataframe(headers=S.COLUMNS, interactive=False, wrap=True, elem_id="scan-table")
    with gr.Row():
        outliers = gr.Markdown(elem_id="scan-outliers")
        duplicates = gr.Markdown(elem_id="scan-duplicates")
    report = gr.File(label="Report (report.html opens in any browser, thumbnails included)", interactive=False,
                     elem_id="scan-report")
    photos = gr.State({})
    sendable = [t for t in S.SEND_TASKS if t in targets]
    with gr.Row():
        task = gr.Dropdown(sendable, value=sendable[0] if sendable else None, label="Task", elem_id="scan-task")
        pick = gr.Button("Tick the photos it is suggested for", elem_id="scan-pick")
        send = gr.Button("Send the ticked photos to the task's tab", variant="primary", elem_id="scan-send")
    chosen = gr.CheckboxGroup([], label="Photos", elem_id="scan-chosen")

    def do_scan(files_v, folder_v, progress: gr.Progress = gr.Progress()) -> tuple:
        v = S.scan_photos(state, files_v, folder_v, progress)
        return (v.table, v.outliers, v.duplicates, str(v.report), gr.update(choices=list(v.photos), value=[]),
                v.photos, v.message)

    run.click(user_errors(do_scan), [files, folder], [table, outliers, duplicates, report, chosen, photos, status],
              concurrency_id=MODEL_SLOT)
    pick.click(lambda p, t: gr.update(value=S.suggested(p, t)), [photos, task], chosen, queue=False)

    def do_send(chosen_v, photos_v, task_v) -> tuple:
        sent = S.send_to_task(state, chosen_v, photos_v, task_v)
        return (*(sent if name == task_v else gr.update() for name in targets), gr.Tabs(selected=task_v))

    send.click(user_errors(do_send), [chosen, photos, task], [*targets.values(), tabs])
