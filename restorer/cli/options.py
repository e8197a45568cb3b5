"""Click options derived from option dataclasses, so a field is declared once
(name, type, default, help) and the CLI hands the dataclass over whole."""
from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click


def _base_type(tp: Any) -> tuple[Any, bool]:
    """(inner type, optional?) for `X | None`."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return args[0], True
    return tp, False


def _click_type(tp: Any, meta: dict) -> Any:
    if "choices" in meta:
        return click.Choice(meta["choices"])
    if tp is Path:  # "exists": fail at the command line, not once per image
        return click.Path(exists=meta.get("exists", False), path_type=Path)
    if tp in (int, float) and ("min" in meta or "max" in meta):
        rng = click.IntRange if tp is int else click.FloatRange
        return rng(meta.get("min"), meta.get("max"))
    return tp


def options_from(cls: type) -> Callable[[Callable], Callable]:
    """Decorator adding one click option per dataclass field (`--field-name`)."""
    hints = typing.get_type_hints(cls)

    def decorate(fn: Callable) -> Callable:
        for f in reversed(dataclasses.fields(cls)):
            meta = dict(f.metadata)
            tp, _ = _base_type(hints[f.name])
            flag = meta.get("flag", "--" + f.name.replace("_", "-"))
            default = None if f.default is dataclasses.MISSING else f.default
            if tp is bool:
                fn = click.option(flag, f.name, is_flag=True, default=default, help=meta.get("help"))(fn)
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
