"""Is a photo upside down? A small CNN, trained for this alone (scripts/experiments/scan_orientation.py),
on 64 px squares of the training photos (bsds432, urban100, sunhays80) and their 180-degree turns.

Why a network of its own: the shipped models (autoencoder, damage detector, colorizer) were all trained
with random 90-degree turns, so their features do not know up from down (measured: a logistic
regression on their pooled codes told up from down in 59-65 % of held-out bsds432 photos, the
hand-made row profiles of lightness, colour and gradients no better).

The score is antisymmetric by construction, score(turned photo) = -score(photo): the net h rates how
"upright" a square looks, and the score is h(turned) - h(square), averaged with the mirrored square
(a photo and its mirror image share an up). Positive: looks upside down. The weights are a small
safetensors file beside this module (shapes in its metadata); nothing is read at import."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, safe_open
from torch import nn

WEIGHTS = Path(__file__).with_name("orientation.safetensors")
SIDE = 64  # px: the square the net sees (features.square)
WIDTHS = (24, 48, 96, 96)


class OrientationNet(nn.Module):
    """Three stride-2 convolutions and one more, then each feature averaged along the rows (a photo's up
    does not depend on left and right) and one linear layer over the SIDE/8 row bands: where in the
    height a feature sits is the cue."""

    def __init__(self, side: int = SIDE, widths: tuple[int, ...] = WIDTHS) -> None:
        super().__init__()
        self.side = side
        layers: list[nn.Module] = []
        c = 3
        for i, w in enumerate(widths):
            layers += [nn.Conv2d(c, w, 3, stride=2 if i < 3 else 1, padding=1), nn.BatchNorm2d(w), nn.ReLU()]
            c = w
        self.f = nn.Sequential(*layers)
        self.drop = nn.Dropout(0.3)
        self.head = nn.Linear(c * (side // 8), 1)

    def upright(self, x: torch.Tensor) -> torch.Tensor:
        """N x 3 x side x side in [0, 1] -> N: how upright each looks (only differences mean anything)."""
        return self.head(self.drop(self.f(x).mean(dim=3).flatten(1)))[:, 0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Turned minus as is, in one batch (BatchNorm's batch statistics in training must not tell
        the two halves apart, or the net learns the batch and not the photo)."""
        both = self.upright(torch.cat([x, torch.flip(x, (2, 3))]))
        return both[len(x):] - both[: len(x)]


def _shape(path: Path) -> dict:
    with safe_open(str(path), "pt") as f:
        return json.loads(f.metadata()["shape"])


def weights_side(path: Path = WEIGHTS) -> int:
    """The square side a weights file's net sees, read from its metadata (no model is built)."""
    return int(_shape(path)["side"])


def load_orientation(path: Path = WEIGHTS, device: torch.device | str = "cpu") -> OrientationNet:
    meta = _shape(path)
    net = OrientationNet(meta["side"], tuple(meta["widths"]))
    net.load_state_dict(load_file(str(path)))
    return net.to(device).eval()


def save_orientation(net: OrientationNet, path: Path, side: int = SIDE, widths: tuple[int, ...] = WIDTHS) -> None:
    from safetensors.torch import save_file

    save_file({k: v.detach().contiguous().cpu() for k, v in net.state_dict().items()}, str(path),
              metadata={"shape": json.dumps({"side": side, "widths": list(widths)})})


@torch.inference_mode()
def upside_down_scores(net: OrientationNet, squares: list[np.ndarray], mirror: bool = True) -> np.ndarray:
    """net.side x net.side x 3 squares -> N scores, positive = looks upside down; the mean over the square
    and (mirror) its mirror image."""
    device = next(net.parameters()).device
    x = torch.from_numpy(np.stack(squares).transpose(0, 3, 1, 2).copy()).to(device, torch.float32)
    s = (net(x) + net(torch.flip(x, (3,)))) / 2 if mirror else net(x)
    return s.cpu().numpy().astype(np.float64)
