"""Colour hints for colorize (issue #27): --hint specs and hints images read with one-line errors,
hints files matched to photos by name, hinted pixels honoured, colour spread along edges and
stopped at them, lightness kept exactly, and no hints giving exactly the automatic result.
A tiny random model stands in for trained weights."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from restorer import color as C
from restorer.bench.colorize import ColorizeBenchOptions, true_hints
from restorer.color_hints import HintError, HintPoint, Hints, chroma_of, parse_points, read_hints_image
from restorer.color_propagate import solve_correction
from restorer.imageio import Photo, read_image
from restorer.tasks.colorize import ColorizeOptions, apply, predict_ab
from restorer.tiling import TiledPredictor
from restorer.weights import save_weights

from .conftest import invoke, random_head_model, save_rgb, smooth_image, tiny_unet_for

TINY = tiny_unet_for("colorize")
ORANGE = (200, 120, 60)


@pytest.fixture(scope="module")
def predictor():
    return TiledPredictor.create(random_head_model(TINY, head_std=0.5), torch.device("cpu"), 512)


@pytest.fixture(scope="module")
def tiny_weights(tmp_path_factory) -> Path:
    model = random_head_model(TINY, head_std=0.5)
    return save_weights(model, TINY, tmp_path_factory.mktemp("w") / "colorize.safetensors", task="colorize")


def grey_photo(h: int = 60, w: int = 90, seed: int = 3, source: Path | None = None) -> Photo:
    return Photo(C.grey_of(smooth_image(h, w, seed)), None, 8, "PNG", None, None, {}, None, source)


def chroma_at(rgb: np.ndarray, y: int, x: int) -> np.ndarray:
    return C.rgb_to_lab(rgb[y : y + 1, x : x + 1])[0, 0, 1:]


def hints_png(path: Path, h: int, w: int, strokes: list[tuple[slice, slice, tuple[int, int, int]]]) -> Path:
    rgba = np.zeros((h, w, 4), np.uint8)
    for ys, xs, colour in strokes:
        rgba[ys, xs] = (*colour, 255)
    Image.fromarray(rgba, "RGBA").save(path)
    return path


# ----------------------------------------------------------------------------- parsing


def test_hint_specs_parse_and_bad_ones_say_what_is_wrong():
    assert HintPoint.parse("12,7,#C87830") == HintPoint(12, 7, (200, 120, 48))
    assert HintPoint.parse(" 0, 3, c87830 ") == HintPoint(0, 3, (200, 120, 48))
    assert str(HintPoint(12, 7, (200, 120, 48))) == "12,7,#c87830"
    assert parse_points("1,2,#ffffff; 3,4,#000000\n5,6,#808080") == (
        HintPoint(1, 2, (255, 255, 255)), HintPoint(3, 4, (0, 0, 0)), HintPoint(5, 6, (128, 128, 128)))
    assert parse_points("") == () and parse_points(()) == ()
    for bad, why in [("12,7", "expected X,Y,#RRGGBB"), ("12,7,#ggg000", "expected X,Y,#RRGGBB"),
                     ("-1,7,#ffffff", "0 or more"), ("a,b,#ffffff", "expected X,Y")]:
        with pytest.raises(HintError, match=why):
            HintPoint.parse(bad)
    with pytest.raises(ValueError, match="hint '1,2,#12345'"):  # the options dataclass checks too
        ColorizeOptions(hint=("1,2,#12345",))


def test_cli_rejects_a_bad_hint_before_any_work(tmp_path, tiny_weights):
    src = save_rgb(tmp_path / "a.png", np.repeat(C.grey_of(smooth_image(32, 32)), 3, axis=2))
    r = invoke("colorize", src, "-o", tmp_path / "out", "--weights", tiny_weights, "--device", "cpu", "-q",
               "--hint", "5,5,#zz0000")
    assert r.exit_code == 2 and "X,Y,#RRGGBB" in r.output and not (tmp_path / "out").exists()


def test_hints_image_errors_name_the_file(tmp_path):
    small = hints_png(tmp_path / "small.png", 10, 12, [])
    with pytest.raises(HintError, match=r"small.png: 12x10, the photo is 90x60"):
        read_hints_image(small, 60, 90)
    Image.fromarray(np.zeros((60, 90, 3), np.uint8)).save(tmp_path / "opaque.png")
    with pytest.raises(HintError, match="opaque.png: no transparency"):
        read_hints_image(tmp_path / "opaque.png", 60, 90)
    (tmp_path / "junk.png").write_bytes(b"not a png")
    with pytest.raises(HintError, match="junk.png"):
        read_hints_image(tmp_path / "junk.png", 60, 90)
    painted = read_hints_image(hints_png(tmp_path / "ok.png", 60, 90, [(slice(5, 7), slice(8, 11), ORANGE)]), 60, 90)
    assert len(painted) == 6 and set(painted.ys) == {5, 6} and set(painted.xs) == {8, 9, 10}
    assert np.allclose(painted.ab, chroma_of(np.array([ORANGE]) / 255), atol=1e-3)


# ----------------------------------------------------------------------------- propagation


def test_a_hint_spreads_within_its_region_and_stops_at_an_edge():
    lightness = np.full((40, 60), 30.0, np.float32)
    lightness[:, 30:] = 70.0  # two flat halves, one strong edge
    d = solve_correction(lightness, np.array([20 * 60 + 5]), np.array([[40.0, -20.0]]))
    assert np.allclose(d[20, 5], [40, -20], atol=0.5)  # the hinted pixel
    assert np.linalg.norm(d[:, :30], axis=-1).min() > 20  # its whole side follows
    assert np.linalg.norm(d[:, 30:], axis=-1).max() < 4  # the other side keeps its colour
    assert np.all(solve_correction(lightness, np.zeros(0, np.int64), np.zeros((0, 2))) == 0)


def test_a_hint_stops_where_the_colorizer_sees_another_surface_at_equal_lightness():
    lightness = np.full((40, 60), 50.0, np.float32)  # no lightness edge at all
    probs = np.zeros((57, 10, 15), np.float32)  # the colorizer's grid: one surface left, another right
    probs[3, :, :8], probs[40, :, 8:] = 1.0, 1.0
    hint = np.array([20 * 60 + 5]), np.array([[40.0, -20.0]])
    alone = solve_correction(lightness, *hint)
    seen = solve_correction(lightness, *hint, probs=probs)
    assert np.linalg.norm(alone[:, 45:], axis=-1).min() > 20  # lightness alone lets the hint through
    assert np.linalg.norm(seen[:, 45:], axis=-1).max() < 4  # the other surface keeps its colour
    assert np.linalg.norm(seen[:, :25], axis=-1).min() > 20  # the hint's own surface follows it


def test_hinted_pixels_are_honoured_and_lightness_is_kept(predictor):
    photo = grey_photo()
    grey = photo.pixels
    points = (HintPoint(10, 20, ORANGE), HintPoint(70, 40, (60, 110, 170)))
    out = apply(photo, ColorizeOptions(hint=points), predictor).pixels
    for p in points:
        want = chroma_of(np.array([p.rgb]) / 255)[0]
        assert np.linalg.norm(chroma_at(out, p.y, p.x) - want) < 10  # the Delta E 10
    assert np.abs(C.rgb_to_lab(out)[..., 0] - C.lightness_of_grey(grey[..., 0])).max() < 1e-3
    auto = apply(photo, ColorizeOptions(), predictor).pixels
    assert np.abs(out - auto).max() > 0.05  # the hints changed the colour


def test_no_hints_gives_exactly_the_automatic_colour(predictor):
    photo = grey_photo()
    out = apply(photo, ColorizeOptions(), predictor).pixels
    assert np.array_equal(out, C.colorize_grey(photo.pixels, predict_ab(photo.pixels, predictor)))


def test_hints_follow_a_painted_stroke_in_a_large_photo(predictor):
    """A photo over the working size: the correction is solved small, the stroke is still exact at full size."""
    photo = grey_photo(700, 900, 4)
    ys, xs = np.arange(300, 320), np.arange(400, 420)
    yy, xx = np.meshgrid(ys, xs, indexing="ij")
    want = chroma_of(np.array([ORANGE]) / 255)
    from restorer.color_decoding import decode_auto
    from restorer.tasks.colorize import follow_hints, predict_logits

    hints = Hints(yy.ravel(), xx.ravel(), np.repeat(want, yy.size, axis=0))
    ab = follow_hints(photo.pixels, decode_auto(predict_logits(photo.pixels, predictor)), hints)
    assert ab.shape == (700, 900, 2)
    out = C.colorize_grey(photo.pixels, ab)
    err = np.linalg.norm(C.rgb_to_lab(out[300:320, 400:420])[..., 1:] - want, axis=-1)
    assert err.max() < 10


# ----------------------------------------------------------------------------- files and folders


def test_hints_folder_is_matched_by_name_and_a_missing_one_fails_that_photo_only(tmp_path, tiny_weights):
    photos, hints = tmp_path / "in", tmp_path / "hints"
    photos.mkdir(), hints.mkdir()
    for name in ("a", "b"):
        save_rgb(photos / f"{name}.png", np.repeat(C.grey_of(smooth_image(48, 64, 1)), 3, axis=2))
    hints_png(hints / "a.png", 48, 64, [(slice(10, 14), slice(10, 14), ORANGE)])
    r = invoke("colorize", photos, "-o", tmp_path / "out", "--weights", tiny_weights, "--device", "cpu", "-q",
               "--hints", hints)
    assert r.exit_code != 0
    assert "b.png: no hints named b.* in" in r.output and "1 written" in r.output
    out = np.asarray(Image.open(tmp_path / "out" / "a.png"), np.float32) / 255
    want = chroma_of(np.array([ORANGE]) / 255)[0]
    assert np.linalg.norm(chroma_at(out, 12, 12) - want) < 10


def test_hints_file_and_points_together_and_a_point_outside_the_photo(tmp_path, tiny_weights):
    src = save_rgb(tmp_path / "a.png", np.repeat(C.grey_of(smooth_image(48, 64, 2)), 3, axis=2))
    file = hints_png(tmp_path / "h.png", 48, 64, [(slice(2, 4), slice(2, 4), ORANGE)])
    ok = invoke("colorize", src, "-o", tmp_path / "out", "--weights", tiny_weights, "--device", "cpu", "-q",
                "--hints", file, "--hint", "40,30,#3c6eaa")
    assert ok.exit_code == 0, ok.output
    out = np.asarray(Image.open(tmp_path / "out" / "a.png"), np.float32) / 255
    assert np.linalg.norm(chroma_at(out, 30, 40) - chroma_of(np.array([(60, 110, 170)]) / 255)[0]) < 10
    bad = invoke("colorize", src, "-o", tmp_path / "out2", "--weights", tiny_weights, "--device", "cpu", "-q",
                 "--hint", "64,3,#3c6eaa")
    assert bad.exit_code != 0 and "hint 64,3,#3c6eaa: outside" in bad.output and "(64x48" in bad.output


# ----------------------------------------------------------------------------- bench


def test_bench_hint_points_are_nested_and_carry_the_original_colour():
    clean = smooth_image(50, 70, 5)
    five, twenty = true_hints(clean, 5, 1), true_hints(clean, 20, 1)
    assert np.array_equal(five.ys, twenty.ys[:5]) and np.array_equal(five.xs, twenty.xs[:5])
    assert np.abs(five.ab - C.rgb_to_lab(clean)[five.ys, five.xs, 1:]).mean() < 2  # a 5x5 mean of a smooth image
    assert ColorizeBenchOptions(hints=("0,5", "20")).hints == (0, 5, 20)
    with pytest.raises(ValueError, match="--hints"):
        ColorizeBenchOptions(hints=("x",))


# ----------------------------------------------------------------------------- web UI


def test_ui_colour_strokes_and_typed_points_become_hints(tmp_path, tiny_weights):
    """The Colorize tab: strokes of the colour brush (the editor's layer) and hint points typed in its
    text box reach the task; nothing painted leaves the colour automatic."""
    from restorer.tasks import TASKS
    from restorer.ui import handlers as H
    from restorer.ui import state as S
    from restorer.ui.controls import controls_for, initial_value

    controls = {c.name: c for c in controls_for(ColorizeOptions)}
    assert controls["hints"].kind == "hints" and controls["hints"].is_painted and controls["hint"].kind == "text"
    weights = tmp_path / "weights"
    weights.mkdir()
    (weights / "colorize.safetensors").symlink_to(tiny_weights)
    (weights / "colorize.json").symlink_to(tiny_weights.with_suffix(".json"))
    state = S.AppState(S.Settings(out_dir=tmp_path / "out", weights_dir=weights, device="cpu"))
    src = save_rgb(tmp_path / "in.png", np.repeat(C.grey_of(smooth_image(48, 64, 6)), 3, axis=2))
    layer = np.zeros((48, 64, 4), np.uint8)
    layer[10:16, 5:30] = (*ORANGE, 255)
    editor = {"background": np.full((48, 64, 4), 128, np.uint8), "layers": [layer], "composite": None}
    values = {c.name: initial_value(c) for c in controls.values() if not c.is_painted}
    result = H.restore_images(state, "colorize", [str(src)], {**values, "hint": "50,40,#3c6eaa"}, {}, editor)
    out = np.asarray(Image.open(result.download), np.float32) / 255
    assert np.linalg.norm(chroma_at(out, 12, 20) - chroma_of(np.array([ORANGE]) / 255)[0]) < 10
    assert np.linalg.norm(chroma_at(out, 40, 50) - chroma_of(np.array([(60, 110, 170)]) / 255)[0]) < 10
    assert "50,40,#3c6eaa" in result.message
    plain = H.restore_images(state, "colorize", [str(src)], values, {}, {**editor, "layers": []})
    auto = state.restorer(TASKS["colorize"])(read_image(src), ColorizeOptions()).pixels
    assert np.abs(np.asarray(Image.open(plain.download), np.float32) / 255 - auto).max() <= 0.5 / 255 + 1e-6
