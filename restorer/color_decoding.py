"""Reading colour from the colorizer's ab-bin logits: the decoding the automatic colour uses (numpy, for
inference) and its exact mirror in torch (for a training loss that charges what users see)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from . import color as C
from .color_prior import AB_PRIOR

# Zhang et al.'s class rebalancing weights over the ab bins (the training loss's and the decoding's prior).
CLASS_WEIGHTS = torch.from_numpy(C.rebalancing_weights(np.asarray(AB_PRIOR, np.float32)))


@dataclass(frozen=True)
class Decoding:
    """How the automatic colour is read from the bin logits (on top of the decoding folded into the
    weights): annealed mean at `temperature` after a prior correction `alpha` (logits - alpha * log w,
    toward the plain posterior: less of the rebalancing's taste for rare, vivid colours), then all
    chroma scaled by `chroma`."""

    temperature: float = C.ANNEAL_T
    alpha: float = 0.0
    chroma: float = 1.0
    # Where the model is unsure, less colour: each pixel's chroma times |m|^2 / (|m|^2 + shrink * spread),
    # m the decoded mean and spread the distribution's variance around it (a Wiener-style gain:
    # a confident colour keeps its saturation, a guess between hues fades toward grey). 0: off.
    shrink: float = 0.0


# Plausible before vivid (issue #27): chosen on 81 held-out photos of the training sets (bsds432's
# held-out split, urban100 and sunhays80 samples; scripts/experiments/colorize_auto_sweep.py,
# docs/history/colorize.md) as the highest PSNR over grey pooled over them: +0.46 dB and 27 % of
# photos worse than grey, against -0.21 dB and 48 % for the plain decoding (Decoding()).
AUTO = Decoding(temperature=0.5, alpha=0.3, shrink=1.0)
_LOG_W = np.log(CLASS_WEIGHTS.numpy())[:, None, None]


def prior_corrected(logits: np.ndarray, decoding: Decoding = AUTO) -> np.ndarray:
    """QxHxW logits less the decoding's further prior correction (alpha log w), what it decodes from."""
    return logits - decoding.alpha * _LOG_W if decoding.alpha else logits


def decode_auto(logits: np.ndarray, decoding: Decoding = AUTO) -> np.ndarray:
    """QxHxW logits -> HxWx2 ab, the automatic colour."""
    logits = prior_corrected(logits, decoding)
    if decoding.shrink:
        ab, spread = C.decode_ab_spread(logits, decoding.temperature)
        power = (ab * ab).sum(-1)
        ab = ab * (power / np.maximum(power + decoding.shrink * spread, 1e-6))[..., None]
    else:
        ab = C.decode_ab(logits, decoding.temperature)
    return ab * np.float32(decoding.chroma) if decoding.chroma != 1 else ab


def colour_distribution(logits: np.ndarray, decoding: Decoding = AUTO) -> np.ndarray:
    """QxHxW logits -> QxHxW: the distribution over ab bins the automatic colour is decoded from."""
    return C.annealed(prior_corrected(logits, decoding), decoding.temperature).reshape(logits.shape)


def decode_auto_torch(logits: torch.Tensor, decoding: Decoding = AUTO) -> torch.Tensor:
    """BxQxHxW logits -> Bx2xHxW ab: decode_auto in torch, differentiable (same formula, same result)."""
    z = logits.float()
    if decoding.alpha:
        z = z - decoding.alpha * torch.from_numpy(_LOG_W).to(z.device)
    p = torch.softmax(z / decoding.temperature, dim=1)
    centres = torch.from_numpy(C.AB_CENTRES).to(z.device)
    ab = torch.einsum("bqhw,qc->bchw", p, centres)
    if decoding.shrink:
        second = torch.einsum("bqhw,q->bhw", p, (centres * centres).sum(1))
        power = (ab * ab).sum(1)
        spread = (second - power).clamp_min(0)
        ab = ab * (power / (power + decoding.shrink * spread).clamp_min(1e-6))[:, None]
    return ab * decoding.chroma if decoding.chroma != 1 else ab
