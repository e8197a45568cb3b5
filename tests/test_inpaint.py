"""Inpainting: masks, samples, the CLI's guarantees (unmasked pixels untouched,
masks found by stem and resized), the crop-around-holes path, and the bench.
A tiny random model stands in for trained weights."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image

from restorer.cli import main
from restorer.corrupt.masks import AREA, SIZES, random_mask
from restorer.tiling import TiledPredictor
from restorer.imageio import Photo
from restorer.tasks import TASKS
from restorer.tasks.inpaint import STARTS, InpaintOptions, apply, hole_boxes, model_input
from restorer.weights import save_weights

from .conftest import TINY_UNET, bench_rows, invoke, random_head_model, save_rgb, smooth_image

TASK = TASKS["inpaint"]


@pytest.fixture(scope="module")
def tiny_model():
    return random_head_model(TINY_UNET, head_std=0.05)  # zero-init would just return the pre-fill


@pytest.fixture(scope="module")
def tiny_weights(tiny_model, tmp_path_factory) -> Path:
    return save_weights(tiny_model, TINY_UNET, tmp_path_factory.mktemp("w") / "inpaint.safetensors", task="inpaint")


def inpaint(src: Path, mask: Path, weights: Path, out: Path, *more: str):
    cpu = ("--weights", str(weights), "--device", "cpu", "-q")
    return invoke("inpaint", str(src), "--mask", str(mask), "-o", str(out), *cpu, *more)


def save_mask(path: Path, hole: np.ndarray) -> Path:
    Image.fromarray(hole.astype(np.uint8) * 255).save(path)
    return path


def blobs(h: int, w: int, *boxes: tuple[int, int, int, int]) -> np.ndarray:
    hole = np.zeros((h, w), bool)
    for y, x, bh, bw in boxes:
        hole[y : y + bh, x : x + bw] = True
    return hole


def read_u8(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path))


def test_mask_sizes_fall_in_their_bands():
    for size in SIZES:
        lo, hi = AREA[size]
        fractions = [random_mask(96, 160, np.random.default_rng(s), size).mean() for s in range(12)]
        assert lo <= min(fractions) and max(fractions) <= hi, (size, fractions)
    a, b = (random_mask(64, 64, np.random.default_rng(7)) for _ in range(2))
    assert a.dtype == bool and a.shape == (64, 64) and np.array_equal(a, b)
    with pytest.raises(ValueError, match="huge"):
        random_mask(64, 64, np.random.default_rng(0), "huge")


@pytest.mark.parametrize("start", sorted(STARTS))
def test_model_never_sees_what_was_under_the_hole(start, monkeypatch):
    monkeypatch.setattr("restorer.tasks.inpaint.START", start)
    clean = smooth_image(96, 96)
    hole = blobs(96, 96, (30, 30, 20, 25), (0, 60, 10, 36))  # one hole touches the image border
    other = clean.copy()
    other[hole] = 1 - other[hole]  # different content under the hole only
    a, b = model_input(clean, hole), model_input(other, hole)
    assert np.array_equal(a, b)
    assert np.array_equal(a[:3, ~hole], clean.transpose(2, 0, 1)[:, ~hole])
    # the pre-fill continues the surroundings: far closer to them than grey
    assert np.abs(a[:3, hole] - clean.transpose(2, 0, 1)[:, hole]).mean() < np.abs(0.5 - clean[hole]).mean()


def test_narrow_holes_start_harmonic_and_wide_holes_start_from_telea():
    from restorer.tasks.inpaint import harmonic_fill, telea_fill, telea_narrow_harmonic_fill

    clean = smooth_image(96, 96)
    line = np.zeros((96, 96), bool)
    line[20:24, 10:80] = True  # 4 px wide: narrow
    block = blobs(96, 96, (65, 65, 20, 20))  # 40 px across: wide
    hole = line | block
    out = telea_narrow_harmonic_fill(clean, hole)
    assert np.allclose(out[line], harmonic_fill(clean, line)[line])
    assert np.array_equal(out[block], telea_fill(clean, hole)[block])
    assert not np.allclose(out[line], telea_fill(clean, hole)[line])  # the two starts differ there


def test_sample_holes_are_prefilled_and_the_rest_is_the_target():
    for seed in range(4):
        s = TASK.make_sample(smooth_image(128, 128, seed), np.random.default_rng(seed))
        hole = s["mask"][0].astype(bool)
        assert s["mask"].shape == (1, 128, 128) and set(np.unique(s["mask"])) <= {0.0, 1.0}
        assert 0.02 <= hole.mean() <= 0.5
        assert np.array_equal(s["input"][3], s["mask"][0])
        assert np.array_equal(s["input"], model_input(s["target"].transpose(1, 2, 0), hole))
        assert np.array_equal(s["input"][:3, ~hole], s["target"][:, ~hole])


def test_loss_weighs_holes_and_hole_psnr_ignores_the_rest():
    m = torch.from_numpy(TASK.make_sample(smooth_image(64, 64), np.random.default_rng(1))["mask"][None])
    t = torch.full((1, 3, 64, 64), 0.5)
    batch = {"target": t, "mask": m}
    err_in_hole, err_outside = t + 0.1 * m, t + 0.1 * (1 - m)
    frac = float(m.mean())
    # the same error per pixel costs HOLE_WEIGHT (6) times more inside the hole
    in_hole, outside = float(TASK.loss(err_in_hole, batch)) / frac, float(TASK.loss(err_outside, batch)) / (1 - frac)
    assert in_hole == pytest.approx(6 * outside, rel=1e-4)
    assert TASK.metrics["psnr_hole"](err_outside, batch) > 100  # composited: errors outside are discarded
    assert TASK.metrics["psnr_hole"](err_in_hole, batch) == pytest.approx(20.0, abs=0.01)


def test_unmasked_pixels_stay_bit_identical(tmp_path, tiny_weights):
    photo = save_rgb(tmp_path / "p.png", smooth_image(96, 128))
    hole = blobs(96, 128, (10, 10, 8, 20), (60, 90, 15, 6))
    mask = save_mask(tmp_path / "m.png", hole)
    r = inpaint(photo, mask, tiny_weights, tmp_path / "out")
    assert r.exit_code == 0, r.output
    src, out = read_u8(photo), read_u8(tmp_path / "out" / "p.png")
    assert np.array_equal(src[~hole], out[~hole])
    assert not np.array_equal(src[hole], out[hole])
    # --dilate grows the mask: pixels next to a hole may now change, far ones still not
    r = inpaint(photo, mask, tiny_weights, tmp_path / "d", "--dilate", "3")
    grown = blobs(96, 128, (7, 7, 14, 26), (57, 87, 21, 12))
    out = read_u8(tmp_path / "d" / "p.png")
    assert r.exit_code == 0 and np.array_equal(src[~grown], out[~grown])
    assert not np.array_equal(src[grown & ~hole], out[grown & ~hole])


def test_mask_folder_by_stem_resized_masks_and_a_missing_mask(tmp_path, tiny_weights):
    photos, masks = tmp_path / "photos", tmp_path / "masks"
    photos.mkdir(), masks.mkdir()
    save_rgb(photos / "a.png", smooth_image(64, 96, 1))
    Image.fromarray(np.rint(smooth_image(80, 80, 2)[..., 0] * 255).astype(np.uint8), "L").save(photos / "b.png")
    save_rgb(photos / "c.png", smooth_image(64, 64, 3))  # no mask for this one
    hole_a = blobs(64, 96, (20, 30, 10, 10))
    save_mask(masks / "a.bmp", hole_a)  # any image suffix matches the stem
    save_mask(masks / "b.png", blobs(40, 40, (10, 10, 5, 5)))  # half size: resized to 80x80
    r = inpaint(photos, masks, tiny_weights, tmp_path / "out")
    assert r.exit_code == 1
    errors = [ln for ln in r.output.splitlines() if "c.png" in ln]
    assert errors and "no mask" in errors[0] and "Traceback" not in r.output
    assert "2 written" in r.output and "1 failed" in r.output
    a_src, a_out = read_u8(photos / "a.png"), read_u8(tmp_path / "out" / "a.png")
    assert np.array_equal(a_src[~hole_a], a_out[~hole_a]) and not np.array_equal(a_src, a_out)
    hole_b = blobs(80, 80, (20, 20, 10, 10))
    b_src, b_out = read_u8(photos / "b.png"), read_u8(tmp_path / "out" / "b.png")
    assert Image.open(tmp_path / "out" / "b.png").mode == "L"
    assert np.array_equal(b_src[~hole_b], b_out[~hole_b]) and not np.array_equal(b_src[hole_b], b_out[hole_b])


def test_mask_option_is_required_and_must_exist(tmp_path):
    photo = save_rgb(tmp_path / "p.png", smooth_image(32, 32))
    r = CliRunner().invoke(main, ["inpaint", str(photo)])
    assert r.exit_code == 2 and "--mask" in r.output
    r = CliRunner().invoke(main, ["inpaint", str(photo), "--mask", str(tmp_path / "nope.png")])
    assert r.exit_code == 2 and "nope.png" in r.output


def test_empty_mask_returns_the_photo_unchanged(tmp_path):
    mask = save_mask(tmp_path / "m.png", np.zeros((8, 8), bool))
    photo = Photo(smooth_image(40, 40), None, 8, "PNG", None, None, {}, None, tmp_path / "p.png")
    assert apply(photo, InpaintOptions(mask=mask), lambda x: pytest.fail("model called")) is photo


def test_hole_boxes_merge_near_holes_and_stay_inside():
    near = blobs(600, 800, (100, 100, 10, 10), (100, 180, 10, 10))
    assert len(hole_boxes(near)) == 1
    far = blobs(600, 800, (20, 20, 10, 10), (500, 700, 10, 10))
    boxes = hole_boxes(far)
    assert len(boxes) == 2 and boxes[0][:2] == (0, 256) and boxes[0][2:] == (0, 256)
    assert all(0 <= y0 < y1 <= 600 and 0 <= x0 < x1 <= 800 and y1 - y0 >= 256 for y0, y1, x0, x1 in boxes)
    assert hole_boxes(blobs(100, 150, (40, 40, 5, 5))) == [(0, 100, 0, 150)]  # small photo: all of it


def test_large_photo_runs_the_model_on_small_crops_only(tmp_path, tiny_model):
    h, w = 2000, 3000
    pixels = np.empty((h, w, 3), np.float32)
    pixels[:] = np.linspace(0, 1, w, dtype=np.float32)[None, :, None]
    hole = blobs(h, w, (300, 400, 10, 12), (1500, 2500, 20, 5))
    mask = save_mask(tmp_path / "m.png", hole)
    photo = Photo(pixels, None, 8, "PNG", None, None, {}, None, tmp_path / "big.png")
    predictor, shapes = TiledPredictor.create(tiny_model, torch.device("cpu"), 512), []

    def recording(x: np.ndarray) -> np.ndarray:
        shapes.append(x.shape)
        return predictor(x)

    out = apply(photo, InpaintOptions(mask=mask), recording).pixels
    assert shapes == [(4, 256, 256)] * 2
    assert np.array_equal(out[~hole], pixels[~hole]) and not np.array_equal(out[hole], pixels[hole])


def test_bench_scores_ours_and_opencv_by_mask_kind_and_area_band(tmp_path, tiny_weights):
    data = tmp_path / "data"
    data.mkdir()
    for i in range(2):
        save_rgb(data / f"img{i}.png", smooth_image(64, 80, i))
    r = invoke("bench", "inpaint", "--data", str(data), "--weights", str(tiny_weights), "--device", "cpu", "--json",
               "--limit", "2", "--grid", str(tmp_path / "grid.png"))
    assert r.exit_code == 0, r.output
    grid = np.asarray(Image.open(tmp_path / "grid.png"))
    # input | best classical | ours-smooth | ours | original
    assert grid.shape[1] == 5 * 324 and grid.shape[0] > 2 * 324 * 64 / 80
    by = bench_rows(r.output, "method", "mask")
    objects = ("object 1-10%", "object 10-20%", "object 20-30%")
    assert {(m, z) for m in ("ours", "ours-smooth", "telea", "ns", "grey") for z in (*SIZES, "object", *objects)} <= set(by)
    assert all(by[m, z]["images"] == 2 for m in ("ours", "telea") for z in (*SIZES, *objects))
    assert all(by[m, "object"]["images"] == 6 for m in ("ours", "telea"))  # one object per band and image
    assert all(lo <= by["ours", z]["hole %"] < hi for z, (lo, hi) in zip(objects, ((5, 10), (10, 20), (20, 30))))
    assert all(np.isfinite(row["PSNR hole"]) and row["s/image"] >= 0 and row["detail hole"] >= 0 for row in by.values())
    assert by["grey", "thick"]["detail hole"] < 0.01 < by["telea", "thick"]["detail hole"]  # a flat fill has no detail
    assert by["telea", "medium"]["PSNR hole"] > by["grey", "medium"]["PSNR hole"]  # smooth images: diffusion wins easily


def test_bench_fsr_without_opencv_contrib_says_how_to_get_it(tmp_path):
    import sys

    import cv2

    data = tmp_path / "data"
    data.mkdir()
    save_rgb(data / "a.png", smooth_image(64, 80))
    if not hasattr(cv2, "xphoto"):
        r = invoke("bench", "inpaint", "--data", str(data), "--methods", "fsr,telea", "--device", "cpu")
        assert r.exit_code == 1 and "opencv-contrib-python-headless" in r.output and "Traceback" not in r.output
    python_without = tmp_path / "python"  # an interpreter whose cv2 has no xphoto
    python_without.write_text(f"#!/bin/sh\nexec {sys.executable} -c 'import sys; sys.exit(1)'\n")
    python_without.chmod(0o755)
    r = invoke("bench", "inpaint", "--data", str(data), "--methods", "fsr", "--fsr-python", str(python_without))
    assert r.exit_code == 1 and "cannot import cv2.xphoto" in r.output and "Traceback" not in r.output


def test_object_masks_cover_their_claimed_area_and_are_repeatable():
    from restorer.corrupt.object_masks import OBJECT_AREA, SHAPES, object_mask

    lo, hi = OBJECT_AREA
    for kind in SHAPES:
        for h, w in ((96, 160), (256, 256), (333, 500)):
            fractions = [object_mask(h, w, np.random.default_rng(s), kind=kind).mean() for s in range(8)]
            assert lo <= min(fractions) and max(fractions) <= hi, (kind, h, w, fractions)
    for band in ((0.05, 0.10), (0.10, 0.20), (0.20, 0.30)):  # the bench asks for each area band
        fractions = [object_mask(128, 192, np.random.default_rng(s), band).mean() for s in range(8)]
        assert band[0] <= min(fractions) and max(fractions) <= band[1], (band, fractions)
    a, b = (object_mask(64, 80, np.random.default_rng(3)) for _ in range(2))
    assert a.dtype == bool and a.shape == (64, 80) and np.array_equal(a, b)
    with pytest.raises(ValueError, match="tree"):
        object_mask(64, 64, np.random.default_rng(0), kind="tree")


def test_an_object_mask_is_one_piece_not_scattered_strokes():
    import cv2

    from restorer.corrupt.object_masks import object_mask

    for s in range(12):
        hole = object_mask(200, 300, np.random.default_rng(s))
        n, labels, stats, _ = cv2.connectedComponentsWithStats(hole.astype(np.uint8), connectivity=8)
        assert stats[1:, cv2.CC_STAT_AREA].max() >= 0.8 * hole.sum(), s  # one shape (a limb may be cut off by the frame)


def test_training_samples_include_object_masks():
    from restorer.corrupt.masks import hole_mask

    kinds = [hole_mask(128, 128, np.random.default_rng(s)) for s in range(40)]
    one_piece = sum(cv2_components(k) == 1 and k.mean() >= 0.05 for k in kinds)
    assert 4 <= one_piece <= 30  # about a quarter are objects; strokes are rarely a single piece of that size


def cv2_components(hole: np.ndarray) -> int:
    import cv2

    return cv2.connectedComponents(hole.astype(np.uint8), connectivity=8)[0] - 1


def test_texture_fill_refills_wide_holes_only_and_keeps_the_rest(tmp_path, tiny_weights):
    """--fill texture (the default) changes what the model put in wide holes; narrow ones and
    every unmasked pixel come out as with --fill smooth."""
    rng = np.random.default_rng(0)
    img = np.clip(smooth_image(160, 200) + rng.normal(0, 0.05, (160, 200, 1)), 0, 1).astype(np.float32)
    src = save_rgb(tmp_path / "grain.png", img)
    narrow = blobs(160, 200, (20, 20, 6, 150))
    wide = blobs(160, 200, (50, 70, 70, 80))  # wider than TEXTURE_HALF_WIDTH * 2
    mask = save_mask(tmp_path / "m.png", narrow | wide)
    outs = {}
    for fill in ("texture", "smooth"):
        r = inpaint(src, mask, tiny_weights, tmp_path / fill, "--fill", fill)
        assert r.exit_code == 0, r.output
        outs[fill] = read_u8(tmp_path / fill / "grain.png").astype(np.int16)
    texture, smooth = outs["texture"], outs["smooth"]
    assert np.array_equal(texture[~wide], smooth[~wide])
    assert np.abs(texture[wide] - smooth[wide]).mean() > 2
    assert np.array_equal(texture[~(narrow | wide)], read_u8(src)[~(narrow | wide)])


def test_texture_on_a_crop_too_large_to_texture_at_full_size(monkeypatch):
    from restorer.tasks.inpaint import texture_wide_holes

    monkeypatch.setattr("restorer.tasks.inpaint.TEXTURE_MAX_PIXELS", 64 * 64)
    img = smooth_image(128, 160)
    hole = blobs(128, 160, (34, 50, 60, 60), (10, 10, 4, 100))
    smooth = np.where(hole[..., None], img.mean((0, 1)), img).astype(np.float32)
    out = texture_wide_holes(img, hole, smooth)
    wide = blobs(128, 160, (34, 50, 60, 60))
    assert out.shape == img.shape and np.array_equal(out[~wide], smooth[~wide])
    assert np.abs(out[wide] - img[wide]).mean() < np.abs(smooth[wide] - img[wide]).mean()  # closer than a flat colour
