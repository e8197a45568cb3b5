"""U-Net with a full-resolution refinement path.

A stock smp.Unet downsamples at its first layer, so on its own it cannot
reproduce per-pixel detail (measured: a residual denoiser stayed below its
noisy input's PSNR). The input is therefore concatenated with the decoder's
output and refined by a few full-resolution convolutions; the last one is
zero-initialised so a residual model starts as the identity.
"""
from __future__ import annotations

import segmentation_models_pytorch as smp
import torch
from torch import fx, nn

from .sparse_head import sparse_full_resolution
from .srnet import UnshuffledResNet


class RefinedUNet(nn.Module):
    """smp.Unet body + full-resolution head. Knows nothing about training.

    residual: output = input[:, :out_channels] + head(...), for restoration
    tasks whose output is the input plus a correction.
    out_bias: the last layer's initial bias; a detector of rare things starts at their
    prior log-odds (Lin et al. 2017), or Adam spends thousands of steps walking it there.
    read_where: the input channel marking the only pixels whose output is read (inpainting: the
    hole mask). In eval mode the full-resolution layers then run only around them (sparse_head.py)
    and elsewhere the output is the residual input; training always runs dense.
    refine_blocks: a second, residual stage after the head (srnet.UnshuffledResNet on the output and
    the input, behind a 2x pixel unshuffle) with real capacity at full detail, where the U-Net body has
    little; its last layer starts at zero, so it can be grown onto trained weights (grow.py).
    """

    def __init__(
        self,
        in_channels: int = 3,
        out_channels: int = 3,
        encoder: str = "resnet18",
        encoder_depth: int = 5,
        decoder_channels: tuple[int, ...] = (256, 128, 64, 32, 16),
        head_channels: int = 32,
        head_layers: int = 3,
        residual: bool = True,
        out_bias: float = 0.0,
        read_where: int | None = None,
        refine_blocks: int = 0,
        refine_channels: int = 48,
    ) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.residual = residual
        if read_where is not None and not (residual and 0 <= read_where < in_channels):
            raise ValueError("read_where needs a residual model and one of its input channels")
        self.read_where = read_where
        if refine_blocks and (not residual or read_where is not None):
            raise ValueError("refine_blocks needs a dense residual model")
        self.multiple = 2**encoder_depth
        self.body = smp.Unet(
            encoder_name=encoder,
            encoder_weights=None,  # nothing is downloaded; our weights cover the whole net
            encoder_depth=encoder_depth,
            decoder_channels=list(decoder_channels),
            in_channels=in_channels,
            classes=decoder_channels[-1],
        )
        _drop_unused_stages(self.body.encoder, encoder_depth)
        layers: list[nn.Module] = []
        width = decoder_channels[-1] + in_channels
        for _ in range(head_layers - 1):
            layers += [nn.Conv2d(width, head_channels, 3, padding=1), nn.ReLU(inplace=True)]
            width = head_channels
        last = nn.Conv2d(width, out_channels, 3, padding=1)
        nn.init.zeros_(last.weight)
        nn.init.constant_(last.bias, out_bias)
        layers.append(last)
        self.head = nn.Sequential(*layers)
        self.refine = (UnshuffledResNet(in_channels + out_channels, out_channels, refine_channels, refine_blocks)
                       if refine_blocks else None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.read_where is not None and not self.training and not isinstance(x, fx.Proxy):
            return self._forward_sparse(x)  # (fx traces the dense graph: BatchNorm folding reads it)
        features = torch.relu(self.body(x))
        # features are bfloat16 under CPU autocast: cast the input to them, not 32 full-size feature
        # channels up to the input's float32 (that promotion was 15 % of an inpaint run)
        out = self.head(torch.cat([features, x.to(features.dtype)], dim=1))
        if self.residual:
            out = out + x[:, : self.out_channels]
        if self.refine is not None:  # out + a correction read from the first answer and the input
            out = self.refine(torch.cat([out, x.to(out.dtype)], dim=1))
        return out

    def _forward_sparse(self, x: torch.Tensor) -> torch.Tensor:
        """forward() for read_where: the same outputs where channel read_where is set (up to rounding)."""
        body, decoder = self.body, self.body.decoder
        body.check_input_shape(x)
        features = body.encoder(x)  # smp's UnetDecoder.forward without its last, full-resolution block
        shapes = [f.shape[2:] for f in features][::-1]
        deep = features[1:][::-1]
        half = decoder.center(deep[0])
        for i, block in enumerate(decoder.blocks[:-1]):
            half = block(half, *shapes[i + 1], skip_connection=deep[i + 1] if i + 1 < len(deep) else None)
        last = decoder.blocks[-1]
        outs = [sparse_full_resolution(half[n : n + 1], x[n : n + 1], x[n, self.read_where] > 0.5,
                                       [last.conv1, last.conv2, body.segmentation_head], list(self.head), self.out_channels)
                for n in range(len(x))]
        return torch.cat(outs)


def _drop_unused_stages(encoder: nn.Module, depth: int) -> None:
    """smp keeps the encoder stages below `depth` even though forward never
    runs them; drop them so they cost neither memory nor weights-file size."""
    stages = getattr(encoder, "get_stages", dict)()
    unused = {id(m) for stride, mods in stages.items() if stride > 2**depth for m in mods}
    for name, child in list(encoder.named_children()):
        if id(child) in unused:
            setattr(encoder, name, nn.Identity())
