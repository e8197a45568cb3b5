"""Training checkpoints: what `--resume` reads back. Read with torch's weights-only
loader, which rebuilds tensors and plain containers and nothing else: a checkpoint is
a file people share, and a full pickle can run any code while it loads."""
from __future__ import annotations

import pickle
import warnings
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

from ..atomic import write_atomically
from ..models import ModelSpec

KEYS = ("spec", "model", "optimizer", "state", "config")


def write_checkpoint(path: Path, spec: ModelSpec, model: nn.Module, optimizer: torch.optim.Optimizer,
                     state: dict, config: dict, average_state: dict | None = None) -> None:
    """Written atomically (an interrupted save keeps the last checkpoint); only tensors,
    numbers, strings and containers of them, so the weights-only loader reads it."""
    data = {"spec": spec.to_json(), "model": model.state_dict(), "optimizer": optimizer.state_dict(),
            "state": state, "config": config, **({"ema": average_state} if average_state else {})}
    write_atomically(path, lambda f: torch.save(data, f))


def continued_state(model: nn.Module, meta: dict, uncalibrate: Callable[[nn.Module, dict], None] | None) -> dict:
    """`restore train --from W --continue`: the training state a checkpoint rebuilt from W would
    hold (W's step count and minutes, so the LR schedule goes on where W's training left it; no
    loss or validation history). `meta` is W's JSON, `model` W's weights; a calibration the
    trainer folded into them is taken out, in place, as the trainer trains the uncalibrated model
    and recalibrates at its end. ValueError when W holds no `restore train` record."""
    record = meta.get("training") or {}
    if "steps" not in record or "minutes" not in record:
        raise ValueError("--continue: these weights hold no `restore train` record (steps and minutes) to "
                         "continue; --from alone fine-tunes them")
    if "calibration" in record and uncalibrate is not None:
        uncalibrate(model, record["calibration"])
    return {"step": int(record["steps"]), "minutes": float(record["minutes"]), "loss": [], "val": []}


def _first_line(e: BaseException) -> str:
    text = " ".join(str(e).split("\n", 1)[0].split())
    return text[:200] or type(e).__name__


def read_checkpoint(path: Path, device: torch.device) -> dict:
    """The checkpoint's dict; ValueError with one line naming the file for anything else."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"{path}: nothing to resume")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pickle-protocol notes meant for torch's developers
            ckpt = torch.load(path, map_location=device, weights_only=True)
    except pickle.UnpicklingError:  # damaged, or it names classes or functions: either way, not loaded
        raise ValueError(f"{path}: refused: not a checkpoint of tensors and plain data (damaged, or holding "
                         "objects that could run code when loaded)") from None
    except Exception as e:  # truncated or not a torch file: zip, pickle and EOF errors of several types
        raise ValueError(f"{path}: not a readable checkpoint ({_first_line(e)})") from None
    missing = [k for k in KEYS if not isinstance(ckpt, dict) or k not in ckpt]
    if missing:
        raise ValueError(f"{path}: not a restore checkpoint (missing {', '.join(missing)})")
    return ckpt


def model_from_checkpoint(ckpt: dict, path: Path, device: torch.device) -> tuple[ModelSpec, nn.Module]:
    """(spec, model with the checkpoint's weights); ValueError naming the file if they do not fit."""
    try:
        spec = ModelSpec.from_json(ckpt["spec"])
        model = spec.build().to(device).train()
        model.load_state_dict(ckpt["model"])
    except Exception as e:  # unknown architecture, wrong shapes or keys
        raise ValueError(f"{path}: checkpoint does not match its model ({_first_line(e)})") from None
    return spec, model
