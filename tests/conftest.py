"""Shared fixtures. Everything is generated here or read from examples/; no
test needs ../shared, a GPU or a network."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner, Result
from PIL import Image

from restorer.cli import main
from restorer.models import ModelSpec

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SHIPPED = ROOT / "weights"

# A small U-Net so training and I/O tests run in seconds on two cores.
TINY_UNET = ModelSpec(
    "refined_unet",
    {"in_channels": 4, "out_channels": 3, "encoder": "resnet18", "encoder_depth": 3,
     "decoder_channels": (32, 16, 8), "head_channels": 8, "head_layers": 2},
)


def tiny_unet_for(task: str) -> ModelSpec:
    """TINY_UNET shaped like a task's own model: its channels in and out, residual and output bias."""
    from restorer.tasks import TASKS

    args = TASKS[task].model.args
    shape = {k: args[k] for k in ("in_channels", "out_channels", "residual", "out_bias") if k in args}
    return ModelSpec(TINY_UNET.arch, {**TINY_UNET.args, **shape})


def random_head_model(spec: ModelSpec, head_std: float) -> torch.nn.Module:
    """A seeded tiny model whose zero-initialised last layer is made random (std `head_std`),
    so its output depends on its input and tests can tell a model ran."""
    torch.manual_seed(0)
    model = spec.build().eval()
    torch.nn.init.normal_(model.head[-1].weight, std=head_std)
    return model


def invoke(*args: object) -> Result:
    """The `restore` CLI in-process; exceptions propagate, so a crash fails the test with its traceback."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def bench_rows(output: str, *keys: str) -> dict:
    """The rows of a `restore bench ... --json` table, keyed by the values of `keys` (one key: the value itself).
    Only the JSON object is read: notes printed around it (e.g. "grid saved to") are skipped."""
    rows = json.loads(output[output.index("{") : output.rindex("}") + 1])["results"]
    return {(row[keys[0]] if len(keys) == 1 else tuple(row[k] for k in keys)): row for row in rows}


def smooth_image(h: int, w: int, seed: int = 0) -> np.ndarray:
    """A photo-like float32 HxWx3 image: smooth gradients and a few edges."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.stack([0.5 + 0.4 * np.sin(xx / (17 + 5 * c) + yy / (23 + 3 * c) + rng.uniform(0, 6)) for c in range(3)], axis=2)
    img[h // 3 : h // 2, w // 4 : w // 2] *= 0.5
    return np.clip(img, 0, 1).astype(np.float32)


def save_rgb(path: Path, img: np.ndarray, **kw) -> Path:
    Image.fromarray(np.clip(np.rint(img * 255), 0, 255).astype(np.uint8)).save(path, **kw)
    return path


@pytest.fixture(autouse=True)
def _few_threads():
    torch.set_num_threads(2)
    yield


@pytest.fixture
def clean_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "clean"
    folder.mkdir()
    for i in range(6):
        save_rgb(folder / f"img{i}.png", smooth_image(96, 128, seed=i))
    return folder
