"""How option dataclass fields are read, shared by the CLI's flags and the UI's controls
(neither imports the other): the field's base type, and the one check every float
option gets, whatever reads it."""
from __future__ import annotations

import math
import types
import typing
from typing import Any


def base_type(tp: Any) -> tuple[Any, bool]:
    """(inner type, optional?) for `X | None`."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return args[0], True
    return tp, False


def check_finite(name: str, value: Any) -> None:
    """nan and inf pass every range check (all comparisons with nan are false) and then give
    black images or empty masks with exit code 0: refuse them where options are read."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}")
