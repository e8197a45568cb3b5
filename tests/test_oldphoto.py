"""`restore inpaint --auto` and `restore oldphoto` through the CLI, with stand-in
models whose behaviour is known: a detector that marks pixels brighter than 0.8,
an untrained inpainter (returns its Telea pre-fill) and an untrained denoiser (the identity:
both are residual nets with a zero-initialised last layer)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

import restorer.weights
from restorer.cli import main
from restorer.metrics import psnr
from restorer.oldphoto import is_monochrome
from restorer.tasks import TASKS
from restorer.weights import save_weights

from .conftest import EXAMPLES, TINY_UNET, bench_rows, invoke, smooth_image
from .test_segment import TINY_SEG, bright_detector


@pytest.fixture(scope="module")
def weights_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("weights")
    save_weights(bright_detector(), TINY_SEG, folder / "segment.safetensors", task="segment")
    for name in ("inpaint", "denoise"):
        save_weights(TINY_UNET.build(), TINY_UNET, folder / f"{name}.safetensors", task=name)
    return folder


def restore(*args: str):
    """The CLI on CPU, quietly."""
    return invoke(*args, "--device", "cpu", "-q")


def scratched_gray_photo(folder: Path) -> tuple[Path, np.ndarray, np.ndarray]:
    """A black-and-white photo with white scratches and specks: (file, clean, damage mask)."""
    clean = smooth_image(96, 128, 3).mean(axis=2) * 0.5 + 0.25  # 0.25-0.75: nothing looks like damage
    marks = np.zeros(clean.shape, bool)
    marks[20:22, 4:120] = marks[30:90, 60:62] = marks[70:74, 20:24] = True
    damaged = np.where(marks, 0.98, clean)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "old.png"
    Image.fromarray(np.rint(damaged * 255).astype(np.uint8), "L").save(path)
    return path, np.rint(clean * 255) / 255, marks


def read(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path), np.float64) / 255


def test_inpaint_auto_fills_exactly_what_the_detector_found(tmp_path, weights_dir, monkeypatch):
    monkeypatch.setattr(restorer.weights, "WEIGHTS_DIR", weights_dir)  # the detector's default weights
    src, clean, marks = scratched_gray_photo(tmp_path / "in")
    r = restore("inpaint", str(src), "--auto", "-o", str(tmp_path / "out"),
                "--weights", str(weights_dir / "inpaint.safetensors"))
    assert r.exit_code == 0, r.output
    before, after = read(src), read(tmp_path / "out" / "old.png")
    assert np.array_equal(before[~marks], after[~marks])  # bit for bit outside the detected damage
    assert np.abs(after[marks] - clean[marks]).mean() < 0.03  # the untrained inpainter's Telea pre-fill
    assert psnr(after, clean) > psnr(before, clean) + 5


def test_inpaint_needs_mask_or_auto_but_not_both(tmp_path):
    src, _, _ = scratched_gray_photo(tmp_path)
    r = CliRunner().invoke(main, ["inpaint", str(src)])
    assert r.exit_code == 2 and "--mask" in r.output and "--auto" in r.output
    r = CliRunner().invoke(main, ["inpaint", str(src), "--auto", "--mask", str(src)])
    assert r.exit_code == 2 and "not both" in r.output


def test_oldphoto_repairs_a_damaged_black_and_white_photo(tmp_path, weights_dir):
    src, clean, marks = scratched_gray_photo(tmp_path / "in")
    out = tmp_path / "out"
    stage_weights = [f"--{n}-weights={weights_dir / n}.safetensors" for n in ("segment", "inpaint", "denoise")]
    r = restore("oldphoto", str(src.parent), "-o", str(out), "--dilate", "0", "--keep-stages", *stage_weights)
    assert r.exit_code == 0, r.output
    if TASKS.get("colorize") is None:
        assert "colorize" in r.output  # the skipped stage is reported, not silently dropped
    assert sorted(p.name for p in out.iterdir()) == ["old.png", "old_1_mask.png", "old_2_inpainted.png", "old_3_denoised.png"]
    assert np.array_equal(read(out / "old_1_mask.png") > 0.5, marks)
    restored = read(out / "old.png")
    restored = restored.mean(axis=2) if restored.ndim == 3 else restored
    assert psnr(restored, clean) > psnr(read(src), clean) + 5
    assert np.array_equal(read(out / "old_3_denoised.png"), read(out / "old_2_inpainted.png"))  # identity denoiser

    again = restore("oldphoto", str(src.parent), "-o", str(out), *stage_weights)
    assert again.exit_code == 1 and "output exists" in again.output


def test_oldphoto_reports_missing_weights_in_one_line(tmp_path, weights_dir):
    src, _, _ = scratched_gray_photo(tmp_path / "in")
    r = CliRunner().invoke(main, ["oldphoto", str(src), "-o", str(tmp_path / "out"), "--device", "cpu",
                                  f"--segment-weights={weights_dir / 'segment.safetensors'}",
                                  f"--inpaint-weights={weights_dir / 'denoise.safetensors'}"])
    assert r.exit_code == 1 and "weights are for 'denoise', not 'inpaint'" in r.output and "Traceback" not in r.output


def test_black_and_white_includes_toned_prints_and_excludes_colour():
    gray = smooth_image(64, 64).mean(axis=2, keepdims=True)
    assert is_monochrome(gray) and is_monochrome(np.repeat(gray, 3, axis=2))
    sepia = np.clip(gray * np.array([1.07, 0.9, 0.7], np.float32), 0, 1)
    assert is_monochrome(sepia)
    assert not is_monochrome(smooth_image(64, 64))


def test_bench_oldphoto_scores_the_shipped_pipeline_against_classical_and_input(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for i in range(2):
        Image.fromarray((smooth_image(72, 96, i) * 255).astype(np.uint8)).save(data / f"p{i}.png")
    r = invoke("bench", "oldphoto", "--data", data, "--device", "cpu", "--json")
    assert r.exit_code == 0, r.output
    rows = bench_rows(r.output, "method")
    assert set(rows) == {"ours", "classical", "input"} and all(row["images"] == 2 for row in rows.values())
    assert rows["ours"]["PSNR"] > rows["input"]["PSNR"] + 2  # grain and damage removed by the shipped weights


def test_bench_oldphoto_measures_the_stage_weights_it_is_given(tmp_path, weights_dir):
    """A candidate detector is benchmarked by naming it, not by copying it over the shipped file."""
    data = tmp_path / "data"
    data.mkdir()
    Image.fromarray((smooth_image(72, 96, 0) * 255).astype(np.uint8)).save(data / "p0.png")
    r = invoke("bench", "oldphoto", "--data", data, "--device", "cpu", "--methods", "ours", "--json",
               f"--segment-weights={weights_dir / 'denoise.safetensors'}")
    assert r.exit_code == 1 and "weights are for 'denoise', not 'segment'" in r.output
    r = invoke("bench", "oldphoto", "--data", data, "--device", "cpu", "--methods", "ours", "--json",
               *(f"--{n}-weights={weights_dir / n}.safetensors" for n in ("segment", "inpaint", "denoise")))
    assert r.exit_code == 0, r.output
    assert bench_rows(r.output, "method")["ours"]["images"] == 1


def test_bundled_old_print_comes_out_closer_to_the_undamaged_photo(tmp_path):
    """The README's example with the shipped weights: examples/old/astronaut.png is the clean
    astronaut turned black-and-white, damaged and grainy (examples/make_examples.py)."""
    from restorer import color as C

    r = restore("oldphoto", EXAMPLES / "old", "-o", tmp_path / "out", "--no-colorize")
    assert r.exit_code == 0, r.output
    original = C.grey_of(read(EXAMPLES / "clean" / "astronaut.png").astype(np.float32))[..., 0]
    grey = lambda img: img if img.ndim == 2 else img.mean(axis=2)  # stains tint the input
    before = psnr(grey(read(EXAMPLES / "old" / "astronaut.png")), original)
    gain = psnr(grey(read(tmp_path / "out" / "astronaut.png")), original) - before
    assert gain > 0.5, gain


def test_every_stage_is_loaded_through_the_one_callable_and_colorize_may_be_missing(weights_dir):
    from restorer.oldphoto import OldPhoto, OldPhotoOptions
    from restorer.restorer import Restorer
    from restorer.weights import WeightsError

    asked = []

    def load_stage(task):
        asked.append(task.name)
        if task.name == "colorize":
            raise WeightsError("no colorize weights here")
        return Restorer.load(task, weights_dir / f"{task.name}.safetensors", "cpu")

    pipeline = OldPhoto.build(OldPhotoOptions(), load_stage)
    assert asked == ["segment", "inpaint", "denoise", "unfade", "colorize"]
    assert set(pipeline.stages) == {"segment", "inpaint", "denoise"}  # no unfade weights in weights_dir either
    assert pipeline.notes[1] == "colorize skipped: no colorize weights here" and pipeline.notes[0].startswith("unfade skipped")
    asked.clear()
    OldPhoto.build(OldPhotoOptions(no_colorize=True, no_unfade=True), load_stage)
    assert asked == ["segment", "inpaint", "denoise"]


def test_keep_tone_leaves_sepia_prints_toned_and_still_colourises_grey():
    from restorer.oldphoto import OldPhotoOptions, colorizes, is_toned

    gray = np.repeat(smooth_image(64, 64).mean(axis=2, keepdims=True), 3, axis=2)
    sepia = np.clip(gray * np.array([1.07, 0.9, 0.7], np.float32), 0, 1)
    colour = smooth_image(64, 64)
    assert is_toned(sepia) and not is_toned(gray) and not is_toned(colour)
    keep = OldPhotoOptions(keep_tone=True)
    assert not colorizes(sepia, keep) and colorizes(gray, keep) and not colorizes(colour, keep)
    assert colorizes(sepia, OldPhotoOptions()) and not colorizes(gray, OldPhotoOptions(no_colorize=True))


def test_oldphoto_upscale_enlarges_as_the_last_stage(tmp_path, weights_dir):
    src, _, _ = scratched_gray_photo(tmp_path / "in")
    r = restore("oldphoto", src, "-o", tmp_path / "out", "--no-colorize", "--upscale", "2",
                "--segment-weights", weights_dir / "segment.safetensors",
                "--inpaint-weights", weights_dir / "inpaint.safetensors",
                "--denoise-weights", weights_dir / "denoise.safetensors")
    assert r.exit_code == 0, r.output
    assert Image.open(tmp_path / "out" / "old.png").size == (256, 192)
