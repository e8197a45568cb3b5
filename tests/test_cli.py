"""The CLI as a user runs it: the installed `restore` command (subprocess) for
the main path, click's runner on the same entry point for the many edge cases."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from restorer.metrics import psnr

from .conftest import EXAMPLES, invoke, save_rgb, smooth_image

RESTORE = shutil.which("restore", path=str(Path(sys.executable).parent)) or "restore"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([RESTORE, *args], capture_output=True, text=True, timeout=300)


def _u8(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path), np.float32) / 255


def test_denoise_examples_folder_end_to_end(tmp_path):
    out = tmp_path / "out"
    r = run_cli("denoise", str(EXAMPLES / "noisy"), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    assert "4 written" in r.stderr
    for src in (EXAMPLES / "noisy").iterdir():
        dst = out / src.name
        with Image.open(src) as a, Image.open(dst) as b:
            assert (a.size, a.mode, a.format) == (b.size, b.mode, b.format)
            assert a.info.get("icc_profile") == b.info.get("icc_profile")
            assert dict(a.getexif()) == dict(b.getexif())
    clean = _u8(EXAMPLES / "clean" / "astronaut.png")
    gain = psnr(_u8(out / "astronaut.png"), clean) - psnr(_u8(EXAMPLES / "noisy" / "astronaut.png"), clean)
    assert gain >= 8.0, f"sigma-25 PSNR gain only {gain:.2f} dB"


def test_denoise_says_which_weights_run(tmp_path):
    """Blind runs (no --sigma) and extreme given noise use the camera-noise weights; other given levels, the Gaussian ones."""
    src = save_rgb(tmp_path / "in.png", smooth_image(48, 48))
    blind = invoke("denoise", src, "-o", tmp_path / "a")
    known = invoke("denoise", src, "-o", tmp_path / "b", "--sigma", "15")
    heavy = invoke("denoise", src, "-o", tmp_path / "c", "--sigma", "50")
    extreme = invoke("denoise", src, "-o", tmp_path / "d", "--sigma", "72")
    assert blind.exit_code == known.exit_code == heavy.exit_code == extreme.exit_code == 0
    assert "with denoise_camera.safetensors" in blind.output and "with denoise.safetensors" in known.output
    assert "with denoise.safetensors" in heavy.output and "with denoise_camera.safetensors" in extreme.output


def test_bad_files_are_reported_and_the_batch_goes_on(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    save_rgb(src / "a.png", smooth_image(40, 48))
    save_rgb(src / "z.png", smooth_image(40, 48, seed=1))
    (src / "empty.png").write_bytes(b"")
    (src / "notes.jpg").write_text("not an image")
    good = (src / "a.png").read_bytes()
    (src / "half.png").write_bytes(good[: len(good) // 2])
    r = run_cli("denoise", str(src), "-o", str(tmp_path / "out"), "-q", "--sigma", "10")
    assert r.returncode == 1
    for name in ("empty.png", "notes.jpg", "half.png"):
        lines = [ln for ln in r.stderr.splitlines() if name in ln]
        assert lines, f"no error line for {name}:\n{r.stderr}"
        assert "Traceback" not in r.stderr
    assert (tmp_path / "out" / "a.png").is_file() and (tmp_path / "out" / "z.png").is_file()
    assert "2 written" in r.stderr and "3 failed" in r.stderr


def test_originals_are_never_overwritten_unless_in_place(tmp_path):
    path = save_rgb(tmp_path / "p.png", smooth_image(32, 32))
    before = path.read_bytes()
    r = invoke("denoise", str(path), "-o", str(tmp_path), "-q", "--sigma", "20")
    assert r.exit_code == 1 and "original" in r.output
    assert path.read_bytes() == before
    r = invoke("denoise", str(path), "-o", str(tmp_path), "-q", "--sigma", "20", "--in-place")
    assert r.exit_code == 0 and path.read_bytes() != before


def test_existing_outputs_skip_overwrite_and_dry_run(tmp_path):
    src = save_rgb(tmp_path / "p.png", smooth_image(32, 32))
    out = tmp_path / "out"
    assert invoke("denoise", str(src), "-o", str(out), "--dry-run").exit_code == 0
    assert not out.exists()
    assert invoke("denoise", str(src), "-o", str(out), "-q", "--suffix", "_dn").exit_code == 0
    produced = out / "p_dn.png"
    produced.write_bytes(b"keep me")
    r = invoke("denoise", str(src), "-o", str(out), "-q", "--suffix", "_dn")
    assert r.exit_code == 1 and "exists" in r.output and produced.read_bytes() == b"keep me"
    assert invoke("denoise", str(src), "-o", str(out), "-q", "--suffix", "_dn", "--skip-existing").exit_code == 0
    assert produced.read_bytes() == b"keep me"
    assert invoke("denoise", str(src), "-o", str(out), "-q", "--suffix", "_dn", "--overwrite").exit_code == 0
    assert Image.open(produced).size == (32, 32)


def test_sixteen_bit_alpha_grayscale_and_format_override(tmp_path):
    rng = np.random.default_rng(0)
    rgba16 = np.concatenate([smooth_image(48, 40), rng.random((48, 40, 1))], axis=2)
    import cv2

    cv2.imwrite(str(tmp_path / "deep.png"), np.rint(rgba16[..., [2, 1, 0, 3]] * 65535).astype(np.uint16))
    Image.fromarray((smooth_image(40, 40)[..., 0] * 255).astype(np.uint8), "L").save(tmp_path / "gray.png")
    r = invoke("denoise", str(tmp_path), "-o", str(tmp_path / "out"), "-q", "--sigma", "5")
    assert r.exit_code == 0, r.output
    deep = cv2.imread(str(tmp_path / "out" / "deep.png"), cv2.IMREAD_UNCHANGED)
    src = cv2.imread(str(tmp_path / "deep.png"), cv2.IMREAD_UNCHANGED)
    assert deep.dtype == np.uint16 and deep.shape == (48, 40, 4)
    assert np.array_equal(deep[..., 3], src[..., 3])
    assert Image.open(tmp_path / "out" / "gray.png").mode == "L"
    assert invoke("denoise", str(tmp_path / "gray.png"), "-o", str(tmp_path / "o2"), "-q", "--format", "jpeg").exit_code == 0
    assert Image.open(tmp_path / "o2" / "gray.jpg").format == "JPEG"


def test_bad_weights_and_missing_path_are_clear(tmp_path):
    src = save_rgb(tmp_path / "p.png", smooth_image(32, 32))
    (tmp_path / "w.safetensors").write_bytes(b"junk")
    r = invoke("denoise", str(src), "-o", str(tmp_path / "o"), "--weights", str(tmp_path / "w.safetensors"))
    assert r.exit_code != 0 and "w.safetensors" in r.output
    r = invoke("denoise", str(tmp_path / "missing.png"), "-o", str(tmp_path / "o"))
    assert r.exit_code == 1 and "missing.png" in r.output


def test_models_lists_shipped_weights_and_help_explains_estimation():
    r = invoke("models")
    assert r.exit_code == 0 and "denoise" in r.output
    assert r.output.split()[:5] == ["task", "file", "size", "trained", "validation"] and "{" not in r.output  # a table
    assert any(line.split()[:2] == ["denoise", "denoise.safetensors"] and "steps" in line for line in r.output.splitlines())
    r = invoke("denoise", "--help")
    assert "estimate" in r.output and "--sigma" in r.output
