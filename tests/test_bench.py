import json

import pytest
from click.testing import CliRunner

from restorer.cli import main

from .conftest import bench_rows, save_rgb, smooth_image


def test_denoise_bench_prints_json_with_every_method(tmp_path):
    for i in range(2):
        save_rgb(tmp_path / f"{i}.png", smooth_image(64, 80, seed=i))
    grid = tmp_path / "out" / "grid.png"
    r = CliRunner().invoke(main, ["bench", "denoise", "--data", str(tmp_path), "--sigma", "25", "50",
                                  "--methods", "ours,nlm,noisy", "--json", "--grid", str(grid)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    from PIL import Image

    assert Image.open(grid).size[0] == 5 * (220 + 4)  # noisy | 3 methods | clean, each panel framed
    rows = bench_rows(r.output, "method", "sigma")
    assert set(rows) == {(m, s) for m in ("ours", "nlm", "noisy") for s in (25, 50)}
    for s in (25, 50):
        assert rows[("ours", s)]["PSNR"] > rows[("noisy", s)]["PSNR"] + 5
        assert rows[("ours", s)]["images"] == 2


def test_unknown_bench_method_is_a_usage_error(tmp_path):
    save_rgb(tmp_path / "a.png", smooth_image(32, 32))
    r = CliRunner().invoke(main, ["bench", "denoise", "--data", str(tmp_path), "--methods", "ours,magic"])
    assert r.exit_code == 2 and "magic" in r.output


def test_record_stores_numbers_in_the_weights_json(tmp_path):
    from restorer.weights import save_weights, sha256

    from .conftest import TINY_UNET

    weights = save_weights(TINY_UNET.build(), TINY_UNET, tmp_path / "w" / "denoise.safetensors", "denoise")
    before = sha256(weights)
    data = tmp_path / "data"
    data.mkdir()
    save_rgb(data / "a.png", smooth_image(48, 48))
    r = CliRunner().invoke(main, ["bench", "denoise", "--data", str(data), "--sigma", "25", "--methods", "ours,noisy",
                                  "--weights", str(weights), "--record"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    meta = json.loads(weights.with_suffix(".json").read_text())
    summary = meta["benchmark"]["data (1 images)"]
    assert set(summary) == {"ours @25", "noisy @25"} and summary["noisy @25"].startswith("PSNR ")
    assert sha256(weights) == before == meta["sha256"]  # the tensors and their checksum are untouched


def test_colorize_record_stores_psnr_and_colourfulness(tmp_path):
    from restorer.weights import save_weights

    from .conftest import tiny_unet_for

    spec = tiny_unet_for("colorize")
    weights = save_weights(spec.build(), spec, tmp_path / "w" / "colorize.safetensors", "colorize")
    data = tmp_path / "data"
    data.mkdir()
    save_rgb(data / "a.png", smooth_image(48, 48))
    r = CliRunner().invoke(main, ["bench", "colorize", "--data", str(data), "--device", "cpu",
                                  "--weights", str(weights), "--record"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    summary = json.loads(weights.with_suffix(".json").read_text())["benchmark"]["data (1 images)"]
    assert set(summary) == {"ours", "ours+1 hints", "ours+5 hints", "ours+20 hints", "grey"}
    assert "colourfulness ratio" in summary["ours"] and "worse than grey" in summary["ours+5 hints"]


def test_a_baseline_whose_package_is_missing_is_a_one_line_error(tmp_path, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "bm3d" else real(name, *a))
    save_rgb(tmp_path / "a.png", smooth_image(32, 32))
    r = CliRunner().invoke(main, ["bench", "denoise", "--data", str(tmp_path), "--methods", "ours,cbm3d"])
    assert r.exit_code == 1 and "cbm3d needs the optional package bm3d" in r.output and "Traceback" not in r.output


@pytest.mark.parametrize("bench", ["segment", "colorize", "denoise"])
def test_a_data_folder_with_an_unreadable_file_or_no_images_is_a_one_line_error(tmp_path, bench):
    data = tmp_path / "data"
    data.mkdir()
    methods = ["--methods", "noisy"] if bench == "denoise" else []  # its default CBM3D is an optional package
    r = CliRunner().invoke(main, ["bench", bench, "--data", str(data), "--device", "cpu", *methods])
    assert r.exit_code == 1 and "no images" in r.output and "Traceback" not in r.output
    save_rgb(data / "a.png", smooth_image(48, 48))
    (data / "b.png").write_bytes(b"not an image")
    r = CliRunner().invoke(main, ["bench", bench, "--data", str(data), "--device", "cpu", *methods])
    assert r.exit_code == 1 and "b.png: not a readable image" in r.output and len(r.output.strip().splitlines()) == 1


def test_real_noise_bench_names_a_photo_without_its_clean_reference_in_one_line(tmp_path):
    (tmp_path / "noisy").mkdir()
    (tmp_path / "clean").mkdir()
    save_rgb(tmp_path / "noisy" / "a.png", smooth_image(48, 48))
    r = CliRunner().invoke(main, ["bench", "denoise-real", "--data", str(tmp_path), "--methods", "noisy"])
    assert r.exit_code == 1 and "clean: no reference for a" in r.output and "Traceback" not in r.output
