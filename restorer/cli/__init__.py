"""The `restore` command."""
from __future__ import annotations

import click

from .. import __version__
from ..tasks import TASKS
from .bench import bench_command
from .blend import blend_command
from .models import models_command
from .oldphoto import oldphoto_command
from .run import task_command
from .train import train_command
from .ui import ui_command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="restore")
def main() -> None:
    """Restore photos: denoise and more, on files or whole folders.

    Originals are never overwritten; results go to ./restored unless -o says otherwise.
    """


for _task in TASKS.values():
    if _task.command:
        main.add_command(task_command(_task))
main.add_command(oldphoto_command)
main.add_command(blend_command)
main.add_command(train_command)
main.add_command(models_command)
main.add_command(bench_command)
main.add_command(ui_command)
