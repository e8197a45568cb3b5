"""What a `restore bench <name>` command is. Each benchmark module declares one Bench, and
restorer/cli/bench.py builds the command from it (as it builds `restore <task>` from a Task):
--data, --methods, --weights, --device, --limit, the bench's own options, --json, --record."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .common import Table

KODAK = Path("../shared/datasets/kodak24")
CBSD68 = Path("../shared/datasets/cbsd68")


@dataclass(frozen=True)
class Recorded:
    """--record: which weights' JSON gets the numbers (the measured --weights, default the task's
    shipped ones) and which columns of each row, under "<data> (<N> images)"."""

    task: str
    columns: tuple[str, ...]
    group_by: str | None = None  # a column telling one method's rows apart (inpaint: the mask size)


def grid_field(help: str) -> Any:
    """A `--grid PATH` option field: where the bench saves its picture grid (a file; none by default)."""
    return field(default=None, metadata={"help": help, "dir_okay": False})


def no_details(options: dict[str, Any]) -> dict[str, Any]:
    return {}


def no_note(options: dict[str, Any]) -> str | None:
    return None


@dataclass(frozen=True)
class Bench:
    name: str
    help: str  # the command's help: what is measured, and against which baselines
    # run(data, methods, device=, limit=, [weights=,] **options) -> the table printed
    run: Callable[..., Table]
    methods: tuple[str, ...]  # every method --methods may name
    default_data: Path = CBSD68
    default_methods: tuple[str, ...] | None = None  # None: all of them
    methods_help: str = "Comma-separated subset."
    # Dataclasses of the bench's own flags (options_from builds them); their fields reach run as keywords.
    options: tuple[type, ...] = ()
    weights: bool = True  # --weights: the model measured as 'ours' (default: the shipped one)
    record: Recorded | None = None  # None: no --record
    details: Callable[[dict[str, Any]], dict[str, Any]] = no_details  # more JSON fields, from the options
    note: Callable[[dict[str, Any]], str | None] = no_note  # a line for stderr after the table
