"""`restore models`: the shipped weights and what they measure."""
from __future__ import annotations

import click

from ..weights import WEIGHTS_DIR, WeightsError, list_weights


@click.command(name="models")
def models_command() -> None:
    """List the weights in weights/ with their benchmark numbers."""
    try:
        infos = list_weights()
    except WeightsError as e:
        raise click.ClickException(str(e)) from None
    if not infos:
        click.echo(f"no weights in {WEIGHTS_DIR}")
        return
    for info in infos:
        size = info.path.stat().st_size / 1e6
        click.echo(f"{info.task:10s} {info.path.name}  {info.spec.arch}({info.spec.args.get('encoder', '')})  {size:.1f} MB")
        for name, value in info.meta.get("benchmark", {}).items():
            click.echo(f"    {name}: {value}")
