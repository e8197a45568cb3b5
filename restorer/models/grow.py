"""A trained model grown into a larger one that starts by computing exactly what the trained one did:
- more input channels, whose new weights start at zero, so whatever they hold changes nothing (the
  colorizer learns to read colour hints this way: `restore train colorize --from weights/colorize.safetensors`);
- a refinement stage added (RefinedUNet's refine_blocks), whose last layer starts at zero (the
  denoiser: `restore train denoise --from weights/denoise.safetensors --refine-blocks 6`)."""
from __future__ import annotations

import torch
from torch import nn

from . import ModelSpec


def _grows(key: str, was, now, old: dict) -> bool:
    """Whether changing args[key] from `was` to `now` keeps the trained model's outputs."""
    if key == "in_channels":
        return int(now or 0) > int(was or 0)
    if key == "refine_blocks":
        return not was and bool(now)
    return key == "refine_channels" and not old.get("refine_blocks")  # the width of a stage being added


def grows_into(spec: ModelSpec, target: ModelSpec) -> bool:
    """`target` is `spec` grown: more input channels and/or a refinement stage, all else equal."""
    if spec.arch != target.arch or spec == target:
        return False
    old, new = spec.args, target.args
    return all(old.get(k) == new.get(k) or _grows(k, old.get(k), new.get(k), old) for k in set(old) | set(new))


def grow_model(model: nn.Module, spec: ModelSpec, target: ModelSpec) -> tuple[nn.Module, ModelSpec]:
    """(model, spec) as `target` if it is `spec` grown, else unchanged. Every trained tensor is copied;
    one whose input dimension (dim 1) grew gets zeros in the new columns; tensors of a new stage keep
    the initialisation `target.build()` gives them."""
    if not grows_into(spec, target):
        return model, spec
    grown = target.build()
    old = model.state_dict()
    state = {}
    for name, new in grown.state_dict().items():
        was = old.get(name)
        if was is None:
            state[name] = new
        elif was.shape == new.shape:
            state[name] = was
        elif was.dim() >= 2 and was.shape[0] == new.shape[0] and was.shape[2:] == new.shape[2:]:
            state[name] = torch.zeros_like(new)
            state[name][:, : was.shape[1]] = was
        else:
            raise ValueError(f"cannot grow {name}: {tuple(was.shape)} -> {tuple(new.shape)}")
    grown.load_state_dict(state)
    return grown.to(next(model.parameters()).device).train(model.training), target
