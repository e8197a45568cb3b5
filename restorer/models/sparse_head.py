"""RefinedUNet's full-resolution layers run only where their output is read.

Inpainting reads the model's output in the holes only, and more than half of the model's time
is spent at full resolution (the U-Net's last decoder block, its segmentation head and the
refinement head: six 3x3 convolutions of 32 channels). Here those layers run only on the
BLOCK-px cells holding read pixels, a row's neighbouring cells together in one window with a halo
as wide as the layers' reach; the rest of the output is the residual input. Exact up to float
rounding: outside the photo each layer's output is zeroed, as the dense convolutions' zero
padding has it. Measured (docs/history/inpaint.md): 32 px cells beat 16 and 64, and windows of
whole runs beat single cells batched (each cell's own halo nearly doubled its cost)."""
from __future__ import annotations

from itertools import groupby

import torch
import torch.nn.functional as F
from torch import nn

BLOCK = 32  # px: smaller cells follow a stroke more tightly, but each row of them pays the halo above and below


def layer_reach(layers: list[nn.Module]) -> int:
    """Pixels each side that the outputs of these layers read: one per convolution, each of which must be
    3x3, stride 1, padded by 1 (the other layers these models have there are elementwise)."""
    reach = 0
    for layer in layers:
        for m in layer.modules():
            if isinstance(m, nn.Conv2d):
                if m.kernel_size != (3, 3) or m.stride != (1, 1) or m.padding != (1, 1) or m.dilation != (1, 1):
                    raise ValueError(f"not a local 3x3 convolution: {m}")
                reach += 1
    return reach


def needed_runs(need: torch.Tensor, block: int) -> list[tuple[int, int, int]]:
    """(y, x, width) of each horizontal run of block-by-block cells of the HxW bool map that hold a set
    pixel: a run shares one halo, which around single blocks would cost more than the blocks."""
    h, w = need.shape
    grid = F.pad(need[None, None].float(), (0, (-w) % block, 0, (-h) % block))[0, 0]
    cells = (grid.view(grid.shape[0] // block, block, grid.shape[1] // block, block).amax(dim=(1, 3)) > 0).tolist()
    runs = []
    for i, row in enumerate(cells):
        j = 0
        for needed, group in groupby(row):
            n = len(list(group))
            if needed:
                runs.append((i * block, j * block, n * block))
            j += n
    return runs


def window(t: torch.Tensor, y: int, x: int, height: int, width: int, halo: int, scale: int = 1) -> torch.Tensor:
    """The 1xCx(height + 2 * halo)x(width + 2 * halo) window of full-resolution pixels around
    [y, y + height) x [x, x + width), read from `t` (1xCxHxW at 1/scale resolution), zero outside it."""
    h, w = t.shape[2:]
    y0, x0 = (y - halo) // scale, (x - halo) // scale
    y1, x1 = (y + height + halo) // scale, (x + width + halo) // scale
    part = t[:, :, max(y0, 0) : min(y1, h), max(x0, 0) : min(x1, w)]
    return F.pad(part, (max(-x0, 0), max(x1 - w, 0), max(-y0, 0), max(y1 - h, 0)))


def sparse_full_resolution(half: torch.Tensor, x: torch.Tensor, need: torch.Tensor, block_layers: list[nn.Module],
                           head_layers: list[nn.Module], out_channels: int, block: int = BLOCK) -> torch.Tensor:
    """The residual output x[:, :out_channels] + head(cat(relu(block_layers(up(half))), x)), computed
    only in the blocks holding a pixel of `need` (HxW bool); elsewhere x[:, :out_channels].

    half: the decoder's features at 1/2 resolution (1xCxH/2xW/2), upsampled by nearest neighbour as
    smp's last decoder block does; block_layers: that block's convolutions and the segmentation
    head, in order (a ReLU follows them); head_layers: RefinedUNet's head, in order."""
    halo = layer_reach(block_layers) + layer_reach(head_layers)
    halo += halo % 2  # even, so a window starts on a 1/2-resolution pixel
    h, w = x.shape[2:]
    out = x[:, :out_channels].clone()
    ones = x.new_ones((1, 1, h, w))
    for y, x0, width in needed_runs(need, block):
        f = F.interpolate(window(half, y, x0, block, width, halo, scale=2), scale_factor=2, mode="nearest")
        inside = window(ones, y, x0, block, width, halo).to(f.dtype)  # zero outside the photo, as zero padding
        for layer in block_layers:
            f = layer(f) * inside
        f = torch.cat([torch.relu(f), window(x, y, x0, block, width, halo).to(f.dtype)], dim=1)
        for layer in head_layers:
            f = layer(f)
            if isinstance(layer, nn.ReLU):
                f = f * inside
        bh, bw = min(block, h - y), min(width, w - x0)
        out[:, :, y : y + bh, x0 : x0 + bw] += f[:, :, halo : halo + bh, halo : halo + bw].to(out.dtype)
    return out
