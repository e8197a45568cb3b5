"""The one training loop for every task: validation, checkpoints and resume,
mixed precision on GPU, DistributedDataParallel under torchrun."""
from __future__ import annotations

import json
import logging
import math
import os
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from ..devices import cpu_autocast_dtype, pick_device
from ..models import ModelSpec
from ..models.grow import grow_model
from ..tasks.base import Task
from ..weights import chained_training, load_model, save_weights
from .config import TrainConfig
from .curve import save_curve
from .data import (
    LabelledStream,
    SampleStream,
    collate,
    held_out_split,
    labelled_validation,
    list_images,
    load_labelled,
    load_rgb,
    validation_samples,
)
from .checkpoint import continued_state, model_from_checkpoint, read_checkpoint, write_checkpoint
from .ema import WeightAverage

log = logging.getLogger(__name__)
VAL_SIZE = 256


class Distributed:
    """torchrun sets WORLD_SIZE/RANK/LOCAL_RANK; without them this is a no-op."""

    def __init__(self, device: torch.device) -> None:
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.device = device
        if self.world > 1 and not torch.distributed.is_initialized():
            torch.distributed.init_process_group("nccl" if device.type == "cuda" else "gloo")

    @property
    def main(self) -> bool:
        return self.rank == 0

    def wrap(self, model: nn.Module, device: torch.device) -> nn.Module:
        if self.world == 1:
            return model
        ids = [device.index] if device.type == "cuda" else None
        return nn.parallel.DistributedDataParallel(model, device_ids=ids)

    def any(self, flag: bool) -> bool:
        """True on every rank if it is true on any: ranks must stop on the same step."""
        if self.world == 1:
            return flag
        t = torch.tensor([float(flag)], device=self.device)
        torch.distributed.all_reduce(t, op=torch.distributed.ReduceOp.MAX)
        return bool(t.item())

    def barrier(self) -> None:
        if self.world > 1:
            torch.distributed.barrier()


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def _device_for(cfg: TrainConfig) -> torch.device:
    device = pick_device(cfg.device)
    if device.type == "cuda" and "LOCAL_RANK" in os.environ:
        device = torch.device("cuda", int(os.environ["LOCAL_RANK"]))
        torch.cuda.set_device(device)
    return device


@torch.no_grad()
def evaluate(model: nn.Module, task: Task, samples, device: torch.device) -> dict[str, float]:
    modes = [(m, m.training) for m in model.modules()]  # restored after: frozen BatchNorm stays frozen
    model.eval()
    totals: dict[str, float] = {k: 0.0 for k in task.metrics}
    for s in samples:
        batch = {k: v.to(device) for k, v in collate([s]).items()}
        pred = model(batch["input"]).float()
        for k, fn in task.metrics.items():
            totals[k] += fn(pred, batch)
    for m, training in modes:
        m.training = training
    return {k: v / max(1, len(samples)) for k, v in totals.items()}


def _prepare_data(task: Task, cfg: TrainConfig, patch: int, seed: int):
    """(endless training stream, fixed validation samples, held-out clean photos (None for a
    labelled folder), number of training images)."""
    if cfg.val:
        train_paths, val_paths = list_images(cfg.data), list_images(cfg.val)
    else:
        train_paths, val_paths = held_out_split(cfg.data, cfg.seed)
    if cfg.masks:  # the user's own labels
        train_pairs = load_labelled(train_paths, cfg.masks, cfg.classes, min_size=32)
        if not train_pairs:
            raise ValueError(f"{cfg.data}: no usable training images")
        val = labelled_validation(load_labelled(val_paths, cfg.masks, cfg.classes, min_size=32), VAL_SIZE)
        return LabelledStream(train_pairs, patch, seed), val, None, len(train_pairs)
    train_images = load_rgb(train_paths, min_size=32)
    if not train_images:
        raise ValueError(f"{cfg.data}: no usable training images")
    val_images = load_rgb(val_paths, min_size=32)
    val = validation_samples(val_images, task, VAL_SIZE)
    return SampleStream(train_images, task, patch, seed, cfg.shrink), val, val_images, len(train_images)


@dataclass
class _Run:
    """What one training run holds between its steps (see train)."""

    task: Task
    cfg: TrainConfig
    device: torch.device
    dist: Distributed
    out: Path
    spec: ModelSpec
    model: nn.Module
    opt: torch.optim.Optimizer
    state: dict
    ckpt: dict | None  # the checkpoint resumed from

    @property
    def ckpt_path(self) -> Path:
        return self.out / "checkpoint.pt"


def _set_up(task: Task, cfg: TrainConfig) -> _Run:
    """The model to train: the task's architecture, --from weights (--continue: with their training
    state), or the --resume checkpoint."""
    if cfg.freeze_bn and not (cfg.from_weights or cfg.resume):
        raise ValueError("--freeze-bn holds trained statistics: give --from WEIGHTS or --resume")
    if cfg.train_new_only and not (cfg.from_weights or cfg.resume):
        raise ValueError("--train-new-only trains what --from WEIGHTS lack: give --from WEIGHTS (or --resume such a run)")
    if cfg.continue_training and (cfg.resume or not cfg.from_weights):
        raise ValueError("--continue goes on with the training of --from WEIGHTS; --resume goes on from "
                         "<out>/checkpoint.pt: give --from WEIGHTS --continue, or --resume")
    device = _device_for(cfg)
    dist = Distributed(device)
    _seed_everything(cfg.seed + dist.rank)
    out = Path(cfg.out or Path("runs") / task.name)
    spec, frozen = task.model, []
    if cfg.from_weights:
        model, info = load_model(cfg.from_weights, task=task.name)
        given = [name for name, _ in model.named_parameters()]
        model, spec = grow_model(model, info.spec, task.model)  # e.g. a colorizer learning to read hints
        if cfg.train_new_only:
            if len(given) == len(list(model.parameters())):
                raise ValueError(f"--train-new-only: {cfg.from_weights} already holds every weight of the model "
                                 "trained: nothing new to train (grow it, e.g. denoise --refine-blocks 6)")
            frozen = given
        have, want = spec.args.get("in_channels"), task.model.args.get("in_channels")
        if have is not None and want is not None and have != want:
            raise ValueError(f"{cfg.from_weights}: the model reads {have} input channels, the training samples "
                             f"as set up have {want}: give the model option it was trained with (e.g. colorize --hint-inputs)")
    else:
        model = spec.build()
    _place(model, device).train()
    state = {"step": 0, "minutes": 0.0, "loss": [], "val": [], **({"frozen": frozen} if frozen else {})}
    parent = info.meta.get("training") if cfg.from_weights and not cfg.continue_training else None
    if isinstance(parent, dict) and parent:  # a fine-tune's record goes on from its parent's (a hand-edited one is skipped)
        state["parent"] = parent
    _freeze(model, frozen)
    run = _Run(task, cfg, device, dist, out, spec, model, _adam(model, cfg.lr), state, None)
    if cfg.resume:
        _resume(run)
    elif cfg.continue_training:  # as _resume would from a checkpoint rebuilt from the weights, with a fresh optimiser
        run.state = continued_state(run.model, info.meta, task.training.uncalibrate) | ({"frozen": frozen} if frozen else {})
        _seed_everything(cfg.seed + dist.rank + run.state["step"])
    if cfg.freeze_bn:
        for m in run.model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.eval()
    return run


def _place(model: nn.Module, device: torch.device) -> nn.Module:
    """On the device, channels-last on a CPU (1.3x a denoise step in float32; history/general.md)."""
    return model.to(device, memory_format=torch.channels_last) if device.type == "cpu" else model.to(device)


def _freeze(model: nn.Module, names: list[str]) -> None:
    """Hold these parameters as they are (--train-new-only): no gradient, so no backward pass through them."""
    held = set(names)
    for name, p in model.named_parameters():
        p.requires_grad_(name not in held)


def _adam(model: nn.Module, lr: float) -> torch.optim.Optimizer:
    return torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)


def _resume(run: _Run) -> None:
    run.ckpt = read_checkpoint(run.ckpt_path, run.device)
    run.spec, run.model = model_from_checkpoint(run.ckpt, run.ckpt_path, run.device)
    _place(run.model, run.device)
    _freeze(run.model, run.ckpt["state"].get("frozen", []))
    run.opt = _adam(run.model, run.cfg.lr)
    try:
        run.opt.load_state_dict(run.ckpt["optimizer"])
        run.state = {k: run.ckpt["state"][k] for k in ("step", "minutes", "loss", "val")}
        if "frozen" in run.ckpt["state"]:  # --train-new-only: later checkpoints hold the same weights
            run.state["frozen"] = run.ckpt["state"]["frozen"]
        run.state["start"] = run.ckpt["state"].get("start")
        if "parent" in run.ckpt["state"]:
            run.state["parent"] = run.ckpt["state"]["parent"]
    except (ValueError, KeyError, TypeError) as e:
        raise ValueError(f"{run.ckpt_path}: optimiser state does not match the model ({e})") from None
    _seed_everything(run.cfg.seed + run.dist.rank + run.state["step"])  # fresh but repeatable crops after resume


def _weight_average(run: _Run) -> WeightAverage | None:
    if run.cfg.ema <= 0 or not run.dist.main:
        return None
    average = WeightAverage(run.model, run.cfg.ema)  # starts from the starting weights
    if run.ckpt is not None and "ema" in run.ckpt:  # a checkpoint without one (older, or rebuilt from weights) starts it here
        try:
            average.load_state_dict(run.ckpt["ema"])
        except (RuntimeError, KeyError, TypeError) as e:
            raise ValueError(f"{run.ckpt_path}: weight average does not match the model ({str(e).splitlines()[0]})") from None
    return average


def _autocast_dtype(device: torch.device) -> torch.dtype | None:
    """What a training step computes in: float16 on CUDA; on a CPU that computes bfloat16 natively,
    bfloat16 (2.5-4.4x a step, the weights and optimiser still float32: history/general.md;
    RESTORER_PRECISION=float32 turns it off, as for inference); else float32 (None)."""
    return torch.float16 if device.type == "cuda" else cpu_autocast_dtype() if device.type == "cpu" else None


def _set_lr(run: _Run, minutes_before: float, run_minutes: float) -> None:
    frac = run.cfg.budget_fraction(run.state["step"], minutes_before + run_minutes, minutes_before)
    for g in run.opt.param_groups:
        g["lr"] = run.cfg.lr * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * frac)))


def train(task: Task, cfg: TrainConfig, progress: bool = True, should_stop: Callable[[], bool] | None = None) -> Path:
    """Train or fine-tune `task`'s model; returns the path of the weights written.
    should_stop: polled every step (the UI's Stop button); a stop ends the run as its budget would."""
    if cfg.masks:
        if task.training.for_labels is None:
            raise ValueError(f"{task.name} does not train on label masks (--masks)")
        task = task.training.for_labels(task, cfg.classes)
    task = task.with_loss(cfg.loss)
    run = _set_up(task, cfg)
    model, state, dist, device, out = run.model, run.state, run.dist, run.device, run.out
    stream, val, held_out, n_train = _prepare_data(task, cfg, cfg.patch or task.patch, cfg.seed + 1000 * dist.rank + state["step"])
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)  # only now: a run that cannot start leaves no empty folder
    if task.training.initialise is not None and not cfg.from_weights and not cfg.resume and not cfg.masks:
        task.training.initialise(model, stream.images)  # in place; same images and seed on every rank: same start
    metric = next(iter(task.metrics))
    if cfg.from_weights and not (cfg.resume or cfg.continue_training) and dist.main:  # what fine-tuning has to beat
        state["start"] = evaluate(model, task, val, device)[metric]
        state["val"].append((0, state["start"]))
    average = _weight_average(run)  # after initialise: the average starts from the starting weights
    final = average.model if average is not None else model  # what is validated and saved
    net = dist.wrap(model, device)
    loader = iter(torch.utils.data.DataLoader(stream, batch_size=cfg.batch_size, collate_fn=collate, num_workers=cfg.workers))
    low = _autocast_dtype(device)
    scaler = torch.amp.GradScaler("cuda", enabled=low == torch.float16)  # bfloat16 has float32's range: no scaling

    def checkpoint() -> None:
        if not dist.main:
            return
        write_checkpoint(run.ckpt_path, run.spec, model, run.opt, state, _jsonable(cfg), average.state_dict() if average else None)
        save_curve(out / "curve.png", state["loss"], state["val"], metric, state.get("start"))

    minutes_before = state["minutes"]
    started = last_ckpt = time.monotonic()
    stop = should_stop or (lambda: False)
    bar = tqdm(desc=f"train {task.name}", total=cfg.steps, initial=state["step"], disable=not (progress and dist.main), unit="step")
    running = None
    try:
        while not dist.any(cfg.finished(state["step"], (time.monotonic() - started) / 60) or stop()):
            _set_lr(run, minutes_before, (time.monotonic() - started) / 60)
            batch = {k: v.to(device, non_blocking=True) for k, v in next(loader).items()}
            with torch.autocast(device.type, dtype=low or torch.float32, enabled=low is not None):
                loss = task.training_loss(net, batch)
            run.opt.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(run.opt)
            scaler.update()
            if average is not None:
                average.update(model)
            state["step"] += 1
            running = loss.item() if running is None else 0.98 * running + 0.02 * loss.item()
            if state["step"] % 20 == 0 or state["step"] < 20:  # every step at first: a short run still has a curve
                state["loss"].append((state["step"], running))
            if state["step"] % cfg.val_every == 0 and dist.main:
                scores = evaluate(final, task, val, device)
                state["val"].append((state["step"], scores[metric]))
                _log_line(out, state, scores, minutes_before + (time.monotonic() - started) / 60)
            bar.update(1)
            bar.set_postfix({"loss": f"{running:.4f}", **({f"val_{metric}": f"{state['val'][-1][1]:.2f}"} if state["val"] else {})})
            state["minutes"] = minutes_before + (time.monotonic() - started) / 60
            if (time.monotonic() - last_ckpt) / 60 >= cfg.checkpoint_minutes:
                checkpoint()
                last_ckpt = time.monotonic()
    except KeyboardInterrupt:
        checkpoint()
        bar.close()
        raise
    except Exception:  # a run that fails before writing anything (a loss the samples do not fit) leaves no folder
        bar.close()
        if created and out.is_dir() and not any(out.iterdir()):
            out.rmdir()
        raise
    bar.close()
    return _finish(run, final, val, held_out, n_train, checkpoint)


def _finish(run: _Run, final: nn.Module, val: list, held_out, n_train: int, checkpoint: Callable[[], None]) -> Path:
    """Validate, checkpoint, calibrate (segment) and save the weights with how they were trained."""
    task, state, dist, device, cfg = run.task, run.state, run.dist, run.device, run.cfg
    metric = next(iter(task.metrics))
    scores = evaluate(final, task, val, device) if dist.main else {}
    if dist.main:
        state["val"].append((state["step"], scores[metric]))
        _log_line(run.out, state, scores, state["minutes"])
    checkpoint()
    dist.barrier()
    path = run.out / f"{task.weights_name}.safetensors"
    if dist.main:
        calibration = {}
        hooks = task.training
        if hooks.calibrate is not None:  # after the checkpoint: a resumed run trains the uncalibrated model
            use_photos = held_out is not None and hooks.calibration_samples is not None
            samples = hooks.calibration_samples(held_out) if use_photos else val
            calibration = hooks.calibrate(final, [collate([s]) for s in samples], device)
            scores = evaluate(final, task, val, device)
        training = {
            "command": "restore train",
            "config": _jsonable(cfg),
            "samples": task.make_sample.__name__,  # what a task's training options chose (e.g. denoise --noise)
            "steps": state["step"],
            "minutes": round(state["minutes"], 2),
            "device": str(device),
            "precision": str(_autocast_dtype(device) or torch.float32).removeprefix("torch."),
            "world_size": dist.world,
            "train_images": n_train,
            "val_images": len(val),
            **({"calibration": calibration} if calibration else {}),
            # the starting weights' score on the same validation images: what the run had to beat
            **({"start_validation": {metric: round(state["start"], 3)}} if state.get("start") is not None else {}),
        }
        if state.get("parent"):
            training = chained_training(state["parent"], training)
        save_weights(final, run.spec, path, task.name, training=training, validation={k: round(v, 3) for k, v in scores.items()})
    return path


def _jsonable(cfg: TrainConfig) -> dict:
    return {k: str(v) if isinstance(v, Path) else v for k, v in asdict(cfg).items()}


def _log_line(out: Path, state: dict, scores: dict[str, float], minutes: float) -> None:
    with open(out / "log.jsonl", "a") as f:
        f.write(json.dumps({"step": state["step"], "minutes": round(minutes, 2), **{k: round(v, 4) for k, v in scores.items()}}) + "\n")
