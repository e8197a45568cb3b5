"""The web app's state: settings, the models loaded so far, and the weights each task
may run. Fine-tuned weights are offered as a choice beside the shipped ones, never
made the default behind the user's back."""
from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from ..devices import pick_device
from ..restorer import Restorer
from ..tasks.base import Task
from ..weights import WEIGHTS_DIR, WeightsError, variant_or_own

Progress = Callable[..., Any]  # gr.Progress or anything called as progress(fraction, desc=...)
SHIPPED = "shipped"  # the label of the weights in the weights folder


def no_progress(*_args: Any, **_kwargs: Any) -> None:
    return None


class UiError(Exception):
    """A message for the user (the tab shows it in its status area)."""


@dataclass
class Settings:
    out_dir: Path  # results, previews and fine-tune runs; the only folder the app serves besides examples/
    weights_dir: Path = WEIGHTS_DIR
    data_root: Path = field(default_factory=Path.cwd)  # fine-tune folders must lie inside it
    device: str = "auto"
    tile: int | None = None
    max_pixels: int = 50_000_000


@dataclass(frozen=True)
class WeightsChoice:
    label: str  # what the weights selector shows
    path: Path
    score: float | None = None  # validation score of a fine-tune ...
    shipped_score: float | None = None  # ... and of the weights it started from, on the same images


class AppState:
    """Settings, the models loaded so far (per task, weights file and device) and, per task,
    the weights it may run: the shipped file first, then each fine-tune of this session."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.device = pick_device(settings.device)
        self._finetunes: dict[str, list[WeightsChoice]] = {}
        self._models: dict[tuple[str, str, str], Restorer] = {}
        self._lock = threading.Lock()
        self.stop_training = threading.Event()  # the Fine-tune tab's Stop button

    def shipped(self, task: Task, options: Any = None) -> Path:
        return variant_or_own(task.shipped_stem(options), task.weights_name, self.settings.weights_dir)

    def choices(self, task: Task, options: Any = None) -> list[WeightsChoice]:
        return [WeightsChoice(SHIPPED, self.shipped(task, options)), *self._finetunes.get(task.name, [])]

    def add_finetune(self, task: Task, path: Path, score: float | None, shipped_score: float | None) -> WeightsChoice:
        with self._lock:
            runs = self._finetunes.setdefault(task.name, [])
            words = f", validation {score:.2f} vs {shipped_score:.2f}" if score is not None and shipped_score is not None else ""
            choice = WeightsChoice(f"fine-tune {len(runs) + 1} ({time.strftime('%H:%M')}{words})", path, score, shipped_score)
            runs.append(choice)
        return choice

    def weights_for(self, task: Task, label: str | None = None, options: Any = None) -> Path:
        """The weights file behind a selector label; None or an unknown label: the shipped file (for
        these options: Task.shipped_stem)."""
        return next((c.path for c in self.choices(task, options) if c.label == label), self.shipped(task, options))

    def restorer(self, task: Task, label: str | None = None, options: Any = None) -> Restorer:
        """The task on the weights behind `label`; the shipped ones come with the alternates these options
        allow (Task.alternates: blind denoise's second pick), as on the command line."""
        path = self.weights_for(task, label, options)
        shipped = options if options is not None and path == self.shipped(task, options) else None
        roles = tuple(sorted(task.alternates(shipped))) if shipped is not None else ()
        key = (task.name, str(path), str(self.device), roles)
        with self._lock:
            if key not in self._models:
                try:
                    self._models[key] = Restorer.load(task, path, str(self.device.type), self.settings.tile,
                                                      alternates_for=shipped)
                except WeightsError as e:
                    raise UiError(f"{task.name}: {e} (train some with the Fine-tune tab or `restore train`)") from None
            return self._models[key]

    def run_dir(self, kind: str) -> Path:
        d = self.settings.out_dir / f"{time.strftime('%Y%m%d-%H%M%S')}-{kind}-{secrets.token_hex(3)}"
        d.mkdir(parents=True)
        return d


def check_folder(state: AppState, folder: str) -> Path:
    """A training folder on the server, inside the app's data root (never anywhere else)."""
    if not folder or not folder.strip():
        raise UiError("give the folder of training images")
    root = state.settings.data_root.resolve()
    path = (root / folder.strip()).resolve()  # relative to the root; absolute paths must lie inside it
    if path != root and root not in path.parents:
        raise UiError(f"{folder}: outside the folder this app may read ({root})")
    if not path.is_dir():
        raise UiError(f"{folder}: not a folder")
    return path


def device_description(device: torch.device) -> str:
    if device.type == "cuda":
        return f"GPU: {torch.cuda.get_device_name(device)}"
    if device.type == "mps":
        return "GPU: Apple MPS"
    n = torch.get_num_threads()
    return f"CPU ({n} thread{'s' if n != 1 else ''}); no GPU found"
