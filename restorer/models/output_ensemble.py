"""An output ensemble of classifiers: members of one architecture whose class distributions are averaged.

Where the members agree the mixture keeps their answer; where they disagree it is spread, and a decoding
that fades spread distributions (colorize's AUTO) fades it. The members are trained apart (the file is
made by scripts/weights/make_output_ensemble.py); the ensemble's output is the log of the mean softmax,
which any reader of logits reads as logits."""
from __future__ import annotations

from typing import Any

import torch
from torch import nn


class OutputEnsemble(nn.Module):
    def __init__(self, member: dict[str, Any], count: int = 2) -> None:
        from . import ModelSpec  # the registry imports this module

        super().__init__()
        if count < 1:
            raise ValueError(f"an ensemble needs at least one member, got {count}")
        spec = ModelSpec.from_json(member)
        self.members = nn.ModuleList(spec.build() for _ in range(count))
        self.in_channels = int(getattr(self.members[0], "in_channels", 0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        probs = torch.softmax(self.members[0](x).float(), 1)
        for m in self.members[1:]:
            probs = probs + torch.softmax(m(x).float(), 1)
        return torch.log((probs / len(self.members)).clamp_min(1e-12))
