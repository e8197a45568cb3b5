"""Weights on disk: <name>.safetensors (fp16) + <name>.json beside it holding
the architecture and its arguments (so loading needs no guessing), the
sha256 of the tensors file, how it was trained and what it measured."""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file
from safetensors.torch import save as safetensors_bytes
from torch import nn

from .atomic import write_atomically
from .models import ModelSpec

# The repository's weights/ folder (the package is installed editable from a clone).
WEIGHTS_DIR = Path(os.environ.get("RESTORER_WEIGHTS", Path(__file__).resolve().parent.parent / "weights"))


class WeightsError(Exception):
    """A weights file that is missing, corrupt or for another task."""


@dataclass
class WeightsInfo:
    path: Path  # the .safetensors file
    meta: dict[str, Any]  # the JSON beside it

    @property
    def task(self) -> str:
        return self.meta.get("task", "?")

    @property
    def spec(self) -> ModelSpec:
        return ModelSpec.from_json(self.meta["model"])


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def json_path(path: Path) -> Path:
    return Path(path).with_suffix(".json")


def default_weights(task_name: str) -> Path:
    return WEIGHTS_DIR / f"{task_name}.safetensors"


def variant_or_own(variant: str, own: str, folder: Path | None = None) -> Path:
    """folder/<variant>.safetensors, or folder/<own>.safetensors where the folder has no such variant
    (a weights folder of one's own, with one file per task). Default folder: weights/."""
    folder = WEIGHTS_DIR if folder is None else Path(folder)
    path = folder / f"{variant}.safetensors"
    return path if path.is_file() else folder / f"{own}.safetensors"


def save_weights(model: nn.Module, spec: ModelSpec, path: Path, task: str, **meta: Any) -> Path:
    """fp16 tensors (half the size; inference upcasts on CPU), written atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to("cpu", torch.float16).contiguous() for k, v in model.state_dict().items() if v.is_floating_point()}
    state |= {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items() if not v.is_floating_point()}
    write_atomically(path, lambda f: f.write(safetensors_bytes(state)))
    info = {"task": task, "model": spec.to_json(), "sha256": sha256(path), "dtype": "float16", **meta}
    write_atomically(json_path(path), lambda f: f.write((json.dumps(info, indent=2, sort_keys=False) + "\n").encode()))
    return path


def read_info(path: Path) -> WeightsInfo:
    path = Path(path)
    if path.suffix == ".json":
        path = path.with_suffix(".safetensors")
    if not path.is_file():
        raise WeightsError(f"{path}: weights file not found")
    if not json_path(path).is_file():
        raise WeightsError(f"{path}: no {json_path(path).name} beside it (architecture unknown)")
    try:
        meta = json.loads(json_path(path).read_text())
        ModelSpec.from_json(meta["model"])
    except (ValueError, KeyError, TypeError) as e:
        raise WeightsError(f"{json_path(path)}: unreadable config ({e})") from None
    return WeightsInfo(path, meta)


def load_model(path: Path, task: str | None = None) -> tuple[nn.Module, WeightsInfo]:
    """Build the architecture named in the JSON and load the checked tensors."""
    info = read_info(path)
    if task is not None and info.task != task:
        raise WeightsError(f"{info.path}: weights are for {info.task!r}, not {task!r}")
    expected = info.meta.get("sha256")
    if expected and sha256(info.path) != expected:
        raise WeightsError(f"{info.path}: sha256 mismatch (file corrupt or replaced); expected {expected[:12]}…")
    model = info.spec.build()
    try:
        state = load_file(str(info.path))
        model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()})
    except Exception as e:  # safetensors raises several types for a damaged file
        raise WeightsError(f"{info.path}: cannot load weights ({str(e).splitlines()[0]})") from None
    return model.eval(), info


def list_weights(folder: Path = WEIGHTS_DIR) -> list[WeightsInfo]:
    return [read_info(p) for p in sorted(Path(folder).glob("*.safetensors"))]


def chained_training(first: dict, then: dict) -> dict:
    """The training record of weights made from two files (a fine-tune, or a mean of two): the runs in
    order as one flat list (a record that is itself a chain gives its runs, not itself; runs both hold,
    as two fine-tunes of one start do, once), steps and minutes summed, the first record's config, whose
    seed fixes the held-out split (a chain keeps its other top-level notes too, e.g. its history), and
    the second's calibration, the one folded last."""
    def runs(record: dict) -> list:
        return list(record["runs"]) if isinstance(record.get("runs"), list) else [record]

    # A calibration folded into the weights (segment's cut) is the newest run's: the one to take out before
    # continuing or recalibrating (checkpoint.continued_state, recalibrate_segment.py read it at the top).
    stale = ("runs", "steps", "minutes", "calibration", "recalibrated")
    top = ({k: v for k, v in first.items() if k not in stale} if isinstance(first.get("runs"), list)
           else {"config": first.get("config", {})})
    if "calibration" in then:
        top["calibration"] = then["calibration"]
    # A mean of two fine-tunes of the same weights (or of a fine-tune and its start) shares their runs: once each.
    first_runs, then_runs = runs(first), runs(then)
    shared = [r for r in then_runs if r in first_runs]

    def number(r: dict, key: str) -> float:  # a record edited by hand may hold anything: count numbers only
        v = r.get(key)
        return v if isinstance(v, (int, float)) and not isinstance(v, bool) else 0

    def total(key: str) -> float:
        return number(first, key) + number(then, key) - sum(number(r, key) for r in shared)

    return {**top, "runs": first_runs + [r for r in then_runs if r not in shared], "steps": total("steps"),
            "minutes": round(total("minutes"), 2)}
