"""`colorize --reference`: a colour photo lends its palette, per lightness; the result takes its colours,
keeps the photo's lightness, and a bad reference is a one-line error naming it. And the bench's halves."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from restorer import color as C
from restorer.color_reference import lightness_palette, palette_of, steer

from .conftest import bench_rows, invoke, random_head_model, save_rgb, smooth_image, tiny_unet_for
from .test_colorize import colorize, lightness

TINY = tiny_unet_for("colorize")


@pytest.fixture(scope="module")
def tiny_weights(tmp_path_factory):
    from restorer.weights import save_weights

    return save_weights(random_head_model(TINY, head_std=2.0), TINY, tmp_path_factory.mktemp("w") / "colorize.safetensors",
                        task="colorize")


def two_tone_reference() -> np.ndarray:
    """Dark pixels red, light pixels blue: a palette that depends on lightness."""
    ref = np.zeros((64, 64, 3), np.float32)
    ref[:32] = (0.45, 0.05, 0.05)
    ref[32:] = (0.55, 0.7, 1.0)
    return ref


def hue(ab: np.ndarray) -> str:
    a, b = ab
    return "red" if a > 10 and a > abs(b) else "blue" if b < -10 else "other"


def test_the_palette_follows_lightness_and_steers_flat_logits_to_it():
    palette = palette_of(two_tone_reference())
    dark, light = (C.rgb_to_lab(np.array([[c]], np.float32))[0, 0, 0] for c in ((0.45, 0.05, 0.05), (0.55, 0.7, 1.0)))
    lightness_map = np.array([[dark, light]], np.float32)
    flat = np.zeros((C.N_BINS, 1, 2), np.float32)  # a network with no opinion
    ab = C.decode_ab(steer(flat, lightness_map, palette, 4.0), 0.5)
    assert hue(ab[0, 0]) == "red" and hue(ab[0, 1]) == "blue"
    assert np.array_equal(steer(flat, lightness_map, palette, 0.0), flat)  # weight 0: the automatic colour
    classical = lightness_palette(lightness_map, palette)
    assert hue(classical[0, 0]) == "red" and hue(classical[0, 1]) == "blue"


def test_cli_reference_recolours_and_keeps_lightness(tmp_path, tiny_weights):
    grey = np.repeat(smooth_image(48, 64, 3).mean(axis=2, keepdims=True), 3, axis=2)
    src = save_rgb(tmp_path / "photo.png", grey)
    ref = save_rgb(tmp_path / "ref.png", two_tone_reference())
    assert colorize(src, tiny_weights, tmp_path / "auto").exit_code == 0
    r = colorize(src, tiny_weights, tmp_path / "ref", "--reference", str(ref))
    assert r.exit_code == 0, r.output
    auto = np.asarray(Image.open(tmp_path / "auto" / "photo.png"), np.float32) / 255
    steered = np.asarray(Image.open(tmp_path / "ref" / "photo.png"), np.float32) / 255
    assert np.abs(steered - auto).mean() > 0.01
    assert np.abs(lightness(steered) - lightness(np.asarray(Image.open(src), np.float32) / 255)).max() < 1.5


def test_a_grey_or_missing_reference_is_a_one_line_error_naming_it(tmp_path, tiny_weights):
    src = save_rgb(tmp_path / "photo.png", smooth_image(32, 32, 1))
    grey_ref = save_rgb(tmp_path / "greyref.png", np.full((16, 16, 3), 0.5, np.float32))
    r = colorize(src, tiny_weights, tmp_path / "out", "--reference", str(grey_ref))
    assert r.exit_code != 0 and "greyref.png" in r.output and "no colours to lend" in r.output
    refs = tmp_path / "refs"
    refs.mkdir()
    r = colorize(src, tiny_weights, tmp_path / "out2", "--reference", str(refs))
    assert r.exit_code != 0 and "no reference named photo.*" in r.output


def test_bench_reference_halves_scores_ours_and_the_classical_baseline(tmp_path, tiny_weights):
    data = tmp_path / "data"
    data.mkdir()
    for i in range(2):
        save_rgb(data / f"img{i}.png", smooth_image(48, 80, i))
    save_rgb(data / "grey.png", np.full((48, 80, 3), 0.4, np.float32))  # no colour: left out
    grid = tmp_path / "grid.png"
    r = invoke("bench", "colorize-reference", "--data", str(data), "--weights", str(tiny_weights), "--device", "cpu",
               "--json", "--grid", str(grid))
    assert r.exit_code == 0, r.output
    rows = bench_rows(r.output, "method")
    assert set(rows) == {"ours", "ours+reference", "classical"}
    assert all(row["images"] == 2 and np.isfinite(row["PSNR"]) for row in rows.values())
    assert Image.open(grid).width == 6 * 244  # reference | grey | classical | ours | ours+reference | original
