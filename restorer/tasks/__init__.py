"""The explicit dict of tasks. Add a task by writing its module and listing it here."""
from __future__ import annotations

from . import blend, colorize, colorize_hints, denoise, inpaint, morph, segment, unfade, upscale
from .base import Task

TASKS: dict[str, Task] = {
    t.name: t
    for t in (
        denoise.TASK,
        inpaint.TASK,
        colorize.TASK,
        colorize_hints.TASK,
        segment.TASK,
        blend.TASK,
        morph.TASK,
        upscale.TASK,
        unfade.TASK,
    )
}

# The task whose model finds damage: inpaint --auto, oldphoto and the UI's mask proposal run it.
DETECTOR = segment.TASK.name
