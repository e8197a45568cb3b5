"""A global colour transform predicted from a small view of the whole image, plus a small local
residual: for corrections that are mostly the same function of colour everywhere (a faded print's
cast, contrast and black level), as HDRNet-style enhancement networks do (Gharbi et al. 2017).

out = g + local([x, g]), g = curves(M x[:, :3] + b): a 3x3 colour matrix with offsets, then a
piecewise-linear curve per channel, both predicted from statistics of a downsampled view. The
parameter head and the local branch's last layer are zero-initialised, so the untrained model
is the identity on x[:, :3] (the classical correction the task feeds it). Knows nothing about training.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class ColourTransformNet(nn.Module):
    """in_channels: the image to correct (first out_channels) plus maps that help (the faded photo).
    view: side of the square view the global statistics are read from; knots: points per curve."""

    def __init__(self, in_channels: int = 6, out_channels: int = 3, width: int = 32, knots: int = 9,
                 local_channels: int = 16, view: int = 64) -> None:
        super().__init__()
        self.out_channels, self.knots, self.view = out_channels, knots, view
        c = out_channels
        layers: list[nn.Module] = []
        widths = (in_channels, width // 2, width, width, width)
        for a, b in zip(widths, widths[1:]):
            layers += [nn.Conv2d(a, b, 3, stride=2, padding=1), nn.ReLU(inplace=True)]
        self.stats = nn.Sequential(*layers)
        self.params = nn.Sequential(nn.Linear(2 * width, width), nn.ReLU(inplace=True),
                                    nn.Linear(width, c * c + c + c * knots))
        self.local = nn.Sequential(
            nn.Conv2d(in_channels + c, local_channels, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(local_channels, local_channels, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(local_channels, c, 3, padding=1))
        for last in (self.params[-1], self.local[-1]):
            nn.init.zeros_(last.weight)
            nn.init.zeros_(last.bias)

    def global_transform(self, x: torch.Tensor) -> torch.Tensor:
        c, k = self.out_channels, self.knots
        view = F.interpolate(x, size=(self.view, self.view), mode="bilinear", antialias=True, align_corners=False)
        features = self.stats(view)
        p = self.params(torch.cat([features.mean(dim=(2, 3)), features.amax(dim=(2, 3))], dim=1))
        matrix = torch.eye(c, device=x.device, dtype=x.dtype) + p[:, : c * c].view(-1, c, c)
        offset = p[:, c * c : c * c + c]
        y = torch.einsum("nij,njhw->nihw", matrix, x[:, :c]) + offset[..., None, None]
        # curve: the knots' offsets at 0, 1/(k-1), ..., 1, linearly interpolated (hat functions)
        at_knots = p[:, c * c + c :].view(-1, c, k, 1, 1)
        centres = torch.linspace(0, 1, k, device=x.device, dtype=x.dtype).view(1, 1, k, 1, 1)
        hats = (1 - (y.unsqueeze(2).clamp(0, 1) - centres).abs() * (k - 1)).clamp_min(0)
        return y + (hats * at_knots).sum(dim=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        g = self.global_transform(x)
        return g + self.local(torch.cat([x, g], dim=1))
