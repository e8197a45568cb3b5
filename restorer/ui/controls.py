"""UI controls derived from a task's options dataclass, the same one the CLI
derives its flags from (restorer/cli/options.py). Gradio-free, so the mapping
and the way values come back into the dataclass are testable on their own.

Field metadata read here: "help", "min", "max", "choices" (shared with the
CLI) and "ui", which says how a file-valued field is given in a browser
(a server-side path in a textbox would expose the server's files):
  "ui": "mask"   painted with a brush on the input photo (painted = selected)
  "ui": "hints"  painted with a colour brush on the input photo (the painted colours, elsewhere transparent)
  "ui": "image"  an uploaded image file (the default for any Path field)
"""
from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..fields import base_type, check_finite

# Slider range for numbers the dataclass leaves unbounded on one side.
UNBOUNDED_SPAN = 100.0


@dataclass(frozen=True)
class Control:
    name: str  # the dataclass field
    kind: str  # "slider", "number", "checkbox", "dropdown", "text", "mask", "hints" or "image"
    label: str
    help: str
    default: Any
    optional: bool = False  # None allowed: the UI adds an "automatic" checkbox
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    choices: tuple = ()

    @property
    def is_file(self) -> bool:
        return self.kind in ("mask", "hints", "image")

    @property
    def is_painted(self) -> bool:
        """Painted on the photo in the brush editor, not a widget of its own."""
        return self.kind in ("mask", "hints")


def controls_for(options_cls: type) -> list[Control]:
    """One Control per field of the options dataclass, in field order."""
    hints = typing.get_type_hints(options_cls)
    out = []
    for f in dataclasses.fields(options_cls):
        meta = dict(f.metadata)
        tp, optional = base_type(hints[f.name])
        optional = optional and not meta.get("required", False)  # `X | None` that the task still needs
        default = None if f.default is dataclasses.MISSING else f.default
        common = {"name": f.name, "label": f.name.replace("_", " "), "help": meta.get("help", ""), "default": default}
        if "choices" in meta:
            out.append(Control(kind="dropdown", choices=tuple(meta["choices"]), optional=optional, **common))
        elif tp is bool:
            out.append(Control(kind="checkbox", **common))
        elif tp is Path:
            out.append(Control(kind=meta.get("ui", "image"), optional=optional, **common))
        elif tp in (int, float):
            lo, hi = meta.get("min"), meta.get("max")
            step = 1 if tp is int else None
            if lo is None and hi is None:
                out.append(Control(kind="number", optional=optional, step=step, **common))
                continue
            lo = float(lo) if lo is not None else float(hi) - UNBOUNDED_SPAN
            hi = float(hi) if hi is not None else lo + max(UNBOUNDED_SPAN, 2 * float(default or 0))
            step = step or (hi - lo) / 200
            out.append(Control(kind="slider", optional=optional, minimum=lo, maximum=hi, step=step, **common))
        else:
            out.append(Control(kind="text", optional=optional, **common))
    return out


def initial_value(c: Control) -> Any:
    """What the widget starts at: the field's default, or mid-range for an unset slider."""
    if c.default is not None:
        return c.default
    if c.kind == "slider":
        return round((c.minimum + c.maximum) / 2)
    if c.kind == "number":
        return 0
    return None


def build_options(options_cls: type, controls: list[Control], values: dict[str, Any], automatic: dict[str, bool] | None = None):
    """The options dataclass from widget values (a field without one keeps its default). `automatic[name]`
    True means the user left an optional field to the task (None), as omitting a CLI flag does."""
    automatic = automatic or {}
    hints = typing.get_type_hints(options_cls)
    kwargs: dict[str, Any] = {}
    for c in controls:
        value = values.get(c.name)
        if c.name not in values and not automatic.get(c.name, False):
            continue  # no widget value given: the field's default
        if c.optional and automatic.get(c.name, False):
            value = None
        elif value is not None and c.kind in ("slider", "number"):
            tp, _ = base_type(hints[c.name])
            check_finite(c.label, float(value))
            value = int(round(value)) if tp is int else float(value)
        elif value is not None and c.is_file:
            value = Path(value)
        kwargs[c.name] = value
    return options_cls(**kwargs)
