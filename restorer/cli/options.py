"""Click options derived from option dataclasses, so a field is declared once
(name, type, default, help) and the CLI hands the dataclass over whole."""
from __future__ import annotations

import dataclasses
import math
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..fields import base_type


class FiniteFloat(click.ParamType):
    """A float that is a number: refuses nan and inf (exit code 2), within optional bounds."""

    name = "float"

    def __init__(self, minimum: float | None = None, maximum: float | None = None) -> None:
        self.minimum, self.maximum = minimum, maximum

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        if (self.minimum is not None and number < self.minimum) or (self.maximum is not None and number > self.maximum):
            lo = "" if self.minimum is None else f"{self.minimum:g}"
            hi = "" if self.maximum is None else f"{self.maximum:g}"
            self.fail(f"{number:g} is not in the range {lo}..{hi}", param, ctx)
        return number

    def __repr__(self) -> str:
        return "FLOAT"


FINITE_FLOAT = FiniteFloat()


def _click_type(tp: Any, meta: dict) -> Any:
    if "choices" in meta:
        return click.Choice(meta["choices"])
    if tp is Path:  # "exists": fail at the command line, not once per image
        return click.Path(exists=meta.get("exists", False), dir_okay=meta.get("dir_okay", True), path_type=Path)
    if tp is float:
        return FiniteFloat(meta.get("min"), meta.get("max"))
    if tp is int and ("min" in meta or "max" in meta):
        return click.IntRange(meta.get("min"), meta.get("max"))
    return tp


def options_from(cls: type) -> Callable[[Callable], Callable]:
    """Decorator adding one click option per dataclass field (`--field-name`)."""
    hints = typing.get_type_hints(cls)

    def decorate(fn: Callable) -> Callable:
        for f in reversed(dataclasses.fields(cls)):
            meta = dict(f.metadata)
            tp, _ = base_type(hints[f.name])
            flag = meta.get("flag", "--" + f.name.replace("_", "-"))
            default = None if f.default is dataclasses.MISSING else f.default
            if tp is bool and default is None:  # a default decided later: --flag / --no-flag, None when neither
                fn = click.option(f"{flag}/--no-{flag[2:]}", f.name, default=None, help=meta.get("help"))(fn)
            elif tp is bool:
                fn = click.option(flag, f.name, is_flag=True, default=default, help=meta.get("help"))(fn)
            elif typing.get_origin(tp) is tuple:  # a repeatable flag; the dataclass parses its strings
                fn = click.option(flag, f.name, multiple=True, type=str, default=default, help=meta.get("help"))(fn)
            else:
                required = meta.get("required", False)
                # No default at all for a required option: click >= 8.3 takes an explicit
                # default=None as a given value, and `required` would never fire.
                kw = {"required": True} if required else {"default": default, "show_default": default is not None}
                fn = click.option(flag, f.name, type=_click_type(tp, meta), help=meta.get("help"), **kw)(fn)
        return fn

    return decorate


def pop_dataclass(cls: type, kwargs: dict[str, Any]) -> Any:
    """Take this dataclass's fields out of click's kwargs and build it."""
    names = [f.name for f in dataclasses.fields(cls)]
    return cls(**{n: kwargs.pop(n) for n in names if n in kwargs})
