"""What the UI tests share: an app state with tiny untrained weights, and a painted brush layer."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from restorer.ui import state as S
from restorer.weights import save_weights

from .conftest import TINY_UNET


@pytest.fixture
def state(tmp_path: Path) -> S.AppState:
    """Untrained tiny weights for denoise and inpaint in a weights folder of the test's own."""
    weights = tmp_path / "weights"
    for name in ("denoise", "inpaint"):
        save_weights(TINY_UNET.build(), TINY_UNET, weights / f"{name}.safetensors", name)
    return S.AppState(S.Settings(out_dir=tmp_path / "out", weights_dir=weights, data_root=tmp_path, device="cpu"))


def painted_editor(h: int, w: int, box: tuple[int, int, int, int]) -> dict:
    """What the brush editor hands over: background, and a layer painted (alpha 255) inside box."""
    y0, y1, x0, x1 = box
    layer = np.zeros((h, w, 4), np.uint8)
    layer[y0:y1, x0:x1] = (255, 64, 64, 255)
    bg = np.full((h, w, 4), 128, np.uint8)
    return {"background": bg, "layers": [layer], "composite": bg}
