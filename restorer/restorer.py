"""Restorer: a task with its weights loaded, as a function Photo -> Photo. What the CLI,
the UI, the benchmarks and oldphoto run for one task (tiled prediction: restorer/tiling.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .devices import pick_device
from .imageio import Photo
from .tasks.base import Task
from .tiling import TiledPredictor
from .weights import WeightsInfo, load_model, variant_or_own


@dataclass
class Restorer:
    task: Task
    predict: TiledPredictor
    info: WeightsInfo
    # Tasks run first for this one's apply (Task.helpers), with their options: name -> (restorer, options)
    helpers: dict[str, tuple[Restorer, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, task: Task, weights: Path | None = None, device: str = "auto", tile: int | None = None,
             options: Any = None) -> Restorer:
        """The task's model (`weights`, else the shipped ones for `options`: Task.shipped_stem); with
        `options`, also the helper tasks they ask for (default weights)."""
        from .tasks import TASKS  # the registry imports every task module; only needed here

        model, info = load_model(weights or variant_or_own(task.shipped_stem(options), task.weights_name), task=task.name)
        helpers = {name: (cls.load(TASKS[name], None, device, tile), opts)
                   for name, opts in (task.helpers(options) if options is not None else {}).items()}
        return cls(task, TiledPredictor.create(model, pick_device(device), tile), info, helpers)

    def __call__(self, photo: Photo, options: Any) -> Photo:
        if not self.helpers:
            return self.task.apply(photo, options, self.predict)
        earlier = {name: helper(photo, opts) for name, (helper, opts) in self.helpers.items()}
        return self.apply_after(photo, options, earlier)

    def apply_after(self, photo: Photo, options: Any, earlier: dict[str, Photo]) -> Photo:
        """apply, given the helper tasks' results already (a pipeline that ran them itself)."""
        return self.task.apply(photo, options, self.predict, earlier=earlier)
