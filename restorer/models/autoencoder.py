"""A plain convolutional autoencoder: strided convolutions down to a small
spatial code, a mirrored decoder, no skip connections (so everything the
decoder knows passes through the code). Knows nothing of training: the
regulariser it was trained with is recorded in its arguments (saved in the
weights JSON) and shapes the code only where the regulariser needs it
(a mean and log-variance for "variational", a sigmoid code for "sparse-kl").

Beside the convolution stacks, encoder and decoder each have a linear path: a
block-wise projection (one m x m stride-m convolution) into the code and its
transpose out of it. That is exactly what PCA of m x m patches computes, so the
network starts from a family that contains the PCA solution and learns what
the non-linear stacks add. Everything still passes through the code.
"""
from __future__ import annotations

import torch
from torch import nn

REGULARISERS = ("none", "sparse-l1", "sparse-kl", "contractive", "denoising", "variational")


def _conv(c_in: int, c_out: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1), nn.ReLU(inplace=True))


class ConvAutoencoder(nn.Module):
    """x (N,in,H,W) -> code (N,code_channels,H/m,W/m) -> x' (N,out,H,W), m = 2**len(widths).

    The code has H*W*code_channels/m**2 numbers: with m=16 and 8 channels a
    16x16x3 patch (768 values) is held in 8, as a PCA of 8 components would.
    """

    def __init__(
        self,
        in_channels: int = 3,
        out_channels: int = 3,
        widths: tuple[int, ...] = (32, 64, 128, 128),
        code_channels: int = 8,
        regulariser: str = "none",
        reg_weight: float | None = None,
        linear_path: bool = True,
    ) -> None:
        super().__init__()
        if regulariser not in REGULARISERS:
            raise ValueError(f"unknown regulariser {regulariser!r}; known: {', '.join(REGULARISERS)}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.code_channels = code_channels
        self.regulariser = regulariser
        self.reg_weight = reg_weight  # None: the training objective's default for the regulariser
        self.variational = regulariser == "variational"
        self.multiple = 2 ** len(widths)
        enc: list[nn.Module] = []
        c = in_channels
        for w in widths:
            enc += [_conv(c, w, stride=2), _conv(w, w)]
            c = w
        self.encoder = nn.Sequential(*enc)
        self.to_code = nn.Conv2d(c, code_channels * (2 if self.variational else 1), 1)
        dec: list[nn.Module] = [_conv(code_channels, c)]
        for w in reversed(widths):
            dec += [nn.Upsample(scale_factor=2, mode="nearest"), _conv(c, w), _conv(w, w)]
            c = w
        dec.append(nn.Conv2d(c, out_channels, 3, padding=1))
        self.decoder = nn.Sequential(*dec)
        m, n_code = self.multiple, code_channels * (2 if self.variational else 1)
        self.linear_in = nn.Conv2d(in_channels, n_code, m, stride=m) if linear_path else None
        self.linear_out = nn.ConvTranspose2d(code_channels, out_channels, m, stride=m) if linear_path else None

    def encode_stats(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(code mean, log-variance or None). The mean is the code of a deterministic model."""
        h = self.to_code(self.encoder(x))
        if self.linear_in is not None:
            h = h + self.linear_in(x)
        if self.variational:
            mu, logvar = h.chunk(2, dim=1)
            return mu, logvar.clamp(-12, 8)
        return (torch.sigmoid(h) if self.regulariser == "sparse-kl" else h), None

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encode_stats(x)[0]

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Unbounded (MSE-trained, clipped by the caller when saved)."""
        out = self.decoder(z)
        return out + self.linear_out(z) if self.linear_out is not None else out

    def forward(self, x: torch.Tensor, return_code: bool = False):
        """Reconstruction; with return_code also (code used, mean, log-variance).

        A variational model in training mode decodes a sample of its Gaussian
        code (the reparameterisation), and its mean otherwise, as dropout does.
        """
        mu, logvar = self.encode_stats(x)
        z = mu
        if logvar is not None and self.training:
            z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        recon = self.decode(z)
        return (recon, z, mu, logvar) if return_code else recon
