import dataclasses
import json
import math

import pytest
import torch

from restorer.devices import cpu_autocast_dtype
from restorer.models import ModelSpec
from restorer.tasks import TASKS
from restorer.tasks.base import TrainingHooks
from restorer.train.config import TrainConfig
from restorer.train.data import held_out_split, list_images
from restorer.train.loop import train
from restorer.weights import load_model

from .conftest import TINY_UNET, invoke, save_rgb, smooth_image


@pytest.fixture
def tiny_denoise(monkeypatch):
    task = TASKS["denoise"]
    return type(task)(**{**task.__dict__, "model": TINY_UNET, "patch": 32})


def test_train_writes_loadable_weights_log_and_curve(tmp_path, clean_folder, tiny_denoise):
    cfg = TrainConfig(data=clean_folder, steps=6, out=tmp_path / "run", batch_size=2, val_every=3)
    path = train(tiny_denoise, cfg, progress=False)
    model, info = load_model(path, task="denoise")
    assert info.meta["training"]["steps"] == 6 and info.meta["validation"]["psnr"] > 10
    assert (tmp_path / "run" / "curve.png").stat().st_size > 0
    assert [json.loads(line)["step"] for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()] == [3, 6, 6]


@pytest.mark.parametrize("setting", ["float32", "auto"])
def test_a_cpu_step_computes_in_the_precision_its_record_names(tmp_path, clean_folder, tiny_denoise, monkeypatch, setting):
    """bfloat16 where the CPU computes it natively (2-4x a step), float32 when RESTORER_PRECISION says so."""
    monkeypatch.setenv("RESTORER_PRECISION", setting)
    seen, real = [], type(tiny_denoise).training_loss

    def spy(self, net, batch):
        seen.append(torch.get_autocast_dtype("cpu") if torch.is_autocast_enabled("cpu") else torch.float32)
        return real(self, net, batch)

    monkeypatch.setattr(type(tiny_denoise), "training_loss", spy)
    path = train(tiny_denoise, TrainConfig(data=clean_folder, steps=2, out=tmp_path / "run", batch_size=2, device="cpu"), progress=False)
    expected = torch.float32 if setting == "float32" else cpu_autocast_dtype() or torch.float32
    assert seen == [expected, expected]
    assert load_model(path)[1].meta["training"]["precision"] == str(expected).removeprefix("torch.")


def test_resume_continues_the_step_count(tmp_path, clean_folder, tiny_denoise):
    out = tmp_path / "run"
    train(tiny_denoise, TrainConfig(data=clean_folder, steps=4, out=out, batch_size=2, val_every=100), progress=False)
    path = train(tiny_denoise, TrainConfig(data=clean_folder, steps=7, out=out, batch_size=2, val_every=100, resume=True), progress=False)
    assert load_model(path)[1].meta["training"]["steps"] == 7


def test_fine_tune_from_weights_keeps_their_architecture(tmp_path, clean_folder, tiny_denoise):
    first = train(tiny_denoise, TrainConfig(data=clean_folder, steps=2, out=tmp_path / "a", batch_size=2), progress=False)
    second = train(TASKS["denoise"], TrainConfig(data=clean_folder, steps=2, out=tmp_path / "b", batch_size=2, patch=32, from_weights=first), progress=False)
    assert load_model(second)[1].spec == TINY_UNET


def test_a_fine_tune_of_a_fine_tune_records_every_run_in_one_flat_list_through_a_resume(tmp_path, clean_folder, tiny_denoise):
    """What `restore models` and the benchmark records read: every run that made the weights, in order."""
    first = train(tiny_denoise, TrainConfig(data=clean_folder, steps=2, out=tmp_path / "a", batch_size=2), progress=False)
    second = train(tiny_denoise, TrainConfig(data=clean_folder, steps=1, out=tmp_path / "b", batch_size=2, from_weights=first,
                                             seed=5), progress=False)
    cfg = TrainConfig(data=clean_folder, steps=1, out=tmp_path / "c", batch_size=2, from_weights=second, seed=6)
    train(tiny_denoise, cfg, progress=False)
    third = train(tiny_denoise, dataclasses.replace(cfg, steps=3, resume=True), progress=False)
    record = load_model(third)[1].meta["training"]
    assert [run["config"]["seed"] for run in record["runs"]] == [0, 5, 6]
    assert [run["steps"] for run in record["runs"]] == [2, 1, 3] and record["steps"] == 6
    assert record["config"]["seed"] == 0  # the first run's split, which held-out scoring scripts read


def test_a_fine_tune_of_weights_whose_record_was_edited_by_hand_still_saves_its_own(tmp_path, clean_folder, tiny_denoise):
    first = train(tiny_denoise, TrainConfig(data=clean_folder, steps=2, out=tmp_path / "a", batch_size=2), progress=False)
    meta = json.loads(first.with_suffix(".json").read_text())
    first.with_suffix(".json").write_text(json.dumps({**meta, "training": "made by hand"}))
    second = train(tiny_denoise, TrainConfig(data=clean_folder, steps=1, out=tmp_path / "b", batch_size=2, from_weights=first),
                   progress=False)
    record = load_model(second)[1].meta["training"]
    assert "runs" not in record and record["steps"] == 1


def test_train_new_only_trains_a_grown_stage_and_holds_the_rest_through_a_resume(tmp_path, clean_folder, tiny_denoise):
    first = train(tiny_denoise, TrainConfig(data=clean_folder, steps=2, out=tmp_path / "a", batch_size=2), progress=False)
    grown_task = type(tiny_denoise)(**{**tiny_denoise.__dict__, "model": ModelSpec(TINY_UNET.arch, {
        **TINY_UNET.args, "refine_blocks": 1, "refine_channels": 8})})
    cfg = TrainConfig(data=clean_folder, steps=2, out=tmp_path / "b", batch_size=2, lr=1e-2, ema=0,
                      from_weights=first, train_new_only=True)
    train(grown_task, cfg, progress=False)
    second = train(grown_task, dataclasses.replace(cfg, steps=4, resume=True), progress=False)
    before, (after, info) = load_model(first)[0].state_dict(), load_model(second)
    assert info.spec == grown_task.model and info.meta["training"]["runs"][-1]["steps"] == 4
    assert all(after.state_dict()[k].equal(v) for k, v in before.items())
    assert not after.refine.tail.weight.eq(0).all()  # the new stage trained (it starts at zero)
    with pytest.raises(ValueError, match="nothing new to train"):
        train(tiny_denoise, dataclasses.replace(cfg, out=tmp_path / "c"), progress=False)


def test_held_out_split_is_repeatable_disjoint_and_the_one_training_uses(tmp_path, tiny_denoise):
    folder = tmp_path / "clean"
    folder.mkdir()
    for i in range(20):
        save_rgb(folder / f"img{i:02d}.png", smooth_image(48, 48, seed=i))
    kept, held = held_out_split(folder, seed=3)
    assert len(held) == 2 and not set(kept) & set(held) and sorted(kept + held) == list_images(folder)
    assert held_out_split(folder, seed=3) == (kept, held) and held_out_split(folder, seed=4)[1] != held
    path = train(tiny_denoise, TrainConfig(data=folder, steps=1, out=tmp_path / "run", batch_size=2, seed=3), progress=False)
    assert load_model(path)[1].meta["training"]["train_images"] == len(kept)


def test_no_images_is_a_clear_error(tmp_path, tiny_denoise):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no usable training images"):
        train(tiny_denoise, TrainConfig(data=tmp_path / "empty", steps=1, out=tmp_path / "run"), progress=False)


def test_distributed_training_with_two_cpu_processes(tmp_path, clean_folder):
    """torchrun + DistributedDataParallel on the gloo backend, as users with several machines run it."""
    import subprocess
    import sys

    out = tmp_path / "ddp"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-port", "29533",
           "-m", "restorer", "train", "denoise", "--data", str(clean_folder), "--steps", "3",
           "--batch-size", "2", "--patch", "32", "--device", "cpu", "--out", str(out)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env={**__import__("os").environ, "OMP_NUM_THREADS": "1"})
    assert r.returncode == 0, r.stderr[-2000:]
    info = load_model(out / "denoise.safetensors")[1]
    assert info.meta["training"]["world_size"] == 2 and info.meta["training"]["steps"] == 3


def test_tasks_where_up_matters_train_upright():
    import numpy as np

    from restorer.train.data import augmentation

    yy = np.repeat(np.linspace(0, 255, 64)[:, None], 64, axis=1)
    img = np.stack([yy, 255 - yy, np.full_like(yy, 90)], axis=2).astype(np.uint8)  # dark top, bright bottom
    upright = lambda c: np.array_equal(np.sort(c[..., 0], axis=0), c[..., 0])
    fixed, turning = augmentation(48, seed=0, rotate=False), augmentation(48, seed=0)
    assert all(upright(fixed(image=img)["image"]) for _ in range(16))  # flips keep rows; crops keep order
    assert not all(upright(turning(image=img)["image"]) for _ in range(16))  # the default turns, upside down at times


def _ramp_crops(task, count: int, **stream):
    """How much of a 512x384 left-to-right ramp each of `count` 32 px training crops covers, in grey levels:
    the more the photo was shrunk before cropping, the more."""
    from itertools import islice

    import numpy as np

    from restorer.train.data import SampleStream

    img = np.repeat(np.repeat(np.linspace(0, 255, 512)[None], 384, axis=0)[..., None], 3, axis=2).astype(np.uint8)
    keep = dataclasses.replace(task, make_sample=lambda crop, rng: {"input": crop}, rotate=False)
    return [np.ptp(s["input"][..., 0].mean(0)) * 255 for s in islice(iter(SampleStream([img], keep, 32, 0, **stream)), count)]


def test_a_task_with_train_side_trains_and_validates_at_that_scale():
    import numpy as np

    from restorer.train.data import validation_samples

    assert max(_ramp_crops(TASKS["denoise"], 8)) < 20  # 32 of 512 columns
    small = dataclasses.replace(TASKS["denoise"], train_side=64, make_sample=lambda crop, rng: {"input": crop})
    assert min(_ramp_crops(small, 8)) > 80  # 32 of at most 80 columns: the image was shrunk to about 64 px first
    img = np.zeros((384, 512, 3), np.uint8)
    assert validation_samples([img], small, 256)[0]["input"].shape == (32, 32, 3)
    assert TASKS["colorize"].train_side  # colour is predicted at a fixed scale, and learnt at it


def test_shrink_draws_photos_smaller_but_never_below_a_patch():
    import numpy as np

    from restorer.resize import shrunk

    native, small = _ramp_crops(TASKS["denoise"], 16), _ramp_crops(TASKS["denoise"], 16, shrink=0.5)
    assert np.mean(small) > 1.3 * np.mean(native)  # shrunk by 0.5-1: a crop covers about 1.4x the columns
    img = np.zeros((384, 512, 3), np.uint8)
    assert shrunk(img, 0.1, 96).shape[:2] == (96, 128)  # held at one patch on the short side
    assert shrunk(img, 0.5, 32).shape[:2] == (192, 256)


def test_initialise_runs_from_scratch_only(tmp_path, clean_folder, tiny_denoise):
    import dataclasses

    calls = []
    task = dataclasses.replace(tiny_denoise, training=TrainingHooks(initialise=lambda model, images: calls.append(len(images))))
    out = tmp_path / "run"
    path = train(task, TrainConfig(data=clean_folder, steps=2, out=out, batch_size=2, val_every=100), progress=False)
    assert calls == [5]  # the training split of 6 images (one held out)
    train(task, TrainConfig(data=clean_folder, steps=3, out=out, batch_size=2, val_every=100, resume=True), progress=False)
    train(task, TrainConfig(data=clean_folder, steps=1, out=tmp_path / "ft", batch_size=2, from_weights=path), progress=False)
    assert calls == [5]  # a resumed or fine-tuned model keeps its weights


def _close(a, b) -> bool:
    return all((a[k].float() - b[k].float()).abs().max() < 2e-3 for k in a if a[k].is_floating_point())


@pytest.mark.parametrize("ema", [0.0, 0.9])
def test_saved_weights_are_the_weight_average_unless_it_is_off(tmp_path, clean_folder, tiny_denoise, ema):
    import torch

    out = tmp_path / "run"
    path = train(tiny_denoise, TrainConfig(data=clean_folder, steps=6, out=out, batch_size=2, lr=1e-2, ema=ema), progress=False)
    ckpt = torch.load(out / "checkpoint.pt", weights_only=False)
    saved = load_model(path)[0].state_dict()
    if ema:
        assert ckpt["ema"]["updates"] == 6 and _close(saved, ckpt["ema"]["model"]) and not _close(saved, ckpt["model"])
    else:
        assert "ema" not in ckpt and _close(saved, ckpt["model"])


def test_resume_carries_the_weight_average_on(tmp_path, clean_folder, tiny_denoise):
    import torch

    out = tmp_path / "run"
    train(tiny_denoise, TrainConfig(data=clean_folder, steps=4, out=out, batch_size=2), progress=False)
    train(tiny_denoise, TrainConfig(data=clean_folder, steps=7, out=out, batch_size=2, resume=True), progress=False)
    assert torch.load(out / "checkpoint.pt", weights_only=False)["ema"]["updates"] == 7


def test_weight_average_warms_up_then_moves_by_one_minus_decay():
    import torch

    from restorer.train.ema import WeightAverage

    model = torch.nn.Linear(1, 1, bias=False)
    torch.nn.init.zeros_(model.weight)
    average = WeightAverage(model, decay=0.5)
    with torch.no_grad():
        model.weight.fill_(1.0)
    average.update(model)  # warm-up decay min(0.5, 1/10): 90 % of the way
    assert average.model.weight.item() == pytest.approx(0.9)
    average.update(model)  # min(0.5, 2/11): still warming up
    assert average.model.weight.item() == pytest.approx(0.9 + 0.1 * 9 / 11)
    average.updates = 100
    with torch.no_grad():
        model.weight.fill_(2.0)
    before = average.model.weight.item()
    average.update(model)
    assert average.model.weight.item() == pytest.approx(before + 0.5 * (2.0 - before))


def test_loss_option_swaps_in_the_tasks_other_loss_and_names_the_known_ones(tmp_path, clean_folder, tiny_denoise):
    import torch

    from restorer.tasks.inpaint import hole_weighted_mse

    pred, target = torch.zeros(1, 3, 2, 2), torch.full((1, 3, 2, 2), 0.5)
    mask = torch.zeros(1, 1, 2, 2)
    mask[..., 0, 0] = 1  # one hole pixel of four, weighted 6: (6 * 0.25 + 3 * 0.25) / (9 / 4)
    assert hole_weighted_mse(pred, {"target": target, "mask": mask}).item() == pytest.approx(0.25)
    assert TASKS["inpaint"].with_loss("mse").loss is hole_weighted_mse
    path = train(tiny_denoise, TrainConfig(data=clean_folder, steps=2, out=tmp_path / "run", batch_size=2, loss="mse"), progress=False)
    assert load_model(path)[1].meta["training"]["config"]["loss"] == "mse"
    with pytest.raises(ValueError, match="segment has no loss 'mse'"):
        TASKS["segment"].with_loss("mse")


def test_psnr_loss_is_minus_the_mean_per_sample_psnr_and_weighs_a_light_error_as_much_as_a_heavy_one():
    import torch

    from restorer.tasks.base import PSNR_LOSS_FLOOR, psnr_loss

    target = torch.zeros(2, 3, 4, 4)
    pred = torch.stack([torch.full((3, 4, 4), 0.01), torch.full((3, 4, 4), 0.1)]).requires_grad_()
    expected = 10 * (math.log10(1e-4 + PSNR_LOSS_FLOOR) + math.log10(1e-2 + PSNR_LOSS_FLOOR)) / 2
    loss = psnr_loss(pred, {"target": target})
    assert loss.item() == pytest.approx(expected, rel=1e-5)
    loss.backward()
    # d/dpred of log(mean e^2) is 2e / (n mean e^2) = 2 / (n e): the light sample gets the larger push,
    # where the batch MSE would push the heavy one ten times harder
    light, heavy = pred.grad[0].abs().mean().item(), pred.grad[1].abs().mean().item()
    assert light > 5 * heavy
    assert TASKS["denoise"].with_loss("psnr").loss is psnr_loss


@pytest.mark.parametrize("freeze, held", [(False, False), (True, True), (None, True)])
def test_freeze_bn_holds_the_starting_statistics_while_the_weights_train(tmp_path, clean_folder, tiny_denoise, freeze, held):
    """None (no flag): a fine-tune --from weights holds them, as a user's small batches would spoil them."""
    first = train(tiny_denoise, TrainConfig(data=clean_folder, steps=2, out=tmp_path / "a", batch_size=2, ema=0), progress=False)
    second = train(tiny_denoise, TrainConfig(data=clean_folder, steps=3, out=tmp_path / "b", batch_size=2, ema=0, lr=1e-2,
                                             from_weights=first, freeze_bn=freeze), progress=False)
    before, after = load_model(first)[0].state_dict(), load_model(second)[0].state_dict()
    stats = [k for k in before if k.endswith(("running_mean", "running_var"))]
    weights = [k for k in before if k.endswith(".weight")]
    assert stats and all(before[k].equal(after[k]) for k in stats) == held
    assert not all(before[k].equal(after[k]) for k in weights)
    assert json.loads(second.with_suffix(".json").read_text())["training"]["runs"][-1]["config"]["freeze_bn"] is held


def test_batchnorm_statistics_train_from_scratch_and_with_continue_unless_told(tmp_path):
    w = tmp_path / "w.safetensors"
    assert TrainConfig(data=tmp_path).freeze_bn is False
    assert TrainConfig(data=tmp_path, from_weights=w, continue_training=True).freeze_bn is False
    assert TrainConfig(data=tmp_path, from_weights=w, freeze_bn=False).freeze_bn is False
    assert TrainConfig(data=tmp_path, from_weights=w, continue_training=True, freeze_bn=True).freeze_bn is True


def test_no_freeze_bn_flag_lets_a_fine_tune_train_the_statistics(tmp_path, clean_folder, tiny_denoise):
    first = train(tiny_denoise, TrainConfig(data=clean_folder, steps=2, out=tmp_path / "a", batch_size=2, ema=0), progress=False)
    r = invoke("train", "denoise", "--data", clean_folder, "--from", first, "--no-freeze-bn", "--steps", "1",
               "--batch-size", "2", "--patch", "32", "--out", tmp_path / "b", "--device", "cpu")
    assert r.exit_code == 0, r.output
    assert json.loads((tmp_path / "b" / "denoise.json").read_text())["training"]["runs"][-1]["config"]["freeze_bn"] is False


def test_freeze_bn_needs_trained_statistics(tmp_path, clean_folder, tiny_denoise):
    with pytest.raises(ValueError, match="--freeze-bn"):
        train(tiny_denoise, TrainConfig(data=clean_folder, steps=1, out=tmp_path / "run", freeze_bn=True), progress=False)


def test_continue_goes_on_as_a_resume_from_a_checkpoint_rebuilt_from_the_weights(tmp_path, clean_folder, tiny_denoise):
    """`--from W --continue` gives the very weights a --resume from a checkpoint rebuilt from W gives
    (W's step count and minutes, a fresh optimiser): what docs/checkpoint_from_weights.py was for."""
    import torch

    from restorer.train.checkpoint import write_checkpoint

    first = train(tiny_denoise, TrainConfig(data=clean_folder, steps=3, out=tmp_path / "a", batch_size=2, ema=0), progress=False)
    go_on = dict(data=clean_folder, steps=5, batch_size=2, ema=0, val_every=100)
    continued = train(tiny_denoise, TrainConfig(**go_on, out=tmp_path / "b", from_weights=first, continue_training=True),
                      progress=False)
    model, info = load_model(first)
    state = {"step": info.meta["training"]["steps"], "minutes": info.meta["training"]["minutes"], "loss": [], "val": []}
    (tmp_path / "c").mkdir()
    write_checkpoint(tmp_path / "c" / "checkpoint.pt", info.spec, model.train(), torch.optim.Adam(model.parameters()), state, {})
    resumed = train(tiny_denoise, TrainConfig(**go_on, out=tmp_path / "c", resume=True), progress=False)
    a, b = load_model(continued), load_model(resumed)
    assert a[1].meta["training"]["steps"] == b[1].meta["training"]["steps"] == 5
    assert a[1].meta["training"]["minutes"] >= info.meta["training"]["minutes"]
    assert all(torch.equal(a[0].state_dict()[k], b[0].state_dict()[k]) for k in a[0].state_dict())


def test_continue_takes_a_folded_calibration_out_and_needs_a_training_record():
    import torch

    from restorer.tasks.segment import undo_calibration
    from restorer.train.checkpoint import continued_state

    model = torch.nn.Module()
    model.head = torch.nn.Sequential(torch.nn.Conv2d(1, 1, 1))
    torch.nn.init.constant_(model.head[-1].bias, 1.5)
    meta = {"training": {"steps": 40, "minutes": 2.5, "calibration": {"logit_shift": 1.25}}}
    assert continued_state(model, meta, undo_calibration) == {"step": 40, "minutes": 2.5, "loss": [], "val": []}
    assert model.head[-1].bias.item() == pytest.approx(0.25)  # back to what the trainer trained
    with pytest.raises(ValueError, match="no `restore train` record"):
        continued_state(model, {}, undo_calibration)


def test_continue_needs_from_and_not_resume(tmp_path, clean_folder, tiny_denoise):
    with pytest.raises(ValueError, match="--continue"):
        train(tiny_denoise, TrainConfig(data=clean_folder, steps=1, out=tmp_path / "r", continue_training=True), progress=False)
    from .conftest import invoke

    assert "--continue" in invoke("train", "denoise", "--help").output
