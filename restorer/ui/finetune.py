"""The Fine-tune tab's work: train a task on a folder in a thread, report the curve as it
grows, stop on request, and offer the result as a choice of weights, selected only if
it beats the weights it started from on the same validation images."""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..tasks import TASKS
from ..weights import read_info
from .state import AppState, UiError, WeightsChoice, check_folder


@dataclass
class FinetuneUpdate:
    curve: Path | None  # loss and validation curve PNG, once the run has written one
    message: str
    choice: WeightsChoice | None = None  # on the last update: the new weights, offered in the task's selector
    selected: bool = False  # ... and chosen there, because they beat the starting weights


def verdict(task_name: str, metric: str, score: float | None, start: float | None, started_from: str) -> tuple[str, bool]:
    """(the done message in words, whether the new weights should be selected)."""
    unit = " dB" if metric == "psnr" else ""
    if score is None:
        return f"{task_name}: fine-tune finished without a validation score; kept the {started_from} weights", False
    if start is None:  # trained from scratch: nothing to compare with
        return f"{task_name}: validation {metric} {score:.2f}{unit} (trained from scratch): now selected", True
    shown = f"validation {metric} {score:.2f}{unit}, {started_from} weights {start:.2f}{unit} on the same images"
    if score > start:
        return f"{task_name}: {shown}: the fine-tune is better and is now selected", True
    return f"{task_name}: {shown}: kept the {started_from} weights (the fine-tune is offered, not selected)", False


def finetune(
    state: AppState,
    folder: str,
    task_name: str,
    minutes: float,
    max_steps: int | None = None,
    batch_size: int = 8,
    patch: int | None = None,
    poll_seconds: float = 2.0,
) -> Iterator[FinetuneUpdate]:
    """Fine-tune the task's shipped weights (or train from scratch when there are none) on a
    folder, in a thread; yields the curve as it grows. state.stop_training ends it early."""
    from ..train.config import TrainConfig
    from ..train.loop import train  # torch-heavy training import only when used

    if task_name not in TASKS:
        raise UiError(f"unknown task {task_name!r}")
    task = TASKS[task_name]
    data = check_folder(state, folder)
    shipped = state.shipped(task)
    start = shipped if shipped.is_file() else None
    out = state.run_dir(f"finetune-{task_name}")
    cfg = TrainConfig(
        data=data, minutes=float(minutes), steps=int(max_steps) if max_steps else None, from_weights=start, out=out,
        batch_size=int(batch_size), patch=patch, device=state.device.type, val_every=25,
        checkpoint_minutes=0.1,  # the checkpoint also redraws curve.png, which the tab shows
    )
    outcome: dict[str, Any] = {}
    state.stop_training.clear()

    def work() -> None:
        try:
            outcome["path"] = train(task, cfg, progress=False, should_stop=state.stop_training.is_set)
        except Exception as e:  # reported to the user; the thread must not die silently
            outcome["error"] = f"{type(e).__name__}: {e}"

    thread = threading.Thread(target=work, name=f"finetune-{task_name}", daemon=True)
    thread.start()
    origin = "from the shipped weights" if start else "from scratch"
    begun = time.monotonic()
    curve = out / "curve.png"
    while thread.is_alive():
        thread.join(poll_seconds)
        stopping = " (stopping)" if state.stop_training.is_set() else ""
        yield FinetuneUpdate(curve if curve.is_file() else None,
                             f"training {task_name} {origin}: {time.monotonic() - begun:.0f} s{stopping}")
    if "error" in outcome:
        raise UiError(f"fine-tuning failed: {outcome['error']}")
    path: Path = outcome["path"]
    training = read_info(path).meta
    metric = next(iter(task.metrics))
    score = training.get("validation", {}).get(metric)
    start_score = training.get("training", {}).get("start_validation", {}).get(metric)
    choice = state.add_finetune(task, path, score, start_score)
    message, better = verdict(task_name, metric, score, start_score, "shipped")
    yield FinetuneUpdate(curve if curve.is_file() else None, f"{message}. Weights: {choice.label}", choice, better)
