"""A residual-block network for upscaling (EDSR without batch norm, Lim et al. 2017), run on
a space-to-depth view of an image already upscaled by bicubic interpolation.

Why this shape: the classical answer (bicubic) is the starting point and the network learns
only the correction, so it starts as bicubic (last layer zero-initialised) and trains on a CPU.
Working on a pixel-unshuffled view keeps every input pixel while the residual blocks run at a
quarter of the output's pixels, and pixel shuffle at the end avoids checkerboard artefacts.
Input and output have the same size, so tiled prediction works as for every other task.
Knows nothing about training.
"""
from __future__ import annotations

import torch
from torch import nn


class ResBlock(nn.Module):
    def __init__(self, channels: int, scale: float) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
        self.scale = scale  # residual scaling (EDSR): keeps deep stacks stable without batch norm

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.scale * self.conv2(torch.relu(self.conv1(x)))


class UnshuffledResNet(nn.Module):
    """out = x[:, :out_channels] + shuffle(tail(body(head(unshuffle(x))))).

    in_channels: the upscaled image plus constant condition maps (scale, degradation mode).
    unshuffle: space-to-depth factor; inputs must be a multiple of it (`multiple`).
    """

    def __init__(self, in_channels: int = 5, out_channels: int = 3, channels: int = 48, blocks: int = 8,
                 unshuffle: int = 2, res_scale: float = 0.2) -> None:
        super().__init__()
        self.out_channels = out_channels
        self.multiple = unshuffle
        u2 = unshuffle * unshuffle
        self.unshuffle = nn.PixelUnshuffle(unshuffle)
        self.shuffle = nn.PixelShuffle(unshuffle)
        self.head = nn.Conv2d(in_channels * u2, channels, 3, padding=1)
        self.body = nn.Sequential(*(ResBlock(channels, res_scale) for _ in range(blocks)),
                                  nn.Conv2d(channels, channels, 3, padding=1))
        self.tail = nn.Conv2d(channels, out_channels * u2, 3, padding=1)
        nn.init.zeros_(self.tail.weight)
        nn.init.zeros_(self.tail.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.head(self.unshuffle(x))
        features = features + self.body(features)
        return x[:, : self.out_channels] + self.shuffle(self.tail(features))
