"""The repair-weighted damage loss (`restore train segment --loss repair-weighted`): what a detector's mistake
costs the restored photo, the loss that charges it, and the samples that carry it."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from .conftest import smooth_image


def test_repair_costs_charge_misses_by_the_damage_and_false_alarms_by_the_detail_a_fill_loses():
    from restorer.tasks.segment import repair_costs

    rng = np.random.default_rng(0)
    flat = np.full((32, 32, 3), 0.5, np.float32)
    texture = np.clip(0.5 + 0.2 * rng.standard_normal((32, 32, 3)), 0, 1).astype(np.float32)
    damaged = texture.copy()
    damaged[10:12] = 1.0  # a bright scratch
    costs = repair_costs(damaged, texture)
    assert costs[0, 10:12].min() > 0.01 and costs[0, :10].max() == 0  # the damage, nothing else
    assert costs[1].mean() > 0.01 and repair_costs(flat, flat)[1].max() < 1e-10  # detail lost; none on flat


def test_repair_weighted_loss_charges_the_mistakes_the_restored_photo_pays_for():
    from restorer.tasks.segment import repair_weighted_bce

    target = torch.zeros(1, 1, 2, 2)
    target[0, 0, 0] = 1  # two damaged pixels (top row), two intact (bottom row)
    cost = torch.zeros(1, 2, 2, 2)
    cost[0, 0, 0] = torch.tensor([0.25, 0.001])  # a visible mark, a faint one
    cost[0, 1, 1] = torch.tensor([0.01, 0.0])  # textured, flat
    right = torch.tensor([[[[5.0, 5.0], [-5.0, -5.0]]]])

    def loss_with(row: int, col: int) -> float:
        pred = right.clone()
        pred[0, 0, row, col] *= -1  # one mistake
        return float(repair_weighted_bce(pred, {"target": target, "cost": cost}))

    assert loss_with(0, 0) > loss_with(0, 1)  # missing the visible mark costs more than the faint one
    assert loss_with(1, 0) > loss_with(1, 1)  # a false alarm on texture more than on flat
    assert loss_with(0, 0) > loss_with(1, 0)
    with pytest.raises(ValueError, match="--masks"):  # a user's own labels carry no repair costs
        repair_weighted_bce(right, {"target": target})


def test_repair_weighted_samples_carry_the_repair_costs_of_their_scan_and_only_they_pay_for_them():
    from restorer.tasks.segment import TASK

    costed = TASK.with_loss("repair-weighted").make_sample(smooth_image(96, 96), np.random.default_rng(3))
    damage = costed["target"][0] > 0.5
    assert costed["cost"].shape == (2, 96, 96) and damage.any()
    assert costed["cost"][0][damage].mean() > 20 * costed["cost"][0][~damage].mean()
    plain = TASK.make_sample(smooth_image(96, 96), np.random.default_rng(3))  # Dice + BCE reads no costs
    assert "cost" not in plain
    assert all(np.array_equal(plain[k], costed[k]) for k in ("input", "target"))  # the same sample otherwise


def test_restore_train_with_the_repair_weighted_loss_feeds_it_costed_samples(tmp_path):
    """The trainer takes the loss's own samples (Task.loss_samples): without their costs the loss would stop."""
    import dataclasses
    import json

    from restorer.tasks import TASKS
    from restorer.train.config import TrainConfig
    from restorer.train.loop import train

    from .conftest import save_rgb
    from .test_segment import TINY_SEG

    data = tmp_path / "photos"
    data.mkdir()
    for i in range(4):
        save_rgb(data / f"p{i}.png", smooth_image(80, 80, i))
    task = dataclasses.replace(TASKS["segment"], model=TINY_SEG)
    torch.set_num_threads(1)
    path = train(task, TrainConfig(data=data, steps=2, batch_size=2, patch=64, loss="repair-weighted", device="cpu",
                                   out=tmp_path / "run"), progress=False)
    assert json.loads(path.with_suffix(".json").read_text())["training"]["config"]["loss"] == "repair-weighted"
