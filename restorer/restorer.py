"""Restorer: a task with its weights loaded, as a function Photo -> Photo. What the CLI,
the UI, the benchmarks and oldphoto run for one task (tiled prediction: restorer/tiling.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .devices import pick_device
from .imageio import Photo
from .tasks.base import Predictor, Task
from .tiling import TiledPredictor
from .weights import WeightsInfo, load_model, variant_or_own


class LoadedOnFirstUse:
    """A tiled predictor on other weights, loaded when first called: most photos never need an
    alternate (Task.alternates), so a batch does not pay for loading it."""

    def __init__(self, path: Path, task_name: str, device: Any, tile: int | None):
        self.path, self._args, self._predict = path, (task_name, device, tile), None

    def __call__(self, x):
        if self._predict is None:
            task_name, device, tile = self._args
            self._predict = TiledPredictor.create(load_model(self.path, task=task_name)[0], device, tile)
        return self._predict(x)


@dataclass
class Restorer:
    task: Task
    predict: TiledPredictor
    info: WeightsInfo
    # Tasks run first for this one's apply (Task.helpers), with their options: name -> (restorer, options)
    helpers: dict[str, tuple[Restorer, Any]] = field(default_factory=dict)
    # More shipped weights apply may pick per photo (Task.alternates): role -> predictor
    alternates: dict[str, Predictor] = field(default_factory=dict)

    @classmethod
    def load(cls, task: Task, weights: Path | None = None, device: str = "auto", tile: int | None = None,
             options: Any = None, alternates_for: Any = None) -> Restorer:
        """The task's model (`weights`, else the shipped ones for `options`: Task.shipped_stem); with
        `options`, also the helper tasks they ask for (default weights) and, with the shipped weights,
        the alternates they allow. alternates_for: load those for these options even with `weights` given
        (the UI names the shipped file)."""
        from .tasks import TASKS  # the registry imports every task module; only needed here

        path = Path(weights) if weights else variant_or_own(task.shipped_stem(options), task.weights_name)
        model, info = load_model(path, task=task.name)
        dev = pick_device(device)
        helpers = {name: (cls.load(TASKS[name], None, device, tile), opts)
                   for name, opts in (task.helpers(options) if options is not None else {}).items()}
        wanted = alternates_for if alternates_for is not None else (options if weights is None else None)
        alternates: dict[str, Predictor] = {}
        for role, stem in (task.alternates(wanted) if wanted is not None else {}).items():
            if stem in TASKS and stem != task.name:  # another task's model (colorize's hint refiner): only its own file
                other, owner = path.parent / f"{stem}.safetensors", stem
                if not other.is_file():
                    continue  # apply runs without it
            else:
                other, owner = variant_or_own(stem, task.weights_name, path.parent), task.name  # beside the main weights
            if other.resolve() != path.resolve():
                alternates[role] = LoadedOnFirstUse(other, owner, dev, tile)
        return cls(task, TiledPredictor.create(model, dev, tile), info, helpers, alternates)

    def __call__(self, photo: Photo, options: Any) -> Photo:
        if not self.helpers:
            return self.task.apply(photo, options, self.predict, **self._more())
        earlier = {name: helper(photo, opts) for name, (helper, opts) in self.helpers.items()}
        return self.apply_after(photo, options, earlier)

    def apply_after(self, photo: Photo, options: Any, earlier: dict[str, Photo]) -> Photo:
        """apply, given the helper tasks' results already (a pipeline that ran them itself)."""
        return self.task.apply(photo, options, self.predict, earlier=earlier, **self._more())

    def _more(self) -> dict[str, Any]:
        return {"alternates": self.alternates} if self.alternates else {}
