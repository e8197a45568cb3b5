"""Colour hints as the colorizer's input (issue #27): a model fine-tuned to read them starts as
exactly the automatic one, hints land on the prediction grid with their colour, training samples
carry the ground truth's colour (and sometimes none), and weights of either kind run."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from restorer import color as C
from restorer import color_hint_maps as maps
from restorer.color_hints import Hints
from restorer.models import ModelSpec
from restorer.models.grow import grow_model, grows_into
from restorer.tasks.colorize import TASK, predict_logits
from restorer.tiling import TiledPredictor

from .conftest import TINY_UNET, random_head_model, smooth_image

ONE = ModelSpec(TINY_UNET.arch, {**TINY_UNET.args, "in_channels": 1, "out_channels": C.N_BINS, "residual": False})
FOUR = ModelSpec(ONE.arch, {**ONE.args, "in_channels": 1 + maps.CHANNELS})  # lightness and hint maps


def test_a_grown_model_computes_what_it_did_whatever_the_new_inputs_hold():
    small = random_head_model(ONE, head_std=0.5)
    grown, spec = grow_model(small, ONE, FOUR)
    assert spec == FOUR and grown.in_channels == 1 + maps.CHANNELS
    x = torch.rand(2, 1, 32, 48)
    with torch.no_grad():
        assert torch.equal(small(x), grown(torch.cat([x, torch.randn(2, maps.CHANNELS, 32, 48)], 1)))
    # fewer inputs or other outputs are not growth: the model is left as it was
    assert not grows_into(FOUR, ONE) and not grows_into(ONE, ModelSpec(ONE.arch, {**FOUR.args, "out_channels": 3}))
    assert grow_model(small, ONE, ONE)[0] is small


def test_hints_land_in_their_cell_with_their_mean_colour():
    hints = Hints(np.array([0, 1, 99]), np.array([0, 2, 149]), np.array([[20, -10], [40, 10], [-30, 50]], np.float32))
    m = maps.rasterise(hints, (100, 150), (10, 15))
    assert m.shape == (maps.CHANNELS, 10, 15)
    assert m[2].sum() == 2 and m[2, 0, 0] == 1 and m[2, 9, 14] == 1
    assert np.allclose(m[:2, 0, 0] * maps.AB_SCALE, [30, 0])  # two hints in one cell: their mean
    assert np.allclose(m[:2, 9, 14] * maps.AB_SCALE, [-30, 50])
    assert not maps.rasterise(Hints.none(), (100, 150), (10, 15)).any()


def test_hints_spread_to_their_surroundings_with_nearness_falling_off():
    hints = Hints(np.array([20, 20]), np.array([10, 90]), np.array([[40, 0], [-40, 0]], np.float32))
    m = maps.rasterise(hints, (40, 100), (40, 100))
    a, near = m[3] * maps.AB_SCALE, m[5]
    assert a[20, 12] == pytest.approx(40, abs=1) and a[20, 88] == pytest.approx(-40, abs=1)  # each hint's own side
    assert abs(a[20, 50]) < 1  # halfway: their mean
    assert near[20, 10] == pytest.approx(1, abs=0.01) and near[20, 50] < 0.01 < near[20, 30] < near[20, 20] < 1


def test_training_hints_carry_the_true_colour_and_some_samples_have_none():
    ab = np.zeros((64, 64, 2), np.float32)
    ab[:, :32] = (40, -20)  # two flat colours; a hint's colour is its patch's mean, so within their range
    ab[:, 32:] = (-10, 30)
    sampled = [maps.sample(ab, np.random.default_rng(seed)) for seed in range(40)]
    empty = sum(not m.any() for m in sampled)
    assert 4 <= empty <= 24  # NO_HINTS_P = 0.3 of 40
    for m in sampled:
        hinted = m[2] > 0
        assert set(np.unique(m[2])) <= {0.0, 1.0}
        a, b = m[0][hinted] * maps.AB_SCALE, m[1][hinted] * maps.AB_SCALE
        assert np.all((a >= -10 - 1e-3) & (a <= 40 + 1e-3) & (b >= -20 - 1e-3) & (b <= 30 + 1e-3))
        assert not m[:2][:, ~hinted].any()  # no colour where there is no hint


@pytest.mark.parametrize("spec", [ONE, FOUR])
def test_weights_with_and_without_hint_inputs_both_colour_a_photo(spec):
    seen = []
    model = random_head_model(spec, head_std=0.5)
    original = model.forward
    model.forward = lambda x: seen.append(x.shape[1]) or original(x)
    predict = TiledPredictor.create(model, torch.device("cpu"), 0)
    grey = smooth_image(40, 60, 2)[..., :1]
    hints = Hints(np.array([5]), np.array([7]), np.array([[30, 30]], np.float32))
    free, hinted = predict_logits(grey, predict), predict_logits(grey, predict, hints=hints)
    assert seen == [spec.args["in_channels"]] * 2 and free.shape == (C.N_BINS, 40, 60)
    assert np.array_equal(free, hinted) == (spec is ONE)  # only a model that reads hints sees them


def test_hint_inputs_are_a_training_option_and_their_samples_carry_the_maps():
    from restorer.tasks.colorize import ColorizeModelOptions

    assert TASK.model.args["in_channels"] == 1  # the shipped kind: lightness in, hints spread afterwards
    hinted = ColorizeModelOptions(hint_inputs=True).task(TASK)
    assert hinted.model.args["in_channels"] == 1 + maps.CHANNELS
    sample = hinted.make_sample(smooth_image(32, 32, 1), np.random.default_rng(0))
    assert sample["input"].shape == (1 + maps.CHANNELS, 32, 32)
    assert TASK.make_sample(smooth_image(32, 32, 1), np.random.default_rng(0))["input"].shape == (1, 32, 32)


def test_fine_tuning_hint_reading_weights_without_the_option_says_what_to_add(tmp_path):
    from restorer.train.config import TrainConfig
    from restorer.train.loop import train
    from restorer.weights import save_weights

    weights = save_weights(random_head_model(FOUR, 0.5), FOUR, tmp_path / "colorize.safetensors", "colorize")
    (tmp_path / "data").mkdir()
    Image.fromarray((smooth_image(64, 64, 1) * 255).astype(np.uint8)).save(tmp_path / "data" / "a.png")
    cfg = TrainConfig(data=tmp_path / "data", from_weights=weights, out=tmp_path / "run", steps=1)
    with pytest.raises(ValueError, match="--hint-inputs"):
        train(TASK, cfg, progress=False)
