"""`restore train <task> --data DIR`: the training loop behind a thin command."""
from __future__ import annotations

import logging

import click

from ..tasks import TASKS
from ..train.config import TrainConfig
from .options import options_from, pop_dataclass


@click.command(name="train")
@click.argument("task", type=click.Choice(sorted(TASKS)))
@options_from(TrainConfig)
def train_command(task: str, **kwargs) -> None:
    """Train or fine-tune TASK's model on a folder of clean images.

    Corruptions are generated on the fly; a held-out split reports validation
    quality; checkpoints every few minutes allow --resume. The new weights are
    written to <out>/<task>.safetensors, ready for `restore <task> --weights`.
    """
    from ..train.loop import train  # torch-heavy import only when training

    cfg = pop_dataclass(TrainConfig, kwargs)
    if cfg.minutes is None and cfg.steps is None:
        raise click.UsageError("give a budget: --minutes M or --steps N")
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    try:
        path = train(TASKS[task], cfg)
    except (FileNotFoundError, ValueError) as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"weights written to {path}", err=True)
