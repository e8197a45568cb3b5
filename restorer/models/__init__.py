"""The explicit dict of architectures; weights JSON names one of these keys."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from torch import nn

from .autoencoder import ConvAutoencoder
from .colournet import ColourTransformNet
from .output_ensemble import OutputEnsemble
from .srnet import UnshuffledResNet
from .unet import RefinedUNet

ARCHITECTURES: dict[str, type[nn.Module]] = {
    "refined_unet": RefinedUNet,
    "conv_autoencoder": ConvAutoencoder,
    "unshuffled_resnet": UnshuffledResNet,
    "colour_transform": ColourTransformNet,
    "output_ensemble": OutputEnsemble,
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
    def from_json(cls, data: dict[str, Any]) -> ModelSpec:
        args = {k: tuple(v) if isinstance(v, list) else v for k, v in data.get("args", {}).items()}
        return cls(data["arch"], args)


def cpu_unet(in_channels: int, out_channels: int, **more: Any) -> ModelSpec:
    """The project's CPU-trainable RefinedUNet: resnet18 to 1/16 (its 1/32 stage dropped)
    and a slim decoder, 3.6M parameters, a 7 MB fp16 file, 2 s/step at 16x128x128 on
    2 cores (resnet34: 4 s). Every task starts from it; `more` sets task-specific args."""
    return ModelSpec("refined_unet", {"in_channels": in_channels, "out_channels": out_channels, "encoder": "resnet18",
                                      "encoder_depth": 4, "decoder_channels": (128, 64, 32, 32), **more})
