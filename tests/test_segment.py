"""Damage segmentation: the damage functions' exact masks, samples, loss and IoU,
`restore segment` (mask and overlay files, never overwriting), the bench, and
training on a small labelled folder. Tiny models stand in for trained weights."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image

from restorer.cli import main
from restorer.corrupt import damage
from restorer.corrupt.damage_draw import Layer
from restorer.tiling import TiledPredictor
from restorer.imageio import read_image
from restorer.models import ModelSpec
from restorer.tasks import TASKS
from restorer.tasks.segment import SegmentOptions, apply, calibrate_threshold, iou, undo_calibration
from restorer.train.config import TrainConfig
from restorer.train.loop import train
from restorer.weights import save_weights

from .conftest import bench_rows, invoke, save_rgb, smooth_image

TASK = TASKS["segment"]
TINY_SEG = ModelSpec(
    "refined_unet",
    {"in_channels": 3, "out_channels": 1, "encoder": "resnet18", "encoder_depth": 3,
     "decoder_channels": (32, 16, 8), "head_channels": 8, "head_layers": 2, "residual": False},
)


def bright_detector() -> torch.nn.Module:
    """A stand-in 'detector' with a known answer: logit = 40 * (mean colour - 0.8), so pixels
    brighter than 0.8 are damage. Built on the tiny U-Net by wiring its head to the input."""
    model = TINY_SEG.build().eval()
    last = model.head[-1]
    with torch.no_grad():
        for p in model.head.parameters():
            p.zero_()
        first = model.head[0]
        width = first.in_channels - 3  # decoder features come first, then the input's 3 channels
        first.weight[0, width : width + 3, 1, 1] = 1.0  # ReLU(r + g + b) at channel 0
        last.weight[0, 0, 1, 1] = 40 / 3
        last.bias[0] = -40 * 0.8
    return model


@pytest.fixture(scope="module")
def detector_weights(tmp_path_factory) -> Path:
    return save_weights(bright_detector(), TINY_SEG, tmp_path_factory.mktemp("w") / "segment.safetensors", task="segment")


def photo_with_bright_marks(path: Path) -> tuple[Path, np.ndarray]:
    img = smooth_image(64, 80) * 0.6  # nothing brighter than 0.6
    marks = np.zeros((64, 80), bool)
    marks[10:12, 5:70] = True  # a scratch
    marks[40:44, 30:34] = True  # a speck
    img[marks] = 0.97
    return save_rgb(path, img), marks


# ----------------------------------------------------------------------------- damage functions


@pytest.mark.parametrize("kind", sorted(damage.KINDS))
def test_each_kind_of_damage_marks_the_pixels_it_visibly_changed(kind):
    fn = damage.KINDS[kind][0]
    for seed in range(4):
        img = smooth_image(128, 160, seed)
        out, mask = fn(img, np.random.default_rng(seed))
        assert out.shape == img.shape and out.dtype == np.float32 and mask.dtype == bool and mask.shape == (128, 160)
        changed = np.abs(out - img).max(axis=2)
        assert mask.any(), f"{kind} drew nothing for seed {seed}"
        if kind in damage.SOFT_KINDS:  # outside the mask only a faint, unlabelled halo or tone shift
            assert changed[~mask].max() < damage.LABEL_ALPHA
        else:
            assert np.array_equal(out[~mask], img[~mask])  # untouched outside the mask, bit for bit
        assert changed[mask].min() >= damage.MIN_CHANGE  # and every marked pixel visibly changed
        again = fn(img, np.random.default_rng(seed))
        assert np.array_equal(again[0], out) and np.array_equal(again[1], mask)


def test_soft_marks_are_anti_aliased_down_to_sub_pixel_widths():
    layer = Layer(21, 40)
    layer.path(np.array([[4.0, 10.5], [36.0, 10.5]]), 0.5)  # half a pixel wide, centred in row 10
    alpha = layer.alpha()
    # half a pixel's worth per column (OpenCV draws odd row counts: widths come in quarter pixels at 8x)
    assert alpha[:, 8:32].sum(axis=0) == pytest.approx(np.full(24, 0.5), abs=0.13)
    wide = Layer(21, 40)
    wide.path(np.array([[4.0, 10.5], [36.0, 10.5]]), 3.0)
    assert wide.alpha()[:, 8:32].sum(axis=0) == pytest.approx(np.full(24, 3.0), abs=0.3)


def test_a_crease_shifts_the_tone_of_one_side_only():
    img = np.full((96, 96, 3), 0.5, np.float32)
    for seed in range(6):
        out, mask = damage.KINDS["creases"][0](img, np.random.default_rng(seed))
        shift = (out - img).mean(axis=2)[~mask]
        far = np.abs(shift) > 1e-4
        # the unlabelled pixels that moved moved together: one side lighter or darker, not noise
        if far.mean() > 0.2:
            assert (np.sign(shift[far]) == np.sign(np.median(shift[far]))).mean() > 0.9


def test_dust_on_one_photo_is_all_dark_or_all_bright():
    img = np.full((128, 128, 3), 0.5, np.float32)
    for seed in range(6):
        out, mask = damage.KINDS["specks"][0](img, np.random.default_rng(seed))
        moved = (out - img).mean(axis=2)[mask]
        assert (moved > 0).all() or (moved < 0).all()  # a print's dust is dark, a negative's bright


def test_random_damage_mixes_kinds_and_its_mask_is_the_union():
    img = smooth_image(128, 128, 1)
    areas = []
    for seed in range(10):
        out, mask = damage.random_damage(img, np.random.default_rng(seed), clean_odds=0.0)
        # outside the mask only faint halos and tone shifts, of two kinds at most where they overlap
        assert np.abs(out - img).max(axis=2)[~mask].max(initial=0) < 2 * damage.LABEL_ALPHA and mask.any()
        areas.append(mask.mean())
    assert 0.001 < np.median(areas) < 0.3
    out, mask = damage.random_damage(img, np.random.default_rng(0), clean_odds=1.0)
    assert not mask.any() and np.array_equal(out, img)


# ----------------------------------------------------------------------------- task


def test_sample_target_is_the_binary_damage_mask():
    for seed in range(4):
        s = TASK.make_sample(smooth_image(96, 96, seed), np.random.default_rng(seed))
        assert s["input"].shape == (3, 96, 96) and s["target"].shape == (1, 96, 96)
        assert set(np.unique(s["target"])) <= {0.0, 1.0}
        assert 0.0 <= s["input"].min() and s["input"].max() <= 1.0


def test_loss_and_iou_reward_the_right_mask():
    target = torch.zeros(2, 1, 32, 32)
    target[:, :, 8:16, 8:24] = 1
    batch = {"target": target}
    right, wrong = 20 * (2 * target - 1), -20 * (2 * target - 1)
    assert float(TASK.loss(right, batch)) < 0.01 < 1.0 < float(TASK.loss(wrong, batch))
    assert iou(right, batch) == 1.0 and iou(wrong, batch) == 0.0
    half = right.clone()
    half[:, :, 8:16, 16:24] = -20  # finds half of the damage
    assert iou(half, batch) == pytest.approx(0.5)
    assert TASK.metrics["f1"](half, batch) == pytest.approx(2 / 3)


def test_threshold_moves_the_mask(tmp_path):
    model = bright_detector()
    path, marks = photo_with_bright_marks(tmp_path / "p.png")
    predict = TiledPredictor.create(model, torch.device("cpu"), 0)
    photo = read_image(path)
    mask = apply(photo, SegmentOptions(), predict)
    assert mask.channels == 1 and np.array_equal(mask.pixels[..., 0] > 0.5, marks)
    everything = apply(photo, SegmentOptions(threshold=0.0), predict)
    assert everything.pixels.min() == 1.0


# ----------------------------------------------------------------------------- CLI


def test_segment_writes_mask_png_and_overlay_and_never_overwrites(tmp_path, detector_weights):
    src, marks = photo_with_bright_marks(tmp_path / "photo.png")
    jpg = tmp_path / "photos" / "shot.jpg"
    jpg.parent.mkdir()
    save_rgb(jpg, np.asarray(Image.open(src), np.float32) / 255, quality=98)
    out = tmp_path / "out"
    args = ("segment", str(src), str(jpg.parent), "-o", str(out), "--weights", str(detector_weights), "--device", "cpu", "-q")
    r = invoke(*args, "--overlay")
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == ["photo_mask.png", "photo_overlay.png", "shot_mask.png", "shot_overlay.png"]
    mask = np.asarray(Image.open(out / "photo_mask.png"))
    assert mask.ndim == 2 and set(np.unique(mask)) == {0, 255}
    assert np.array_equal(mask == 255, marks)
    overlay = np.asarray(Image.open(out / "photo_overlay.png")).astype(int)
    original = np.asarray(Image.open(src)).astype(int)
    assert np.array_equal(overlay[~marks], original[~marks])  # only marked pixels are tinted...
    assert (overlay[marks][:, 0] > overlay[marks][:, 2] + 50).all()  # ...red
    assert (np.asarray(Image.open(out / "shot_mask.png")) == 255).sum() == pytest.approx(marks.sum(), rel=0.1)

    before = (out / "photo_mask.png").stat().st_mtime_ns
    r = invoke(*args)
    assert r.exit_code == 1 and "output exists" in r.output and "2 failed" in r.output
    assert (out / "photo_mask.png").stat().st_mtime_ns == before
    (out / "photo_mask.png").unlink()  # the overlay alone still blocks a run that would write it
    r = invoke(*args[:2], "-o", str(out), *args[5:], "--overlay")
    assert r.exit_code == 1 and "photo_overlay.png" in r.output and not (out / "photo_mask.png").exists()
    r = invoke(*args[:2], "-o", str(out), *args[5:], "--overlay", "--overwrite")
    assert r.exit_code == 0 and (out / "photo_mask.png").exists()


def test_bench_scores_ours_and_tophat(tmp_path, detector_weights):
    data = tmp_path / "data"
    data.mkdir()
    for i in range(2):
        save_rgb(data / f"img{i}.png", smooth_image(128, 160, i))
    grid = tmp_path / "grid.png"
    r = invoke("bench", "segment", "--data", str(data), "--weights", str(detector_weights), "--device", "cpu",
               "--json", "--grid", str(grid))
    assert r.exit_code == 0, r.output
    rows = bench_rows(r.output, "method")
    assert set(rows) == {"ours", "ours-1view", "tophat"}
    for row in rows.values():
        assert row["images"] == 2 and row["s/MP"] > 0 and 0 < row["damage %"] < 50
        assert all(0 <= row[k] <= 1 for k in ("IoU", "F1", "precision", "recall"))
    assert rows["tophat"]["IoU"] > 0.02  # the baseline finds some of the damage
    assert Image.open(grid).size[0] > 5 * 160  # damaged, truth and one mask per method
    # --record: the numbers go into the JSON beside the measured weights
    import shutil

    copy = Path(shutil.copy(detector_weights, tmp_path / "segment.safetensors"))
    shutil.copy(detector_weights.with_suffix(".json"), copy.with_suffix(".json"))
    r = invoke("bench", "segment", "--data", str(data), "--weights", str(copy), "--device", "cpu", "--record")
    assert r.exit_code == 0, r.output
    recorded = json.loads(copy.with_suffix(".json").read_text())["benchmark"]["data (2 images)"]
    assert set(recorded) == {"ours", "ours-1view", "tophat"} and recorded["ours"].startswith("IoU ")
    # another damage generator is another entry, beside the first, not over it
    r = invoke("bench", "segment", "--data", str(data), "--weights", str(copy), "--device", "cpu", "--record",
               "--generator", "independent", "--methods", "ours-1view")
    assert r.exit_code == 0, r.output
    both = json.loads(copy.with_suffix(".json").read_text())["benchmark"]
    assert set(both) == {"data (2 images)", "data (2 images, generator independent)"}
    assert both["data (2 images)"] == recorded and set(both["data (2 images, generator independent)"]) == {"ours-1view"}


# ----------------------------------------------------------------------------- training on labels


def labelled_folder(root: Path, n: int, classes: int) -> tuple[Path, Path, float]:
    """n photos with coloured discs and their index masks; returns the folders and the
    foreground fraction (what an 'everything is the class' guess scores as IoU)."""
    images, masks = root / "images", root / "masks"
    images.mkdir(parents=True), masks.mkdir()
    colours = [(0.9, 0.2, 0.2), (0.2, 0.3, 0.9)]
    yy, xx = np.mgrid[0:96, 0:96]
    fg = []
    for i in range(n):
        rng = np.random.default_rng(i)
        img, labels = smooth_image(96, 96, i) * 0.6 + 0.2, np.zeros((96, 96), np.uint8)
        for _ in range(3):
            c = int(rng.integers(1, classes))
            disc = (yy - rng.uniform(10, 86)) ** 2 + (xx - rng.uniform(10, 86)) ** 2 < rng.uniform(5, 14) ** 2
            labels[disc], img[disc] = c, colours[c - 1]
        save_rgb(images / f"p{i:02d}.jpg", img)
        Image.fromarray(labels * (255 if classes == 2 else 1)).save(masks / f"p{i:02d}.png")
        fg.append((labels > 0).mean())
    return images, masks, float(np.mean(fg))


class _LogitsFromInput(torch.nn.Module):
    """A 'detector' whose logits are its input's first channel (through a 1x1 head)."""

    out_channels = 1

    def __init__(self) -> None:
        super().__init__()
        self.head = torch.nn.Sequential(torch.nn.Conv2d(1, 1, 1))
        torch.nn.init.ones_(self.head[0].weight)
        torch.nn.init.zeros_(self.head[0].bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(x[:, :1])


def test_calibration_moves_the_threshold_to_the_best_validation_iou():
    rng = np.random.default_rng(0)
    batches = []
    for _ in range(3):
        target = (rng.random((1, 1, 32, 32)) < 0.1).astype(np.float32)
        logits = 2.0 + 4.0 * target  # all positive: at probability 0.5 everything is "damage"
        batches.append({"input": torch.from_numpy(logits), "target": torch.from_numpy(target)})
    model = _LogitsFromInput()
    record = calibrate_threshold(model, batches, torch.device("cpu"))
    assert record["val_pooled_iou_at_0.5_before"] < 0.2 and record["val_pooled_iou_after"] == 1.0
    assert 2.0 <= -record["logit_shift"] < 6.0
    with torch.no_grad():
        for b in batches:  # the cut is folded into the model: 0.5 now separates exactly
            assert torch.equal(model(b["input"]) > 0, b["target"] > 0.5)
    undo_calibration(model, record)  # what a resumed run trains: the uncalibrated model
    assert model.head[-1].bias.abs().max() < 1e-6


def test_training_on_a_small_labelled_folder_beats_chance(tmp_path):
    images, masks, chance = labelled_folder(tmp_path, 36, classes=2)
    task = dataclasses.replace(TASK, model=TINY_SEG)  # the real task, a tiny body
    cfg = TrainConfig(data=images, masks=masks, classes=2, steps=50, batch_size=8, patch=64, lr=1e-2,
                      device="cpu", val_every=25, out=tmp_path / "run")
    torch.set_num_threads(1)
    path = train(task, cfg, progress=False)
    meta = json.loads(path.with_suffix(".json").read_text())
    assert meta["task"] == "segment" and meta["training"]["train_images"] == 32
    assert meta["training"]["calibration"]["val_pooled_iou_after"] >= meta["training"]["calibration"]["val_pooled_iou_at_0.5_before"]
    assert meta["validation"]["iou"] > max(0.5, 3 * chance), (meta["validation"], chance)
    log = [json.loads(ln) for ln in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert [e["step"] for e in log] == [25, 50, 50] and "iou" in log[0]

    # resume carries on from the checkpoint; the weights segment a held-in photo via the CLI
    cfg = dataclasses.replace(cfg, steps=55, resume=True)
    train(task, cfg, progress=False)
    assert json.loads(path.with_suffix(".json").read_text())["training"]["steps"] == 55
    r = invoke("segment", str(images / "p00.jpg"), "-o", str(tmp_path / "out"), "--weights", str(path), "--device", "cpu", "-q")
    assert r.exit_code == 0, r.output
    truth = np.asarray(Image.open(masks / "p00.png")) > 0
    got = np.asarray(Image.open(tmp_path / "out" / "p00_mask.png")) > 0
    assert (got & truth).sum() / (got | truth).sum() > 0.5


def test_multiclass_labels_train_and_write_index_masks(tmp_path):
    images, masks, _ = labelled_folder(tmp_path, 12, classes=3)
    task = dataclasses.replace(TASK, model=TINY_SEG)
    cfg = TrainConfig(data=images, masks=masks, classes=3, steps=3, batch_size=4, patch=64, device="cpu", out=tmp_path / "run")
    path = train(task, cfg, progress=False)
    assert json.loads(path.with_suffix(".json").read_text())["model"]["args"]["out_channels"] == 3
    r = invoke("segment", str(images / "p00.jpg"), "-o", str(tmp_path / "out"), "--weights", str(path), "--device", "cpu", "-q")
    assert r.exit_code == 0, r.output
    assert np.asarray(Image.open(tmp_path / "out" / "p00_mask.png")).max() <= 2  # class indices, not 0/255
    Image.fromarray(np.full((96, 96), 5, np.uint8)).save(masks / "p01.png")
    with pytest.raises(ValueError, match="p01.png: class index 5 but --classes 3"):
        train(task, dataclasses.replace(cfg, out=tmp_path / "r2"), progress=False)


def test_train_cli_needs_a_mask_for_every_image(tmp_path):
    images, masks, _ = labelled_folder(tmp_path, 4, classes=2)
    (masks / "p01.png").unlink()
    r = CliRunner().invoke(main, ["train", "segment", "--data", str(images), "--masks", str(masks), "--steps", "1",
                                  "--device", "cpu", "--out", str(tmp_path / "run")])
    assert r.exit_code == 1 and "p01" in r.output and "no mask" in r.output


def test_a_loss_the_labels_cannot_feed_stops_in_one_line_and_leaves_no_run_folder(tmp_path):
    images, masks, _ = labelled_folder(tmp_path, 4, classes=2)
    r = CliRunner().invoke(main, ["train", "segment", "--data", str(images), "--masks", str(masks), "--steps", "1",
                                  "--loss", "repair-weighted", "--device", "cpu", "--out", str(tmp_path / "run")])
    assert r.exit_code == 1 and "cannot train on --masks" in r.output
    assert not (tmp_path / "run").exists()
    (tmp_path / "mine").mkdir()  # a folder the user made is theirs: kept
    r = CliRunner().invoke(main, ["train", "segment", "--data", str(images), "--masks", str(masks), "--steps", "1",
                                  "--loss", "repair-weighted", "--device", "cpu", "--out", str(tmp_path / "mine")])
    assert r.exit_code == 1 and (tmp_path / "mine").is_dir()


def test_calibration_sees_whole_photos_both_as_scanned_and_as_clean_photos_with_damage():
    from restorer.tasks.segment import calibration_samples
    rng = np.random.default_rng(3)
    photos = [(rng.random((321, 481, 3)) * 255).astype(np.uint8), (rng.random((700, 300, 3)) * 255).astype(np.uint8)]
    samples = calibration_samples(photos)
    assert [s["input"].shape for s in samples] == [(3, 320, 480)] * 2 + [(3, 512, 288)] * 2
    for k, (scanned, plain) in enumerate(zip(samples[::2], samples[1::2])):
        h, w = plain["input"].shape[1:]
        y, x = (photos[k].shape[0] - h) // 2, (photos[k].shape[1] - w) // 2
        clean = photos[k][y : y + h, x : x + w].transpose(2, 0, 1).astype(np.float32) / 255
        untouched = plain["target"][0] == 0
        same = (np.abs(plain["input"] - clean) <= 0.5 / 255).all(axis=0)
        assert plain["target"].any() and same[untouched].mean() > 0.9  # the clean photo, but for faint halos
        assert not np.allclose(scanned["input"][:, untouched], clean[:, untouched], atol=0.5 / 255)  # toned / grainy


def test_independent_generator_labels_what_it_visibly_changed():
    from restorer.bench.damage_independent import independent_damage

    clean = smooth_image(128, 128) * 0.6 + 0.2
    damaged, label = independent_damage(clean, np.random.default_rng(1))
    again, _ = independent_damage(clean, np.random.default_rng(1))
    assert np.array_equal(damaged, again)  # seeded
    assert 0 < label.mean() < 0.5
    change = np.abs(damaged - clean).max(axis=2)
    assert change[label].mean() > 3 * change[~label].mean()  # the label is where the damage is, not the grain
