"""An exponential moving average of the weights (as BasicSR and timm keep):
validated and saved in place of the last step's weights, which carry the
noise of the last few batches."""
from __future__ import annotations

import copy

import torch
from torch import nn


class WeightAverage:
    """`decay` per step, warmed up as min(decay, (1 + n) / (10 + n)) over its n updates so
    that a short fine-tune is not dragged back to its starting weights."""

    def __init__(self, model: nn.Module, decay: float) -> None:
        self.decay = decay
        self.updates = 0
        self.model = copy.deepcopy(model).eval().requires_grad_(False)

    def current_decay(self) -> float:
        return min(self.decay, (1 + self.updates) / (10 + self.updates))

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        d = self.current_decay()
        mine, theirs = self.model.state_dict(), model.state_dict()
        floats = [k for k, v in mine.items() if v.is_floating_point()]
        torch._foreach_lerp_([mine[k] for k in floats], [theirs[k].detach() for k in floats], 1.0 - d)
        for k, v in mine.items():  # counters (BatchNorm's num_batches_tracked) are copied
            if not v.is_floating_point():
                v.copy_(theirs[k])
        self.updates += 1

    def state_dict(self) -> dict:
        return {"model": self.model.state_dict(), "updates": self.updates}

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.updates = state["updates"]
