"""Hostile and careless inputs: no code runs from a file, no result is lost, no NaN
passes silently, degenerate and odd files are handled one by one."""
from __future__ import annotations

import os
import pickle
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image

from restorer.batch import Job, OutputPolicy, collect_inputs, plan_jobs, run_batch
from restorer.cli import main
from restorer.tiling import TiledPredictor
from restorer.ensemble import VIEWS, averaged_over_views
from restorer.imageio import OutputExistsError, read_image, write_image
from restorer.train.checkpoint import read_checkpoint
from restorer.ui.controls import build_options, controls_for

from .conftest import EXAMPLES, ROOT, TINY_UNET, save_rgb, smooth_image


def photo_file(path: Path, size: int = 64, seed: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return save_rgb(path, smooth_image(size, size, seed=seed))


def run_cli(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


# ----------------------------------------------------------------------------- checkpoints


class _Payload:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("protocol", [2, 4])
def test_a_pickle_payload_in_a_checkpoint_does_not_run(tmp_path, protocol):
    marker = tmp_path / "PWNED"
    run = tmp_path / "run"
    run.mkdir()
    with open(run / "checkpoint.pt", "wb") as f:
        pickle.dump({"spec": _Payload(marker), "model": {}, "optimizer": {}, "state": {}, "config": {}}, f, protocol=protocol)
    photo_file(tmp_path / "data" / "a.png", 64)
    photo_file(tmp_path / "data" / "b.png", 64, seed=1)
    result = run_cli("train", "denoise", "--data", tmp_path / "data", "--out", run, "--resume", "--steps", "2")
    assert result.exit_code == 1
    assert not marker.exists()
    assert "refused" in result.output and "checkpoint.pt" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_checkpoints_written_by_the_trainer_load_weights_only(tmp_path):
    photo_file(tmp_path / "data" / "a.png", 64)
    photo_file(tmp_path / "data" / "b.png", 64, seed=1)
    out = tmp_path / "run"
    assert run_cli("train", "denoise", "--data", tmp_path / "data", "--out", out, "--steps", "2", "--batch-size", "2",
                   "--patch", "32").exit_code == 0
    ckpt = read_checkpoint(out / "checkpoint.pt", torch.device("cpu"))
    assert ckpt["state"]["step"] == 2 and "ema" in ckpt
    result = run_cli("train", "denoise", "--data", tmp_path / "data", "--out", out, "--resume", "--steps", "3",
                     "--batch-size", "2", "--patch", "32")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("damage", ["truncated", "text"])
def test_corrupt_checkpoints_and_weights_give_one_line(tmp_path, damage):
    photo_file(tmp_path / "data" / "a.png", 64)
    photo_file(tmp_path / "data" / "b.png", 64, seed=1)
    run = tmp_path / "run"
    run.mkdir()
    shipped = ROOT / "weights" / "denoise.safetensors"
    (run / "checkpoint.pt").write_bytes(shipped.read_bytes()[:4000] if damage == "truncated" else b"hello")
    result = run_cli("train", "denoise", "--data", tmp_path / "data", "--out", run, "--resume", "--steps", "2")
    assert result.exit_code == 1 and "checkpoint.pt" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    cut = tmp_path / "cut.safetensors"
    cut.write_bytes(shipped.read_bytes()[:4000])
    (tmp_path / "cut.json").write_text((ROOT / "weights" / "denoise.json").read_text())
    result = run_cli("train", "denoise", "--data", tmp_path / "data", "--from", cut, "--out", tmp_path / "r2", "--steps", "2")
    assert result.exit_code == 1 and "cut.safetensors" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not (tmp_path / "r2").exists()  # a run that cannot start leaves no folder


# ----------------------------------------------------------------------------- concurrent runs


def test_a_result_written_by_another_run_after_planning_is_kept(tmp_path):
    src = tmp_path / "a.png"
    photo_file(src, 32)
    out = tmp_path / "out"
    inputs, _ = collect_inputs([src], False)
    jobs, _, _ = plan_jobs(inputs, OutputPolicy(out))  # planned while out/a.png did not exist
    out.mkdir()
    (out / "a.png").write_bytes(b"the other run's result")
    summary = run_batch(jobs, lambda p: p.with_pixels(1 - p.pixels), progress=False, echo=lambda m: None)
    assert (out / "a.png").read_bytes() == b"the other run's result"
    assert len(summary.failed) == 1 and "--overwrite" in summary.failed[0].message
    assert [p.name for p in out.iterdir()] == ["a.png"]  # no temp file left
    jobs, _, _ = plan_jobs(inputs, OutputPolicy(out, overwrite=True))
    assert run_batch(jobs, lambda p: p, progress=False, echo=lambda m: None).ok
    assert read_image(out / "a.png").width == 32


def test_two_cli_runs_into_one_folder_lose_nothing(tmp_path):
    photos = tmp_path / "photos"
    for i in range(3):
        photo_file(photos / f"p{i}.png", 48, seed=i)
    out = tmp_path / "out"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = lambda sigma: [sys.executable, "-m", "restorer", "denoise", str(photos), "-o", str(out), "-q", "--sigma", sigma]
    procs = [subprocess.Popen(cmd(s), stderr=subprocess.PIPE, text=True, env=env) for s in ("10", "40")]
    errs = [p.communicate(timeout=300)[1] for p in procs]
    counts = [re.search(r"(\d+) written, (\d+) skipped, (\d+) failed", e) for e in errs]
    written = sum(int(c.group(1)) for c in counts)
    failed = sum(int(c.group(3)) for c in counts)
    # each output is written by exactly one run; the other run names that file as not written
    assert (written, failed) == (3, 3), errs
    assert sorted(p.name for p in out.iterdir()) == ["p0.png", "p1.png", "p2.png"]


def test_long_file_names_fit_the_temp_name(tmp_path):
    name = "x" * 245 + ".png"
    photo = read_image(photo_file(tmp_path / "a.png", 8))
    write_image(photo, tmp_path / name)
    assert (tmp_path / name).is_file()
    with pytest.raises(OutputExistsError):
        write_image(photo, tmp_path / name, replace=False)


# ----------------------------------------------------------------------------- blend's inputs


def test_blend_never_writes_over_its_inputs(tmp_path):
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    photo_file(a, 64)
    photo_file(b, 64, seed=1)
    before = a.read_bytes()
    for extra in ([], ["--overwrite"]):
        result = run_cli("blend", a, b, "-o", a, *extra)
        assert result.exit_code == 1 and "input" in result.output
    mask = tmp_path / "m.png"
    Image.fromarray(np.full((64, 64), 255, np.uint8)).save(mask)
    result = run_cli("blend", "--paste", a, "--mask", mask, "--onto", b, "-o", b, "--overwrite")
    assert result.exit_code == 1 and "input" in result.output
    assert a.read_bytes() == before


def test_blend_has_the_max_pixels_its_message_suggests(tmp_path):
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    photo_file(a, 64)
    photo_file(b, 64, seed=1)
    result = run_cli("blend", a, b, "--max-pixels", 100, "-o", tmp_path / "m.png")
    assert result.exit_code == 1 and "--max-pixels" in result.output
    assert run_cli("blend", a, b, "--max-pixels", 10_000, "-o", tmp_path / "m.png").exit_code == 0


# ----------------------------------------------------------------------------- non-finite numbers


@pytest.mark.parametrize("args", [
    ["denoise", "x.png", "--sigma"],
    ["colorize", "x.png", "--saturation"],
    ["segment", "x.png", "--threshold"],
    ["blend", "a.png", "b.png", "--alpha"],
    ["train", "denoise", "--data", ".", "--steps", "1", "--ema"],
    ["train", "denoise", "--data", ".", "--lr"],
    ["bench", "denoise", "--sigma"],
])
@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_every_float_option_refuses_non_finite_numbers(args, value):
    result = run_cli(*args, value)
    assert result.exit_code == 2 and "finite" in result.output


def test_ui_controls_refuse_non_finite_numbers():
    from restorer.tasks.denoise import DenoiseOptions

    with pytest.raises(ValueError, match="finite"):
        build_options(DenoiseOptions, controls_for(DenoiseOptions), {"sigma": float("nan")})


# ----------------------------------------------------------------------------- odd images and files


@pytest.mark.parametrize("shape", [(1, 40), (40, 1), (1, 1), (2, 1)])
@pytest.mark.parametrize("views", range(1, len(VIEWS) + 1))
def test_one_pixel_images_work_with_every_view_count(shape, views):
    x = np.random.default_rng(0).random((4, *shape), dtype=np.float32)
    for seed in range(4):  # several nets: a one-pixel-wide deepest level gave NaN for about half of them
        torch.manual_seed(seed)
        predict = TiledPredictor.create(TINY_UNET.build().eval(), torch.device("cpu"))
        out = averaged_over_views(predict, x, views)
        assert out.shape == (3, *shape) and np.isfinite(out).all(), seed


def test_one_pixel_photos_through_segment_and_oldphoto(tmp_path):
    for name, shape in (("row.png", (1, 30, 3)), ("dot.png", (1, 1, 3))):
        Image.fromarray(np.full(shape, 120, np.uint8)).save(tmp_path / name)
    for cmd in (["segment"], ["oldphoto"], ["denoise", "--views", "8"]):
        result = run_cli(*cmd, tmp_path / "row.png", tmp_path / "dot.png", "-o", tmp_path / cmd[0], "-q")
        assert result.exit_code == 0, result.output


def test_readable_types_in_folders_are_processed_and_others_named(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    rgb = (smooth_image(16, 16) * 255).astype(np.uint8)
    for suffix, fmt in ((".jfif", "JPEG"), (".jpe", "JPEG"), (".ppm", "PPM"), (".dib", "BMP")):
        Image.fromarray(rgb).save(src / f"a{suffix}", format=fmt)
    Image.fromarray(rgb[..., 0]).save(src / "g.pgm", format="PPM")
    (src / "v.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (src / "h.exr").write_bytes(b"v/1\x01")
    left_out: list[Path] = []
    pairs, failures = collect_inputs([src], False, left_out=left_out)
    assert sorted(p.name for p, _ in pairs) == ["a.dib", "a.jfif", "a.jpe", "a.ppm", "g.pgm"]
    assert sorted(p.name for p in left_out) == ["h.exr", "v.svg"] and not failures
    result = run_cli("colorize", src, "-o", tmp_path / "out", "-q")
    assert result.exit_code == 0, result.output
    assert "2 image(s) of types restore does not read" in result.output


def test_tiff_without_resolution_gets_no_dpi(tmp_path):
    Image.fromarray((smooth_image(16, 16) * 255).astype(np.uint8)).save(tmp_path / "a.tif")
    photo = read_image(tmp_path / "a.tif")
    assert photo.dpi is None
    write_image(photo, tmp_path / "b.tif")
    with Image.open(tmp_path / "b.tif") as im:
        assert 282 not in im.tag_v2  # no XResolution: Pillow's info then shows its own default of 1
    assert read_image(tmp_path / "b.tif").dpi is None
    photo.bit_depth = 16
    write_image(photo, tmp_path / "c.tif")
    assert read_image(tmp_path / "c.tif").dpi is None


def test_suffix_with_path_separators_is_refused(tmp_path):
    result = run_cli("denoise", EXAMPLES / "noisy", "-o", tmp_path / "out", "--suffix", "/../../x")
    assert result.exit_code == 2 and "separator" in result.output
    with pytest.raises(ValueError):
        OutputPolicy(tmp_path, suffix="..\\x")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_not_waited_on(tmp_path):
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    good = photo_file(tmp_path / "good.png", 16)
    result = run_cli("denoise", fifo, good, "-o", tmp_path / "out", "-q", "--sigma", "10")
    assert result.exit_code == 1 and "not a regular file" in result.output
    assert (tmp_path / "out" / "good.png").is_file()


def test_sigterm_cleans_up_and_exits_143(tmp_path):
    photos = tmp_path / "photos"
    for i in range(40):
        photo_file(photos / f"p{i:02d}.png", 256, seed=i)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "restorer", "denoise", str(photos), "-o", str(out), "--views", "8",
                             "--sigma", "20"], stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})
    deadline = time.monotonic() + 240
    while not (out.is_dir() and any(out.iterdir())) and time.monotonic() < deadline:
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "terminated" in err
    # stopped before any photo was finished, the run removes its own then-empty folder
    leftovers = [p.name for p in out.iterdir() if p.name.startswith(".")] if out.exists() else []
    assert leftovers == []


def test_failed_runs_leave_no_empty_result_folders(tmp_path):
    good = photo_file(tmp_path / "good.png", 16)
    jobs = [Job(good, tmp_path / "out" / "deep" / "good.png")]
    summary = run_batch(jobs, lambda p: p, read=lambda p: read_image(p), progress=False,
                        write=lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")), echo=lambda m: None)
    assert not summary.ok and not (tmp_path / "out").exists()
