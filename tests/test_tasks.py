"""Every registered task honours the contract the trainer, CLI and UI rely on."""
import dataclasses
from pathlib import Path

import numpy as np
import pytest

from restorer.tasks import TASKS

from .conftest import smooth_image


# Tasks whose own tests live in another file: morph is blend's companion (`restore blend A B`), colorize_hints
# refines colorize's hints (test_colorize_hints.py tests the hints themselves).
TESTED_ELSEWHERE = {"morph": "test_blend.py", "colorize_hints": "test_colorize_refiner.py"}


def test_every_registered_task_has_its_own_tests():
    """A task listed in restorer/tasks/__init__.py needs tests/test_<name>.py (its apply on real
    inputs, its options, its command), beyond the contract checks below that every task gets."""
    here = Path(__file__).parent
    missing = [n for n in TASKS if not (here / TESTED_ELSEWHERE.get(n, f"test_{n}.py")).is_file()]
    assert not missing, f"no tests/test_<name>.py for: {', '.join(missing)}"
    assert all(name in (here / file).read_text() for name, file in TESTED_ELSEWHERE.items())


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
    """The level the model is told tracks the noise it sees, for AWGN and camera noise alike,
    and the inputs are what files hold: mostly on the 8-bit grid, within [0, 1]."""
    on_grid, levels, rmss = 0, [], []
    for seed in range(24):
        sample = TASKS["denoise"].make_sample(smooth_image(128, 128, seed=seed), np.random.default_rng(seed))
        noisy, level = sample["input"][:3], sample["input"][3]
        rms = np.sqrt(((noisy - sample["target"]) ** 2).mean())
        assert np.ptp(level) == 0  # one level for the whole image
        if rms > 3 / 255:  # camera noise is told as blind estimation reads it: correlated noise reads low
            assert 0.25 * rms < level[0, 0] < 1.5 * rms
        levels.append(level[0, 0])
        rmss.append(rms)
        on_grid += bool(np.allclose(noisy * 255, np.rint(noisy * 255), atol=1e-3) and noisy.min() >= 0 and noisy.max() <= 1)
    assert np.corrcoef(levels, rmss)[0, 1] > 0.9
    assert 12 <= on_grid < 24  # most clipped and rounded to 8 bits; some float (published protocol) or 16-bit
