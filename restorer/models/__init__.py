"""The explicit dict of architectures; weights JSON names one of these keys."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from torch import nn

from .autoencoder import ConvAutoencoder
from .unet import RefinedUNet

ARCHITECTURES: dict[str, type[nn.Module]] = {
    "refined_unet": RefinedUNet,
    "conv_autoencoder": ConvAutoencoder,
}


@dataclass(frozen=True)
class ModelSpec:
    """An architecture and its constructor arguments: saved beside the weights."""

    arch: str
    args: dict[str, Any] = field(default_factory=dict)

    def build(self) -> nn.Module:
        if self.arch not in ARCHITECTURES:
            raise ValueError(f"unknown architecture {self.arch!r}; known: {', '.join(ARCHITECTURES)}")
        return ARCHITECTURES[self.arch](**self.args)

    def to_json(self) -> dict[str, Any]:
        return {"arch": self.arch, "args": dict(self.args)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "ModelSpec":
        args = {k: tuple(v) if isinstance(v, list) else v for k, v in data.get("args", {}).items()}
        return cls(data["arch"], args)
