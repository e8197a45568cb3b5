"""The explicit dict of tasks. Add a task by writing its module and listing it here."""
from __future__ import annotations

from . import blend, denoise, inpaint, morph
from .base import Task

TASKS: dict[str, Task] = {
    t.name: t
    for t in (
        denoise.TASK,
        inpaint.TASK,
        blend.TASK,
        morph.TASK,
    )
}
