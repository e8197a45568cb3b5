"""Every registered task honours the contract the trainer, CLI and UI rely on."""
import dataclasses

import numpy as np
import pytest

from restorer.tasks import TASKS

from .conftest import smooth_image


@pytest.mark.parametrize("name", sorted(TASKS))
def test_sample_contract(name):
    task = TASKS[name]
    clean = smooth_image(task.patch, task.patch)
    for seed in range(5):
        sample = task.make_sample(clean, np.random.default_rng(seed))
        assert {"input", "target"} <= set(sample)
        assert sample["input"].shape[0] == task.model.args["in_channels"]
        assert sample["target"].shape[0] == task.model.args["out_channels"]
        assert sample["input"].shape[1:] == sample["target"].shape[1:] == (task.patch, task.patch)
        assert all(v.dtype == np.float32 for v in sample.values())
    again = task.make_sample(clean, np.random.default_rng(0))
    first = task.make_sample(clean, np.random.default_rng(0))
    assert np.array_equal(again["input"], first["input"]), "corruption must be repeatable for a seed"


@pytest.mark.parametrize("name", sorted(TASKS))
def test_options_are_documented_dataclasses(name):
    for f in dataclasses.fields(TASKS[name].options):
        assert f.metadata.get("help"), f"{name}.{f.name} has no help text"


def test_denoise_sample_level_matches_noise():
    sample = TASKS["denoise"].make_sample(smooth_image(128, 128), np.random.default_rng(3))
    noise = sample["input"][:3] - sample["target"]
    assert np.ptp(sample["input"][3]) == 0  # one level for the whole image
    assert sample["input"][3, 0, 0] == pytest.approx(np.sqrt((noise**2).mean()), rel=1e-4)
