"""Every script under scripts/ runs from a fresh clone (`python scripts/...` from any folder, no
PYTHONPATH, no install), on tiny generated inputs or with --help, in seconds. A script that cannot
says why in its docstring's first line, which starts "Not in the test suite"."""
from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from .conftest import EXAMPLES, ROOT, save_rgb, smooth_image

SCRIPTS = sorted(ROOT.glob("scripts/*/*.py"))
EXCUSED = "Not in the test suite"


def run_script(script: Path, *args: object, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([sys.executable, str(script), *map(str, args)], cwd=cwd, env={**env, "OMP_NUM_THREADS": "1"},
                          capture_output=True, text=True, timeout=300)


def first_line(script: Path) -> str:
    return (ast.get_docstring(ast.parse(script.read_text())) or "").splitlines()[0]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_script_runs_from_anywhere(script, tmp_path):
    if first_line(script).startswith(EXCUSED):
        pytest.skip(first_line(script))
    r = run_script(script, "--help", cwd=tmp_path)
    assert r.returncode == 0 and "usage:" in r.stdout, r.stderr[-2000:]


def test_make_color_prior_writes_a_prior_over_every_bin(tmp_path):
    from restorer import color as C

    photos = tmp_path / "photos"
    photos.mkdir()
    for i in range(2):
        save_rgb(photos / f"{i}.png", smooth_image(40, 48, seed=i))
    out = tmp_path / "prior.py"
    r = run_script(ROOT / "scripts/weights/make_color_prior.py", photos, "--out", out, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    namespace: dict = {}
    exec(out.read_text(), namespace)
    prior = np.asarray(namespace["AB_PRIOR"])
    assert len(prior) == C.N_BINS and prior.sum() == pytest.approx(1, abs=1e-3)


def test_train_step_speed_prints_a_row_per_task(tmp_path):
    r = run_script(ROOT / "scripts/experiments/train_step_speed.py", "--data", EXAMPLES / "clean", "--tasks", "denoise",
                   "--batch-size", "1", "--steps", "1", "--rounds", "1", "--threads", "1", cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.splitlines()[-1].startswith("| denoise | 128 |")


@pytest.mark.parametrize("name, needs", [("resume_on_gpu.sh", "--continue"), ("finetune_on_gpu.sh", "--from"),
                                        ("denoise_colorize_on_gpu.sh", "--from")])
def test_gpu_script_parses_and_asks_for_its_budget(tmp_path, name, needs):
    script = ROOT / "scripts/gpu" / name
    assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
    r = subprocess.run(["bash", str(script)], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode != 0 and f"usage: {name} MINUTES" in r.stderr
    assert needs in script.read_text()  # both go on from the shipped weights (restore train --from W)


def three_photo_sets(root: Path) -> Path:
    """Small stand-ins for bsds432, urban100 and sunhays80 (its photos over the packer's 640 px)."""
    from PIL import Image
    for name, n in (("bsds432", 10), ("urban100", 5), ("sunhays80", 4)):
        (root / name).mkdir(parents=True)
        for i in range(n):
            size = (900 if name == "sunhays80" else 64, 48)
            Image.new("RGB", size, (i * 20, 0, 0)).save(root / name / f"{i:03d}.jpg")
    return root


def test_gpu_data_packer_keeps_the_held_out_photos_apart(tmp_path):
    from PIL import Image
    r = run_script(ROOT / "scripts/gpu/pack_data.py", three_photo_sets(tmp_path / "d"), tmp_path / "out", cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    out = tmp_path / "out"
    train, val = ({p.stem for p in (out / f).rglob("*.webp")} for f in ("train/bsds432", "val"))
    assert len(val) == 1 and len(train) == 9 and not train & val
    assert sorted(p.stem for p in (out / "train/urban100").glob("*.webp")) == ["001", "002", "003", "004"]
    assert max(Image.open(next((out / "train/sunhays80").glob("*.webp"))).size) == 640


def test_gpu_data_packer_holds_out_a_denoiser_split_and_keeps_jpeg_bytes(tmp_path):
    """--hold-out: no photo a denoiser's split (of a folder of links) holds out is packed for training;
    --jpeg: JPEGs travel byte for byte unless shrunk, so the denoiser's targets gain no new artefacts."""
    from PIL import Image

    from restorer.train.data import held_out_split
    data, links, out = three_photo_sets(tmp_path / "d"), tmp_path / "links", tmp_path / "out"
    links.mkdir()
    for p in sorted(data.rglob("*.jpg")):
        (links / f"{p.parent.name[0]}_{p.name}").symlink_to(p)
    r = run_script(ROOT / "scripts/gpu/pack_data.py", data, out, "--hold-out", links, "1", "--jpeg",
                   "--long-side", "400", cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    kept = held_out_split(links, 1)[1]
    assert kept and sorted(p.name for p in (out / "held_out").iterdir()) == sorted(p.name for p in kept)
    originals = [Path(os.path.realpath(p)) for p in kept]
    assert not any((out / "train" / p.parent.name / p.name).exists() for p in originals)
    packed = list((out / "train/bsds432").glob("*.jpg"))
    assert packed and all(p.read_bytes() == (data / "bsds432" / p.name).read_bytes() for p in packed)
    assert all(max(Image.open(p).size) == 400 for p in (out / "train/sunhays80").glob("*.jpg"))


def test_recalibrating_the_detector_records_the_new_cut_and_keeps_the_rest(tmp_path, clean_folder):
    import json

    from restorer.weights import load_model

    out = tmp_path / "segment.safetensors"
    r = run_script(ROOT / "scripts/weights/recalibrate_segment.py", ROOT / "weights/segment.safetensors", out,
                   "--val", clean_folder, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    training = json.loads(out.with_suffix(".json").read_text())["training"]
    old, new = training["recalibrated"]["old_calibration"], training["calibration"]
    photos = len(list(clean_folder.iterdir()))
    assert new["samples"] == 2 * photos and "logit_shift" in new  # each photo drawn twice, as the trainer calibrates
    before, _ = load_model(ROOT / "weights/segment.safetensors", task="segment")
    after, _ = load_model(out, task="segment")
    # only the last bias moves, by the difference of the two cuts (the old one taken out first)
    moved = [k for k, v in after.state_dict().items() if not torch.equal(v, before.state_dict()[k])]
    assert len(moved) <= 1 and all(k.startswith("head") and k.endswith("bias") for k in moved)
    shift = float((after.head[-1].bias - before.head[-1].bias).detach().float().mean())
    assert shift == pytest.approx(new["logit_shift"] - old["logit_shift"], abs=0.01)
