"""The `restore` command."""
from __future__ import annotations

import signal
import threading

import click

from .. import __version__
from ..tasks import TASKS
from .bench import bench_command
from .blend import blend_command
from .models import models_command
from .oldphoto import oldphoto_command
from .run import task_command
from .scan import scan_command
from .train import train_command
from .ui import ui_command


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so the same clean-up runs (temp files removed, a
    training checkpoint saved)."""


def _on_sigterm(signum, frame) -> None:
    raise Terminated()


class RestoreGroup(click.Group):
    """Ends on a signal with the code shells expect: 130 for Ctrl-C, 143 for SIGTERM
    (click would print "Aborted!" and exit 1 for both)."""

    def main(self, *args, **kwargs):
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, _on_sigterm)
        return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as e:
            terminated = isinstance(e, Terminated)
            click.echo("terminated" if terminated else "interrupted", err=True)
            ctx.exit(128 + (signal.SIGTERM if terminated else signal.SIGINT))


@click.group(cls=RestoreGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
main.add_command(scan_command)
main.add_command(train_command)
main.add_command(models_command)
main.add_command(bench_command)
main.add_command(ui_command)
