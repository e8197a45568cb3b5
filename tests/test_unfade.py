"""Faded colour prints: the synthetic fading's claims, the classical correction, the task's sample
contract, `restore unfade` on a faded file and oldphoto's unfade stage (colour photos only)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from restorer.corrupt.fading import Fading, draw_fading, fade, fade_with, low_frequency_field
from restorer.metrics import delta_e, psnr
from restorer.resize import resize_long_side
from restorer.tasks import TASKS
from restorer.tasks import unfade as U
from restorer.unfade import classical, transfer
from restorer.weights import save_weights

from .conftest import SHIPPED, invoke, save_rgb, smooth_image
from .test_oldphoto import restore, scratched_gray_photo, weights_dir  # noqa: F401 - a fixture used here

STRONG = Fading(dye_left=(0.45, 0.9, 0.6), contrast=0.8, base_density=0.06, yellowing=0.05, unevenness=0.1)


def luminance(img: np.ndarray) -> np.ndarray:
    return img @ np.array([0.299, 0.587, 0.114], np.float32)


def strongly_faded(img: np.ndarray) -> np.ndarray:
    return np.rint(fade_with(img, STRONG, low_frequency_field(img.shape[:2], np.random.default_rng(0))) * 255) / 255


def test_fading_is_seeded_in_range_and_casts_towards_magenta_and_red():
    img = smooth_image(64, 80)
    a = fade(img, np.random.default_rng(5))
    assert a.dtype == np.float32 and a.shape == img.shape and 0 <= a.min() and a.max() <= 1
    assert np.array_equal(a, fade(img, np.random.default_rng(5)))
    shifts = []
    for seed in range(40):
        faded = fade(img, np.random.default_rng(seed))
        shifts.append((faded - img).mean(axis=(0, 1)))
        assert 0 <= faded.min() and faded.max() <= 1
    r, g, b = np.mean(shifts, axis=0)
    assert r > g + 0.03 and b > g  # cyan and yellow fade first: red and blue come back, green does not


def test_fading_lifts_the_blacks_dims_the_whites_and_sometimes_barely_happens():
    img = smooth_image(64, 80)
    img[:8], img[-8:] = 0.0, 1.0  # a black band and a white one
    faded = strongly_faded(img)
    assert luminance(faded[:8]).mean() > 0.1  # black is no longer black
    assert luminance(faded[-8:]).mean() < 0.97  # the paper is dimmed and yellowed
    assert faded[-8:, :, 2].mean() < faded[-8:, :, 0].mean()  # yellow: less blue in the whites
    assert np.ptp(luminance(faded)) < np.ptp(luminance(img))  # contrast lost
    drawn = [draw_fading(np.random.default_rng(s)) for s in range(200)]
    barely = [f for f in drawn if min(f.dye_left) > 0.95]
    assert 25 <= len(barely) <= 90  # nearly-unfaded prints are in the mix: the model must leave them alone
    untouched = Fading((1.0, 1.0, 1.0), 1.0, 0.0, 0.0, 0.0)
    same = fade_with(img, untouched, np.zeros(img.shape[:2], np.float32))
    assert np.abs(same - img).max() < 4 / 255  # all but the blackest black (a print's density tops out at 3)


def test_classical_correction_undoes_a_simple_cast():
    p = smooth_image(64, 80)[..., 0]
    p = (p - p.min()) / np.ptp(p)
    img = np.stack([p, np.roll(p, 20, axis=1), np.roll(p, 40, axis=1)], axis=2)  # one histogram: balanced, full range
    assert np.abs(classical(img) - img).max() < 0.02  # what the correction leaves alone
    cast = np.clip(img * np.array([0.7, 0.55, 0.6], np.float32) + np.array([0.25, 0.1, 0.2], np.float32), 0, 1)
    fixed = classical(cast)
    assert psnr(fixed, img) > psnr(cast, img) + 8
    assert delta_e(fixed, img) < delta_e(cast, img) / 3


def test_a_thumbnail_correction_carries_to_full_size():
    full = smooth_image(300, 420)
    small = resize_long_side(full, 128)
    correct = lambda x: np.clip(x ** np.array([1.3, 0.9, 1.1], np.float32) * 0.95 + 0.03, 0, 1)
    assert np.abs(transfer(full, small, correct(small)) - correct(full)).mean() < 0.01


def test_samples_pair_the_classical_correction_of_an_8_bit_faded_crop_with_the_crop():
    clean = smooth_image(64, 64)
    sample = U.make_sample(clean, np.random.default_rng(3))
    assert sample["input"].shape == (6, 64, 64) and sample["target"].shape == (3, 64, 64)
    faded = sample["input"][3:].transpose(1, 2, 0)
    assert np.array_equal(faded, np.rint(faded * 255) / 255)  # what a file holds
    assert np.allclose(sample["input"][:3].transpose(1, 2, 0), classical(faded), atol=1e-5)
    assert np.array_equal(sample["target"], clean.transpose(2, 0, 1))
    again = U.make_sample(clean, np.random.default_rng(3))
    assert np.array_equal(sample["input"], again["input"])


@pytest.fixture(scope="module")
def untrained_unfade(tmp_path_factory) -> Path:
    """The task's own model, untrained: the zero-initialised last layers give the classical answer."""
    path = tmp_path_factory.mktemp("unfade") / "unfade.safetensors"
    save_weights(TASKS["unfade"].model.build(), TASKS["unfade"].model, path, task="unfade")
    return path


def faded_file(folder: Path, size: tuple[int, int] = (300, 400)) -> tuple[Path, np.ndarray]:
    clean = smooth_image(*size, seed=2)
    folder.mkdir(parents=True, exist_ok=True)
    return save_rgb(folder / "print.png", strongly_faded(clean)), clean


def read(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"), np.float32) / 255


@pytest.mark.parametrize("which", ["untrained", "shipped"])
def test_restore_unfade_brings_a_faded_print_closer_to_the_original(tmp_path, untrained_unfade, which):
    weights = untrained_unfade if which == "untrained" else SHIPPED / "unfade.safetensors"
    if not weights.exists():
        pytest.skip("no shipped unfade weights")
    src, clean = faded_file(tmp_path / "in")
    r = invoke("unfade", src, "-o", tmp_path / "out", "--weights", weights, "--device", "cpu")
    assert r.exit_code == 0, r.output
    out, faded = read(tmp_path / "out" / "print.png"), read(src)
    assert out.shape == clean.shape and "colour shifted" in r.output
    assert psnr(out, clean) > psnr(faded, clean) + 3 and delta_e(out, clean) < delta_e(faded, clean) / 2
    half = invoke("unfade", src, "-o", tmp_path / "half", "--weights", weights, "--device", "cpu", "--strength", "0.5")
    assert half.exit_code == 0, half.output
    assert delta_e(faded, clean) > delta_e(read(tmp_path / "half" / "print.png"), clean) > delta_e(out, clean)


def test_only_photos_that_lost_both_ends_of_their_range_look_faded():
    from restorer.unfade import looks_faded

    clean = smooth_image(120, 160, seed=2)
    full = (clean - clean.min()) / (clean.max() - clean.min())  # a photo with real blacks and whites
    assert not looks_faded(full)
    assert looks_faded(strongly_faded(full))
    assert not looks_faded(full * 0.9 + 0.1)  # lifted blacks alone (haze, a low-key scan) keep their colour


def test_oldphoto_unfades_colour_photos_first_and_leaves_grey_ones(tmp_path, weights_dir, untrained_unfade):  # noqa: F811
    stage_weights = [f"--{n}-weights={weights_dir / n}.safetensors" for n in ("segment", "inpaint", "denoise")]
    colour, clean = faded_file(tmp_path / "in", (96, 128))
    grey, _, _ = scratched_gray_photo(tmp_path / "in")  # old.png beside print.png
    out = tmp_path / "out"
    r = restore("oldphoto", tmp_path / "in", "-o", out, "--keep-stages", "--no-colorize", *stage_weights,
                f"--unfade-weights={untrained_unfade}")
    assert r.exit_code == 0, r.output
    names = sorted(p.name for p in out.iterdir())
    assert "print_0_unfaded.png" in names and "old_0_unfaded.png" not in names
    unfaded = read(out / "print_0_unfaded.png")
    assert delta_e(unfaded, clean) < delta_e(read(colour), clean) / 2
    assert np.array_equal(read(out / "print_3_denoised.png"), read(out / "print_2_inpainted.png"))  # identity denoiser
    off = restore("oldphoto", colour, "-o", tmp_path / "off", "--keep-stages", "--no-unfade", *stage_weights)
    assert off.exit_code == 0, off.output
    assert not (tmp_path / "off" / "print_0_unfaded.png").exists()
    assert np.abs(read(tmp_path / "off" / "print.png") - read(colour)).max() < 0.02  # left faded


def test_bench_unfade_scores_ours_classical_and_input_and_saves_a_grid(tmp_path, untrained_unfade):
    from .conftest import bench_rows

    data = tmp_path / "data"
    data.mkdir()
    for i in range(2):
        save_rgb(data / f"p{i}.png", smooth_image(72, 96, i))
    grid = tmp_path / "grid.png"
    r = invoke("bench", "unfade", "--data", data, "--weights", untrained_unfade, "--device", "cpu", "--json", "--grid", grid)
    assert r.exit_code == 0, r.output
    rows = bench_rows(r.output, "method", "fading")
    assert {m for m, _ in rows} == {"ours", "classical", "input"} and rows["ours", "all"]["images"] == 2
    assert sum(rows["input", g]["images"] for g in ("faded", "barely") if ("input", g) in rows) == 2
    assert rows["ours", "all"]["ΔE"] == pytest.approx(rows["classical", "all"]["ΔE"], abs=0.05)  # untrained: classical
    assert all(row["PSNR"] <= 60 for row in rows.values())  # an unchanged file scores the cap, not infinity
    assert Image.open(grid).size[0] > 4 * 240  # faded | classical | ours | original
