"""`restore train <task> --data DIR`: the training loop behind a thin command."""
from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..tasks import TASKS
from ..train.config import TrainConfig
from ..weights import WeightsError
from .options import options_from, pop_dataclass

# Tasks' model options (e.g. the autoencoder's code size and regulariser), each a dataclass.
MODEL_OPTIONS: tuple[type, ...] = tuple(dict.fromkeys(
    t.training.model_options for t in TASKS.values() if t.training.model_options))


def _model_options(fn: Callable) -> Callable:
    for cls in MODEL_OPTIONS:
        fn = options_from(cls)(fn)
    return fn


def _with_model_options(task_name: str, given: dict[type, Any]):
    """The task, with its model built from the given model options if it has any (options that change
    more than the model, such as the samples it trains on, say so with a task(task) method)."""
    task = TASKS[task_name]
    if task.training.model_options is None:
        return task
    options = given[task.training.model_options]
    return options.task(task) if hasattr(options, "task") else dataclasses.replace(task, model=options.spec())


@click.command(name="train")
@click.argument("task", type=click.Choice(sorted(TASKS)))
@options_from(TrainConfig)
@_model_options
def train_command(task: str, **kwargs) -> None:
    """Train or fine-tune TASK's model on a folder of clean images.

    Corruptions are generated on the fly; a held-out split reports validation
    quality; checkpoints every few minutes allow --resume. The new weights are
    written to <out>/<task>.safetensors, ready for `restore <task> --weights`.
    A task with companion models (blend: the harmoniser, then the morph
    autoencoder) trains each in turn, a companion into <out>/<companion>/,
    each with the whole budget; with --from only TASK itself is fine-tuned.
    Flags marked [morph] set the autoencoder's architecture and regulariser, [upscale] the upscaler's,
    [colorize] the colorizer's.
    """
    from ..train.loop import train  # torch-heavy import only when training

    cfg = pop_dataclass(TrainConfig, kwargs)
    model_options = {cls: pop_dataclass(cls, kwargs) for cls in MODEL_OPTIONS}
    if cfg.minutes is None and cfg.steps is None:
        raise click.UsageError("give a budget: --minutes M or --steps N")
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    out = cfg.out or Path("runs") / task  # as the loop defaults it
    runs = [(task, dataclasses.replace(cfg, out=out))]
    if cfg.from_weights is None:
        runs += [(c, dataclasses.replace(cfg, out=out / c)) for c in TASKS[task].training.companions]
    try:
        for name, run_cfg in runs:
            path = train(_with_model_options(name, model_options), run_cfg)
            click.echo(f"weights written to {path}", err=True)
    except (FileNotFoundError, ValueError, WeightsError) as e:
        raise click.ClickException(str(e)) from None
