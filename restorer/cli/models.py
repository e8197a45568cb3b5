"""`restore models`: the shipped weights and what they measure, as a table: one row per weights
file (task, file, size, how long it trained, its validation score), its benchmark lines below it."""
from __future__ import annotations

import click

from ..weights import WEIGHTS_DIR, WeightsError, WeightsInfo, list_weights

COLUMNS = ("task", "file", "size", "trained", "validation")


def trained(meta: dict) -> str:
    record = meta.get("training") or {}
    if "steps" not in record:
        return "-"
    minutes = f"{record['minutes']:.0f} min, " if isinstance(record.get("minutes"), (int, float)) else ""
    return f"{minutes}{record['steps']} steps"


def numbers(values: dict) -> str:
    """{'psnr': 28.126, 'split': '...'} -> 'psnr 28.126' (the numbers only)."""
    shown = [f"{k} {v:g}" for k, v in values.items() if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return ", ".join(shown) or "-"


def row(info: WeightsInfo) -> tuple[str, ...]:
    return (info.task, info.path.name, f"{info.path.stat().st_size / 1e6:.1f} MB", trained(info.meta),
            numbers(info.meta.get("validation") or {}))


def benchmark_lines(info: WeightsInfo) -> list[str]:
    """Under each data set measured, one line per method: '<method>  <numbers>', methods aligned."""
    lines = []
    for data, methods in info.meta.get("benchmark", {}).items():
        wide = max(map(len, methods), default=0)
        lines += [f"    {data}", *(f"      {method:<{wide}}  {value}" for method, value in methods.items())]
    return lines


@click.command(name="models")
def models_command() -> None:
    """List the weights in weights/: how long each trained, its validation score and its benchmark numbers."""
    try:
        infos = list_weights()
    except WeightsError as e:
        raise click.ClickException(str(e)) from None
    if not infos:
        click.echo(f"no weights in {WEIGHTS_DIR}")
        return
    rows = [row(info) for info in infos]
    wide = [max(len(r[i]) for r in [COLUMNS, *rows]) for i in range(len(COLUMNS) - 1)]
    line = lambda cells: "  ".join(f"{c:<{w}}" for c, w in zip(cells, wide)) + "  " + cells[-1]
    click.echo(line(COLUMNS))
    for info, cells in zip(infos, rows):
        click.echo(line(cells))
        for text in benchmark_lines(info):
            click.echo(text)
