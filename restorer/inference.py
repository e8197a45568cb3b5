"""From a task and its weights to a function Photo -> Photo, shared by the
CLI and the UI."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


from .engine import TiledPredictor, pick_device
from .imageio import Photo
from .tasks.base import Task
from .weights import WeightsInfo, default_weights, load_model


@dataclass
class Restorer:
    task: Task
    predict: TiledPredictor
    info: WeightsInfo

    @classmethod
    def load(cls, task: Task, weights: Path | None = None, device: str = "auto", tile: int | None = None) -> "Restorer":
        model, info = load_model(weights or default_weights(task.weights_name), task=task.name)
        return cls(task, TiledPredictor.create(model, pick_device(device), tile), info)

    def __call__(self, photo: Photo, options: Any) -> Photo:
        return self.task.apply(photo, options, self.predict)
