"""A trained model grown to take more input channels: the new channels' weights start at zero, so
the grown model computes exactly what the trained one did whatever the new channels hold. The
colorizer learns to read colour hints this way, fine-tuned from the automatic one (`restore train
colorize --from weights/colorize.safetensors`), starting as exactly it."""
from __future__ import annotations

import torch
from torch import nn

from . import ModelSpec


def _without_inputs(spec: ModelSpec) -> tuple[str, dict]:
    return spec.arch, {k: v for k, v in spec.args.items() if k != "in_channels"}


def grows_into(spec: ModelSpec, target: ModelSpec) -> bool:
    """`target` is `spec` with more input channels."""
    return _without_inputs(spec) == _without_inputs(target) and \
        int(target.args.get("in_channels", 0)) > int(spec.args.get("in_channels", 0))


def grow_inputs(model: nn.Module, spec: ModelSpec, target: ModelSpec) -> tuple[nn.Module, ModelSpec]:
    """(model, spec) as `target` if it is `spec` with more input channels, else unchanged. Every
    tensor is copied; one whose input dimension (dim 1) grew gets zeros in the new columns."""
    if not grows_into(spec, target):
        return model, spec
    grown = target.build()
    old = model.state_dict()
    state = {}
    for name, new in grown.state_dict().items():
        was = old[name]
        if was.shape == new.shape:
            state[name] = was
        elif was.dim() >= 2 and was.shape[0] == new.shape[0] and was.shape[2:] == new.shape[2:]:
            state[name] = torch.zeros_like(new)
            state[name][:, : was.shape[1]] = was
        else:
            raise ValueError(f"cannot grow {name}: {tuple(was.shape)} -> {tuple(new.shape)}")
    grown.load_state_dict(state)
    return grown.to(next(model.parameters()).device).train(model.training), target
