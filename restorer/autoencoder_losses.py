"""Training objectives of the autoencoder: reconstruction MSE plus the classic
regularisers, chosen by the model's `regulariser` argument (saved with its
weights). The model itself only encodes and decodes; everything here is training.

- sparse-l1: L1 on the code (Ng's sparse autoencoder notes, Goodfellow et al. ch. 14.2.1)
- sparse-kl: KL(rho || mean activation) per code channel, code in (0, 1) by a sigmoid
- contractive: the encoder Jacobian's squared Frobenius norm (Rifai et al. 2011),
  estimated as |h(x + s e) - h(x)|^2 / s^2 with Gaussian e (an unbiased probe of
  |J|_F^2 for small s; one extra encoder pass instead of a Jacobian per code element)
- denoising: the input is corrupted with Gaussian noise, the clean image is the target
  (Vincent et al. 2008)
- variational: Gaussian code, KL to N(0, I) (Kingma & Welling 2014), beta-weighted
"""
from __future__ import annotations

import contextlib

import torch
from torch import nn

# Default weights, per code element against a per-pixel MSE: small enough that the
# code still reconstructs well (each is overridable with --reg-weight).
DEFAULT_WEIGHT = {"none": 0.0, "sparse-l1": 1e-4, "sparse-kl": 1e-3, "contractive": 1e-4, "denoising": 0.0, "variational": 1e-4}
SPARSITY_TARGET = 0.05  # rho: the mean activation a sparse-kl code is pulled towards
DENOISE_SIGMA = 0.1  # input corruption of the denoising autoencoder, on the 0-1 scale
PROBE_SIGMA = 0.01  # finite-difference step of the contractive penalty


def _unwrap(net: nn.Module) -> nn.Module:
    return getattr(net, "module", net)  # DistributedDataParallel keeps the model in .module


def sparse_kl(code: torch.Tensor, rho: float = SPARSITY_TARGET) -> torch.Tensor:
    """Sum over code channels of KL(rho || rho_hat), rho_hat = the channel's mean activation."""
    rho_hat = code.mean(dim=(0, 2, 3)).clamp(1e-6, 1 - 1e-6)
    return (rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))).sum()


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, var) || N(0, 1)), mean over code elements."""
    return (-0.5 * (1 + logvar - mu**2 - logvar.exp())).mean()


def regularised_losses(net: nn.Module, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """{"recon": MSE, "reg": weighted regulariser, "total": their sum}."""
    model = _unwrap(net)
    kind = model.regulariser
    weight = DEFAULT_WEIGHT[kind] if model.reg_weight is None else float(model.reg_weight)
    x, target = batch["input"], batch["target"]
    if kind == "denoising":
        x = x + DENOISE_SIGMA * torch.randn_like(x)
    n = x.shape[0]
    if kind == "contractive":  # clean and probed inputs in one forward pass (one DDP call)
        x = torch.cat([x, x + PROBE_SIGMA * torch.randn_like(x)])
    # the contractive probe's 0.01 step is below bfloat16's resolution (CPU training): that one runs in float32
    exact = torch.autocast(x.device.type, enabled=False) if kind == "contractive" else contextlib.nullcontext()
    with exact:
        recon, code, mu, logvar = net(x, return_code=True)
    recon = recon[:n].float()
    reg = torch.zeros((), device=x.device)
    if kind == "sparse-l1":
        reg = code.abs().mean()
    elif kind == "sparse-kl":
        reg = sparse_kl(code.float())
    elif kind == "contractive":
        reg = ((mu[n:] - mu[:n]).float() ** 2).mean() / PROBE_SIGMA**2
    elif kind == "variational":
        reg = gaussian_kl(mu.float(), logvar.float())
    mse = nn.functional.mse_loss(recon, target)
    return {"recon": mse, "reg": weight * reg, "total": mse + weight * reg}


def objective(net: nn.Module, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    return regularised_losses(net, batch)["total"]
