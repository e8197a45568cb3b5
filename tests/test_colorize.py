"""Colorization: the colour maths, the sample and loss, the guarantees a user
relies on (lightness kept, 1-channel and 16-bit in, EXIF kept, colour inputs
noted), prediction at moderate resolution for large photos, and the bench.
A tiny random model stands in for trained weights."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from PIL import Image

from restorer import color as C
from restorer.color_prior import AB_PRIOR
from restorer.color_decoding import AUTO, CLASS_WEIGHTS, Decoding, decode_auto, decode_auto_torch
from restorer.tiling import TiledPredictor
from restorer.imageio import Photo, read_image
from restorer.tasks import TASKS
from restorer.tasks.colorize import PREDICT_SIDE, ColorizeOptions, apply, fold_decoding
from restorer.weights import save_weights

from .conftest import bench_rows, invoke, random_head_model, save_rgb, smooth_image, tiny_unet_for

TASK = TASKS["colorize"]
TINY = tiny_unet_for("colorize")


@pytest.fixture(scope="module")
def tiny_model():
    # zero-init would predict one flat colour; a confident head, so the confidence shrink (Decoding) leaves colour
    return random_head_model(TINY, head_std=2.0)


@pytest.fixture(scope="module")
def tiny_weights(tiny_model, tmp_path_factory) -> Path:
    return save_weights(tiny_model, TINY, tmp_path_factory.mktemp("w") / "colorize.safetensors", task="colorize")


def colorize(src: Path, weights: Path, out: Path, *more: str):
    return invoke("colorize", str(src), "-o", str(out), "--weights", str(weights), "--device", "cpu", "-q", *more)


def lightness(rgb: np.ndarray) -> np.ndarray:
    return C.rgb_to_lab(rgb)[..., 0]


def random_rgb(h: int, w: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((h, w, 3), dtype=np.float32)


# ----------------------------------------------------------------------------- colour maths


def test_lab_round_trip_and_agreement_with_opencv():
    rgb = random_rgb(48, 48)
    lab = C.rgb_to_lab(rgb)
    assert np.abs(C.lab_to_rgb(lab) - rgb).max() < 1e-4
    assert np.abs(lab - cv2.cvtColor(rgb, cv2.COLOR_RGB2Lab)).max() < 1.0  # OpenCV's float path, independently
    assert lab[..., 0].min() >= 0 and lab[..., 0].max() <= 100
    white, black = C.rgb_to_lab(np.ones((1, 1, 3), np.float32)), C.rgb_to_lab(np.zeros((1, 1, 3), np.float32))
    assert np.allclose(white, [100, 0, 0], atol=1e-3) and np.allclose(black, 0, atol=1e-3)


def test_grey_and_gamut_mapping_keep_lightness():
    rgb = random_rgb(32, 32, 1)
    grey = C.grey_of(rgb)
    assert grey.shape == (32, 32, 1)
    assert np.abs(C.lightness_of_grey(grey[..., 0]) - lightness(rgb)).max() < 1e-3
    # far out-of-gamut ab: pulled into [0, 1] at exactly the grey's lightness
    ab = np.random.default_rng(2).uniform(-300, 300, (32, 32, 2)).astype(np.float32)
    out = C.colorize_grey(grey, ab, rows=7)  # strips of 7 rows: the seams must not matter
    assert out.min() >= 0 and out.max() <= 1
    assert np.abs(lightness(out) - lightness(rgb)).max() < 0.01
    assert C.colourfulness(out) > 20  # and still colourful
    assert C.colourfulness(np.repeat(grey, 3, axis=2)) == pytest.approx(0, abs=1e-9)


def test_soft_encoding_and_annealed_mean_decoding():
    ab = C.rgb_to_lab(random_rgb(40, 40, 3))[..., 1:]
    z = C.soft_encode(ab)
    assert z.shape == (C.N_BINS, 40, 40) and z.dtype == np.float32 and z.min() >= 0
    assert np.allclose(z.sum(0), 1, atol=1e-5)
    assert np.array_equal(z.argmax(0), C.nearest_bin(ab))  # the fast 3x3 search agrees with the exhaustive one
    assert (z > 1e-3).sum(0).max() <= 9
    mean = C.decode_ab(np.log(z + 1e-12), temperature=1.0)  # the mean of the soft target is close to the colour
    assert np.abs(mean - ab).mean() < 0.1 * C.AB_GRID
    mode = C.decode_ab(np.log(z + 1e-12), temperature=0.01)  # T -> 0: the most likely bin's centre
    at_centre = np.abs(mode - C.AB_CENTRES[C.nearest_bin(ab)]).max(-1) < 0.5
    assert at_centre.mean() > 0.95  # the rest lie about midway between two bins
    assert C.N_BINS == len(AB_PRIOR), "bins changed: re-run scripts/weights/make_color_prior.py"
    w = C.rebalancing_weights(np.asarray(AB_PRIOR))
    assert np.sum(np.asarray(AB_PRIOR) * w) == pytest.approx(1, rel=1e-4)
    assert w[np.argmin(AB_PRIOR)] > 5 * w[np.argmax(AB_PRIOR)]  # rare colours weigh more


def test_a_folded_decoding_decodes_like_the_explicit_one(tiny_model):
    """Shipped weights carry their prior correction and temperature in the last layer, so the
    standard decoding of the folded model must equal the explicit decoding of the original."""
    x = torch.from_numpy(random_rgb(32, 32, 1)[..., :1].transpose(2, 0, 1).copy())[None]  # lightness-like
    folded = random_head_model(TINY, head_std=0.5)
    folded.load_state_dict(tiny_model.state_dict())
    fold_decoding(folded, alpha=0.3, temperature=0.4)
    with torch.no_grad():
        z, z_folded = tiny_model.eval()(x)[0].numpy(), folded.eval()(x)[0].numpy()
    explicit = C.decode_ab(z - 0.3 * np.log(CLASS_WEIGHTS.numpy())[:, None, None], temperature=0.4)
    assert np.allclose(C.decode_ab(z_folded), explicit, atol=1e-3)
    assert not np.allclose(C.decode_ab(z), explicit, atol=1)  # the fold changed the decoding


# ----------------------------------------------------------------------------- sample and loss


def test_sample_input_is_lightness_and_target_is_the_clean_colour():
    clean = smooth_image(64, 64, 4)
    aged = 0
    for seed in range(8):
        s = TASK.make_sample(clean, np.random.default_rng(seed))
        assert set(s) == {"input", "target", "L", "rgb", "ab"}
        assert np.allclose(s["ab"], C.rgb_to_lab(clean)[..., 1:].transpose(2, 0, 1))
        assert np.array_equal(s["target"].argmax(0), C.nearest_bin(C.rgb_to_lab(clean)[..., 1:]))
        assert np.array_equal(s["rgb"], clean.transpose(2, 0, 1))
        assert np.allclose(s["L"][0] * 100, lightness(clean), atol=1e-4)
        assert 0 <= s["input"].min() and s["input"].max() <= 1
        aged += not np.array_equal(s["input"], s["L"])
    assert 1 <= aged <= 7  # some old prints, some clean greyscale


def test_loss_prefers_the_right_colours_and_metrics_score_them():
    s = TASK.make_sample(smooth_image(32, 32, 5), np.random.default_rng(1))
    batch = {k: torch.from_numpy(v[None]) for k, v in s.items()}
    right = torch.log(batch["target"] + 1e-6)
    flat = torch.zeros_like(right)
    assert TASK.loss(right, batch) < TASK.loss(flat, batch)
    assert TASK.metrics["psnr"](right / 0.38, batch) > 27  # annealing undone: the decoded mean is about the colour
    assert TASK.metrics["psnr"](right / 0.38, batch) > TASK.metrics["psnr"](flat, batch) + 5
    assert TASK.metrics["colourfulness"](right / 0.38, batch) == pytest.approx(1, abs=0.1)


def test_the_torch_decoding_is_the_automatic_colour_users_get():
    logits = np.random.default_rng(2).normal(size=(C.N_BINS, 5, 7)).astype(np.float32) * 3
    for decoding in (AUTO, Decoding(), Decoding(temperature=0.8, alpha=0.5, chroma=0.7, shrink=2.0)):
        ours = decode_auto_torch(torch.from_numpy(logits)[None], decoding)[0].permute(1, 2, 0).numpy()
        assert np.allclose(ours, decode_auto(logits, decoding), atol=1e-3)


def test_the_decoded_losses_rank_right_colour_then_grey_then_a_wrong_hue():
    red = np.zeros((16, 16, 3), np.float32)
    red[..., 0] = 0.8
    s = TASK.make_sample(red, np.random.default_rng(0))
    batch = {k: torch.from_numpy(v[None]) for k, v in s.items()}
    blue = torch.from_numpy(C.soft_encode(np.broadcast_to(np.float32([10, -50]), (16, 16, 2)).copy())[None])
    right, wrong, unsure = torch.log(batch["target"] + 1e-6) * 3, torch.log(blue + 1e-6) * 3, torch.zeros_like(blue)
    for name in ("decoded", "decoded-only", "decoded-neutral"):
        loss = TASK.with_loss(name).loss
        assert loss(right, batch) < loss(unsure, batch) < loss(wrong, batch)


def test_the_neutral_weighted_loss_charges_colour_on_a_grey_photo_more():
    grey = np.full((16, 16, 3), 0.5, np.float32)
    batch = {k: torch.from_numpy(v[None]) for k, v in TASK.make_sample(grey, np.random.default_rng(0)).items()}
    sepia = torch.log(torch.from_numpy(C.soft_encode(np.broadcast_to(np.float32([5, 20]), (16, 16, 2)).copy())[None]) + 1e-6) * 3
    ce = float(TASK.loss(sepia, batch))
    plain = float(TASK.with_loss("decoded").loss(sepia, batch)) - ce
    neutral = float(TASK.with_loss("decoded-neutral").loss(sepia, batch)) - ce
    assert plain > 0.5 and neutral == pytest.approx(4 * plain, rel=1e-3)


# ----------------------------------------------------------------------------- inference


def test_lightness_of_the_output_is_the_input_s(tiny_model):
    grey = C.grey_of(smooth_image(80, 120, 6))
    photo = Photo(grey, None, 8, "PNG", None, None, {}, None, None)
    predictor = TiledPredictor.create(tiny_model, torch.device("cpu"), 512)
    out = apply(photo, ColorizeOptions(saturation=2.0), predictor).pixels
    assert out.shape == (80, 120, 3) and C.colourfulness(out) > 5
    assert np.abs(lightness(out) - C.lightness_of_grey(grey[..., 0])).max() < 1e-3
    grey_out = apply(photo, ColorizeOptions(saturation=0.0), predictor).pixels
    assert np.abs(grey_out - grey).max() < 1e-4  # saturation 0 gives the grey back


def test_a_greyscale_icc_profile_is_dropped_an_rgb_one_kept(tiny_model):
    predictor = TiledPredictor.create(tiny_model, torch.device("cpu"), 512)
    grey = C.grey_of(smooth_image(32, 32, 2))
    header = lambda space: bytes(16) + space + bytes(108)  # the colour space field of an ICC header
    gray_icc = Photo(grey, None, 8, "PNG", None, header(b"GRAY"), {}, None, None)
    assert apply(gray_icc, ColorizeOptions(), predictor).icc_profile is None
    rgb_icc = Photo(np.repeat(grey, 3, axis=2), None, 8, "PNG", None, header(b"RGB "), {}, None, None)
    assert apply(rgb_icc, ColorizeOptions(), predictor).icc_profile == header(b"RGB ")


def test_large_photo_predicts_colour_at_moderate_resolution(tiny_model):
    h, w = 2000, 3000
    grey = np.empty((h, w, 1), np.float32)
    grey[:] = np.linspace(0.05, 0.95, w, dtype=np.float32)[None, :, None]
    photo = Photo(grey, None, 8, "PNG", None, None, {}, None, None)
    predictor, shapes = TiledPredictor.create(tiny_model, torch.device("cpu"), 512), []

    def recording(x: np.ndarray) -> np.ndarray:
        shapes.append(x.shape)
        return predictor(x)

    out = apply(photo, ColorizeOptions(), recording).pixels
    assert shapes == [(1, round(h * PREDICT_SIDE / w), PREDICT_SIDE)]
    assert out.shape == (h, w, 3)
    rows = slice(0, h, 97)  # the lightness, full resolution, is the input's (sampled rows: fast)
    assert np.abs(lightness(out[rows]) - C.lightness_of_grey(grey[rows, :, 0])).max() < 1e-3


def test_grey_8_and_16_bit_files_become_rgb_of_the_same_depth(tmp_path, tiny_weights):
    g8 = np.rint(C.grey_of(smooth_image(64, 96, 7))[..., 0] * 255).astype(np.uint8)
    Image.fromarray(g8, "L").save(tmp_path / "g8.png")
    g16 = (C.grey_of(smooth_image(64, 96, 8))[..., 0] * 65535).round().astype(np.uint16)
    cv2.imwrite(str(tmp_path / "g16.png"), g16)
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make
    Image.fromarray(g8, "L").save(tmp_path / "scan.jpg", exif=exif.tobytes(), quality=95)
    r = colorize(tmp_path, tiny_weights, tmp_path / "out")
    assert r.exit_code == 0, r.output
    assert "3 written" in r.output and "colour input" not in r.output
    out8 = read_image(tmp_path / "out" / "g8.png")
    assert out8.channels == 3 and out8.bit_depth == 8 and Image.open(tmp_path / "out" / "g8.png").mode == "RGB"
    # lightness within 8-bit rounding of the output's channels
    assert np.abs(lightness(out8.pixels) - C.lightness_of_grey(g8 / 255.0)).max() < 0.6
    assert C.colourfulness(out8.pixels) > 3
    out16 = read_image(tmp_path / "out" / "g16.png")
    assert out16.channels == 3 and out16.bit_depth == 16
    assert np.abs(lightness(out16.pixels) - C.lightness_of_grey(g16 / 65535.0)).max() < 0.01
    jpg = Image.open(tmp_path / "out" / "scan.jpg")
    assert jpg.mode == "RGB" and jpg.getexif().get(0x010F) == "TestCam"


def test_colour_input_is_converted_to_grey_with_a_note(tmp_path, tiny_weights):
    photos = tmp_path / "in"
    photos.mkdir()
    colour = smooth_image(48, 64, 9)
    save_rgb(photos / "colour.png", colour)
    save_rgb(photos / "neutral.png", np.repeat(colour[..., :1], 3, axis=2))  # RGB file, grey content: no note
    r = colorize(photos, tiny_weights, tmp_path / "out")
    assert r.exit_code == 0, r.output
    notes = [ln for ln in r.output.splitlines() if "converted to grey" in ln]
    assert len(notes) == 1 and "colour.png" in notes[0]
    # the colour is the model's, not the original's: the output of the colour file equals
    # the output of its grey version
    save_rgb(tmp_path / "grey.png", np.repeat(C.grey_of(np.rint(colour * 255) / 255), 3, axis=2))
    colorize(tmp_path / "grey.png", tiny_weights, tmp_path / "out2")
    a = np.asarray(Image.open(tmp_path / "out" / "colour.png"), np.float32)
    b = np.asarray(Image.open(tmp_path / "out2" / "grey.png"), np.float32)
    assert np.abs(a - b).mean() < 1.0


def test_bench_scores_ours_and_grey_and_saves_a_grid(tmp_path, tiny_weights):
    data = tmp_path / "data"
    data.mkdir()
    for i in range(2):
        save_rgb(data / f"img{i}.png", smooth_image(64, 80, i))
    grid = tmp_path / "grid.png"
    r = invoke("bench", "colorize", "--data", str(data), "--weights", str(tiny_weights), "--device", "cpu",
               "--json", "--limit", "2", "--grid", str(grid))
    assert r.exit_code == 0, r.output
    rows = bench_rows(r.output, "method")
    assert set(rows) == {"ours", "ours+1 hints", "ours+5 hints", "ours+20 hints", "grey"}
    assert rows["grey"]["colourfulness ratio"] == pytest.approx(0, abs=1e-6)
    assert rows["grey"]["over grey"] == 0 and rows["grey"]["worse than grey"] == 0 and rows["grey"]["wrong hue"] == 0
    assert rows["ours"]["colourfulness ratio"] > 0 and np.isfinite(rows["ours"]["PSNR"])
    assert rows["ours"]["hint ΔE"] == "-" and rows["ours+20 hints"]["hint ΔE"] < 10  # hints honoured
    assert rows["ours+20 hints"]["hints off by > 10"] < 0.1
    assert rows["ours+20 hints"]["ΔE ab"] < rows["ours"]["ΔE ab"]  # the true colours at 20 points help
    assert all(row["images"] == 2 and row["s/MP"] >= 0 for row in rows.values())
    im = Image.open(grid)
    assert im.width == 4 * 324 and im.height == 2 * round(64 * 320 / 80 + 4)  # grey | ours | ours+5 hints | original


def test_wrong_hue_counts_confident_wrong_colour_and_forgives_grey():
    """A door painted blue where it is red, or a grey wall painted blue, is wrong colour; leaving the
    door grey is not, and neither is the right hue a little paler (what PSNR alone cannot tell apart)."""
    from restorer.bench.colorize import colour_errors

    wrong_hue = lambda out, clean: colour_errors(out, clean)[1]  # noqa: E731

    red, blue, grey = np.array([0.7, 0.2, 0.15]), np.array([0.2, 0.3, 0.7]), np.array([0.45, 0.45, 0.45])
    door = np.tile(red, (8, 8, 1)).astype(np.float32)
    paler = (0.6 * door + 0.4 * 0.4).astype(np.float32)
    assert wrong_hue(np.tile(blue, (8, 8, 1)).astype(np.float32), door) == 1.0
    assert wrong_hue(np.tile(blue, (8, 8, 1)).astype(np.float32), np.tile(grey, (8, 8, 1)).astype(np.float32)) == 1.0
    assert wrong_hue(np.tile(grey, (8, 8, 1)).astype(np.float32), door) == 0.0
    assert wrong_hue(paler, door) == 0.0
    half = door.copy()
    half[:4] = blue
    assert wrong_hue(half, door) == 0.5
