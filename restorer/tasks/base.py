"""What a task is. Trainer, inference, CLI and UI read these fields and never
branch on a task's name."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import torch

from ..imageio import Photo
from ..metrics import psnr_torch
from ..models import ModelSpec

# A training sample: BasicSR-style dict of CxHxW float32 arrays, at least
# "input" (what the model sees) and "target" (what it should give back).
Sample = dict[str, np.ndarray]


class Predictor(Protocol):
    """Runs a model over a CxHxW float32 array of any size (tiling inside)."""

    def __call__(self, x: np.ndarray) -> np.ndarray: ...


LossFn = Callable[[torch.Tensor, dict[str, torch.Tensor]], torch.Tensor]


def l1_loss(pred: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    return torch.nn.functional.l1_loss(pred, batch["target"])


def mse_loss(pred: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    return torch.nn.functional.mse_loss(pred, batch["target"])


# 0.5 of an 8-bit step, squared: a floor so a clean sample (sigma 0) does not outweigh the batch
PSNR_LOSS_FLOOR = (0.5 / 255) ** 2


def psnr_loss(pred: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """Minus the mean per-sample PSNR (NAFNet's PSNR loss): every sample's error counts in dB, so
    lightly corrupted samples, whose squared error is small, are not outweighed by heavy ones as
    they are in the MSE of the whole batch. Benchmarks report the mean of per-photo PSNR."""
    per_sample = (pred - batch["target"]).pow(2).flatten(1).mean(1)
    return 10 * torch.log10(per_sample + PSNR_LOSS_FLOOR).mean()


def no_extras(options: Any) -> dict[str, Callable[[Photo, Photo], Photo]]:
    return {}


def no_helpers(options: Any) -> dict[str, Any]:
    return {}


def no_variant(options: Any) -> str | None:
    return None


def no_alternates(options: Any) -> dict[str, str]:
    return {}


def psnr_metric(pred: torch.Tensor, batch: dict[str, torch.Tensor]) -> float:
    return psnr_torch(pred.clamp(0, 1), batch["target"])


@dataclass(frozen=True)
class OutputNaming:
    """How `restore <task>` (and the UI) name what it writes; the defaults keep the input's name and format."""

    # The result of photo.jpg is photo<suffix>.<format> (segment: photo_mask.png); None keeps the
    # input's format. --suffix and --format still apply.
    suffix: str = ""
    format: str | None = None
    # Further files the options ask for: {name tag: fn(input photo, result) -> Photo},
    # written as photo<tag>.<format> beside the result (segment --overlay: photo_overlay.png).
    extras: Callable[[Any], dict[str, Callable[[Photo, Photo], Photo]]] = no_extras


@dataclass(frozen=True)
class TrainingHooks:
    """What `restore train` does for a task beyond make_sample, loss and metrics. Every field is
    optional; the defaults are the plain case (train `model` from its own init on clean images)."""

    # objective(model, batch) -> loss, for losses that need more of the model than its
    # output (an autoencoder's code); None: loss(model(batch["input"]), batch).
    objective: Callable[[torch.nn.Module, dict[str, torch.Tensor]], torch.Tensor] | None = None
    # dataclass of model options (`restore train` flags) with .spec() -> ModelSpec, or .task(task) -> Task for
    # options that change more than the model (denoise's training noise); None: `model` as is.
    model_options: type | None = None
    # initialise(model, training images as HxWx3 uint8): data-driven starting weights when
    # training from scratch (morph: the PCA solution); None: the architecture's own init.
    initialise: Callable[[torch.nn.Module, list[np.ndarray]], None] | None = None
    # tasks `restore train <name>` trains after this one, each into <out>/<companion>/.
    companions: tuple[str, ...] = ()
    # calibrate(model, validation batches, device) -> record for the weights JSON: adjusts the
    # trained model in place before it is saved (segment: the decision threshold); None: nothing.
    calibrate: Callable[[torch.nn.Module, list[dict[str, torch.Tensor]], torch.device], dict] | None = None
    # uncalibrate(model, that record): calibrate's adjustment taken out again, in place, so that
    # `restore train --from W --continue` trains the model the trainer trained (it recalibrates at the end).
    uncalibrate: Callable[[torch.nn.Module, dict], None] | None = None
    # calibration_samples(held-out clean photos as HxWx3 uint8) -> what calibrate scores;
    # None: the validation crops. (A user's own labelled folder always uses its validation crops.)
    calibration_samples: Callable[[list[np.ndarray]], list[Sample]] | None = None
    # for_labels(task, N): the task retrained on a user's own label masks with N classes
    # (`restore train --masks`); None: the task learns from clean images only.
    for_labels: Callable[[Task, int], Task] | None = None


@dataclass(frozen=True)
class Task:
    name: str  # also the stem of its weights: weights/<name>.safetensors
    summary: str  # one line, shown by --help, `restore models` and the UI
    options: type  # dataclass of the user's inference options (CLI and UI are built from it)
    model: ModelSpec  # architecture used when training from scratch
    make_sample: Callable[[np.ndarray, np.random.Generator], Sample]  # clean HxWx3 -> Sample
    apply: Callable[[Photo, Any, Predictor], Photo]  # inference on one photo
    loss: LossFn = l1_loss
    # Other losses `restore train --loss NAME` may train with instead (mse: L1 learns the
    # per-pixel median, PSNR rewards the mean, so an MSE stage can finish an L1 run).
    losses: dict[str, LossFn] = field(default_factory=dict)
    # The make_sample a named loss trains on when it reads more than make_sample gives (segment's repair-weighted:
    # each pixel's repair cost); every other loss trains on make_sample, which skips that work.
    loss_samples: dict[str, Callable[[np.ndarray, np.random.Generator], Sample]] = field(default_factory=dict)
    metrics: dict[str, Callable[[torch.Tensor, dict[str, torch.Tensor]], float]] = field(
        default_factory=lambda: {"psnr": psnr_metric}
    )
    patch: int = 128  # training crop size
    rotate: bool = True  # 90-degree turns as augmentation (off where up matters: sky is blue on top)
    # Long side (px) each training image is resized to before cropping, jittered by up to
    # TRAIN_SIDE_JITTER either way: tasks that predict at a fixed scale (colorize) then learn
    # objects at the size inference shows them. None: native resolution.
    train_side: int | None = None
    # Other tasks whose results apply needs under these options, {task name: its options}
    # (inpaint --auto needs the damage detector): run first on the same photo, their
    # results reach apply as the keyword argument earlier={task name: result}.
    helpers: Callable[[Any], dict[str, Any]] = no_helpers
    # weights_variant(options) -> the stem of other shipped weights these options run on by default
    # (denoise with its level estimated: weights fine-tuned on camera noise); None: the task's own.
    # --weights and the UI's weights selector still choose any file.
    weights_variant: Callable[[Any], str | None] = no_variant
    # alternates(options) -> {role: weights stem}: more shipped weights apply may pick per photo under these
    # options (blind denoise: the Gaussian-files weights when the noise it removed is white). Loaded beside
    # the shipped weights only (a chosen weights file runs alone); apply gets them as alternates={role: Predictor}.
    # A stem naming another task is that task's model (colorize's hint refiner), used only where its file is.
    alternates: Callable[[Any], dict[str, str]] = no_alternates
    command: bool = True  # False: no generated `restore <name> PATH...` (the task has its own command)
    output: OutputNaming = OutputNaming()
    training: TrainingHooks = TrainingHooks()

    def with_loss(self, name: str | None) -> Task:
        """This task training with `losses[name]` (and the samples it reads); None: its own loss."""
        if name is None:
            return self
        if name not in self.losses:
            known = ", ".join(self.losses) or "none"
            raise ValueError(f"{self.name} has no loss {name!r} (other losses: {known})")
        return dataclasses.replace(self, loss=self.losses[name], make_sample=self.loss_samples.get(name, self.make_sample))

    def training_loss(self, model: torch.nn.Module, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        if self.training.objective is not None:
            return self.training.objective(model, batch)
        return self.loss(model(batch["input"]).float(), batch)

    @property
    def weights_name(self) -> str:
        """The file stem of its weights (weights/<stem>.safetensors, <out>/<stem>.safetensors after training)."""
        return self.name

    def shipped_stem(self, options: Any = None) -> str:
        """The stem of the shipped weights that run these options (weights_variant's, else weights_name)."""
        return (self.weights_variant(options) if options is not None else None) or self.weights_name
