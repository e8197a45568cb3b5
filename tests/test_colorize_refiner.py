"""The colour-hint refiner (colorize_hints task, issue #27): untrained it is exactly the propagation;
`restore colorize` runs it with hints when its weights sit beside the colorizer's, and never loads the
colorizer in its place; hinted pixels stay the hint's colour; its training samples carry the hints the
way inference gives them. Tiny random models stand in for trained weights."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import restorer.weights
from restorer import color as C
from restorer.color_hints import Hints
from restorer.color_refine import AB_SCALE, CHANNELS
from restorer.imageio import read_image
from restorer.restorer import Restorer
from restorer.tasks import TASKS
from restorer.tasks.colorize import ColorizeOptions, colour_of, predict_logits
from restorer.tasks.colorize_hints import make_sample
from restorer.tiling import TiledPredictor
from restorer.weights import save_weights

from .conftest import invoke, random_head_model, save_rgb, smooth_image, tiny_unet_for

COLORIZER = tiny_unet_for("colorize")
REFINER = tiny_unet_for("colorize_hints")


@pytest.fixture(scope="module")
def weights_dir(tmp_path_factory) -> Path:
    """A weights folder holding a tiny colorizer and a tiny refiner whose output depends on its input."""
    folder = tmp_path_factory.mktemp("weights")
    save_weights(random_head_model(COLORIZER, 0.5), COLORIZER, folder / "colorize.safetensors", task="colorize")
    save_weights(random_head_model(REFINER, 0.05), REFINER, folder / "colorize_hints.safetensors", task="colorize_hints")
    return folder


def hints_on(grey: np.ndarray) -> Hints:
    return Hints(np.array([10, 40]), np.array([12, 70]), np.array([[40, 30], [-20, 25]], np.float32))


def test_an_untrained_refiner_gives_exactly_the_propagated_colour():
    """Its last layer starts at zero and it adds to the propagated a*b* (input channels 0-1): training
    starts from the classical answer, so a wrong channel order would show here."""
    colorizer = TiledPredictor.create(random_head_model(COLORIZER, 0.5), torch.device("cpu"), 512)
    fresh = TiledPredictor.create(TASKS["colorize_hints"].model.build().eval(), torch.device("cpu"), 512)
    grey = C.grey_of(smooth_image(60, 90, seed=2))
    logits, hints = predict_logits(grey, colorizer), hints_on(grey)
    spread, refined = colour_of(grey, logits, hints), colour_of(grey, logits, hints, refine=fresh)
    assert np.abs(refined - spread).max() < 0.05  # a*b* units; bfloat16 inference rounds


def test_colorize_runs_the_refiner_beside_the_shipped_colorizer_and_keeps_the_hints(weights_dir, tmp_path, monkeypatch):
    photo = save_rgb(tmp_path / "p.png", np.repeat(C.grey_of(smooth_image(60, 90, seed=4)), 3, axis=2))
    args = ["colorize", photo, "--hint", "12,10,#c04020", "--hint", "70,40,#3070c0", "--device", "cpu"]
    monkeypatch.setattr(restorer.weights, "WEIGHTS_DIR", weights_dir)
    assert invoke(*args, "-o", tmp_path / "with").exit_code == 0
    (tmp_path / "alone").mkdir()
    (tmp_path / "alone" / "colorize.safetensors").symlink_to(weights_dir / "colorize.safetensors")
    (tmp_path / "alone" / "colorize.json").symlink_to(weights_dir / "colorize.json")
    monkeypatch.setattr(restorer.weights, "WEIGHTS_DIR", tmp_path / "alone")  # no refiner: propagation alone
    assert invoke(*args, "-o", tmp_path / "without").exit_code == 0
    with_, without = (read_image(tmp_path / d / "p.png").pixels.astype(np.float32) for d in ("with", "without"))
    assert np.abs(with_ - without).mean() > 2 / 255  # the refiner ran (pixels in [0, 1])
    for y, x in ((10, 12), (40, 70)):  # a hinted pixel keeps the hint's colour (as in gamut at its lightness)
        assert np.abs(with_[y, x] - without[y, x]).max() <= 1.5 / 255


def test_no_refiner_file_means_none_loaded_not_the_colorizer_in_its_place(weights_dir, tmp_path):
    loaded = Restorer.load(TASKS["colorize"], weights_dir / "colorize.safetensors", "cpu", alternates_for=ColorizeOptions())
    assert set(loaded.alternates) == {"hints"}
    (tmp_path / "colorize.safetensors").symlink_to(weights_dir / "colorize.safetensors")
    (tmp_path / "colorize.json").symlink_to(weights_dir / "colorize.json")
    alone = Restorer.load(TASKS["colorize"], tmp_path / "colorize.safetensors", "cpu", alternates_for=ColorizeOptions())
    assert alone.alternates == {}


def test_training_samples_carry_hints_spread_as_inference_spreads_them():
    clean = smooth_image(64, 64, seed=5)
    ab = C.rgb_to_lab(clean)[..., 1:]
    for seed in range(4):
        sample = make_sample(clean, np.random.default_rng(seed))
        x = sample["input"]
        assert x.shape == (CHANNELS, 64, 64)
        hinted = x[7] > 0
        assert hinted.any()  # every sample has at least one hint
        # the propagated colour is the hint's colour at a hinted pixel, and the hint's colour is the photo's there
        assert np.allclose(x[:2][:, hinted], x[5:7][:, hinted], atol=1e-4)
        assert np.abs(x[5:7][:, hinted] * AB_SCALE - ab[hinted].T).max() < 25  # a small patch's mean colour
        assert np.allclose(sample["target"] * AB_SCALE, ab.transpose(2, 0, 1), atol=1e-3)
