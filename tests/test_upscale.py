"""Upscaling as a user runs it: the shipped weights against bicubic on a photo they never saw,
sizes, alpha, DPI and bit depth kept, the degradation pipelines' claims."""
import numpy as np
import pytest
from PIL import Image

from restorer.bench.upscale import luma, score_y
from restorer.corrupt.downscale import clean_small, gaussian_kernel, real_small
from restorer.imageio import read_image
from restorer.resize import resize_float
from restorer.restorer import Restorer
from restorer.tasks import TASKS
from restorer.tasks import upscale as U

from .conftest import EXAMPLES, invoke, smooth_image


@pytest.fixture(scope="module")
def coffee():
    clean = np.asarray(Image.open(EXAMPLES / "clean" / "coffee.png").convert("RGB"), np.float32)[:256, :384] / 255
    return clean


@pytest.fixture(scope="module")
def restorer():
    return Restorer.load(TASKS["upscale"])


def _photo(pixels):
    from restorer.bench.common import plain_photo

    return plain_photo(pixels)


@pytest.mark.parametrize("scale, gain", [(2, 0.5), (4, 0.3)])
def test_clean_mode_beats_bicubic_on_an_unseen_photo(coffee, restorer, scale, gain):
    small = clean_small(coffee, scale)
    ours = restorer(_photo(small), U.UpscaleOptions(scale=scale, mode="clean")).pixels
    bicubic = resize_float(small, (coffee.shape[1], coffee.shape[0]))
    assert ours.shape == coffee.shape
    assert score_y(ours, coffee, scale)[0] > score_y(bicubic, coffee, scale)[0] + gain


def test_real_mode_does_not_magnify_noise(coffee, restorer):
    rng = np.random.default_rng(0)
    noisy_small = np.clip(clean_small(coffee, 2) + rng.normal(0, 12 / 255, (128, 192, 3)), 0, 1).astype(np.float32)
    real = restorer(_photo(noisy_small), U.UpscaleOptions(scale=2, mode="real")).pixels
    clean = restorer(_photo(noisy_small), U.UpscaleOptions(scale=2, mode="clean")).pixels
    bicubic = resize_float(noisy_small, (384, 256))
    assert score_y(real, coffee, 2)[0] > score_y(bicubic, coffee, 2)[0] + 0.5
    assert score_y(real, coffee, 2)[0] > score_y(clean, coffee, 2)[0] + 0.5  # clean mode sharpens the noise too


def test_tiles_join_without_seams(coffee):
    small = clean_small(coffee, 2)
    opts = U.UpscaleOptions(scale=2, mode="clean")
    whole = Restorer.load(TASKS["upscale"], tile=0)(_photo(small), opts).pixels
    tiled = Restorer.load(TASKS["upscale"], tile=96)(_photo(small), opts).pixels
    assert np.abs(whole - tiled).max() < 0.02


def test_cli_keeps_alpha_dpi_and_16_bits(tmp_path):
    rgba = np.dstack([smooth_image(40, 60), np.linspace(0, 1, 60, dtype=np.float32)[None].repeat(40, 0)])
    src = tmp_path / "small.png"
    Image.fromarray(np.rint(rgba * 255).astype(np.uint8)).save(src, dpi=(300, 300))
    gray16 = tmp_path / "scan.png"
    Image.fromarray(np.rint(smooth_image(40, 60)[..., 0] * 65535).astype(np.uint16)).save(gray16)
    result = invoke("upscale", src, gray16, "--scale", 4, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    out = read_image(tmp_path / "out" / "small.png")
    assert out.pixels.shape == (160, 240, 3) and out.alpha.shape == (160, 240)
    assert out.dpi == pytest.approx((1200, 1200), rel=0.01)
    deep = read_image(tmp_path / "out" / "scan.png")
    assert deep.pixels.shape == (160, 240, 1) and deep.bit_depth == 16


def test_cli_refuses_an_untrained_scale(tmp_path):
    result = invoke("upscale", EXAMPLES / "clean" / "camera.png", "--scale", 3, "-o", tmp_path)
    assert result.exit_code == 2 and "3" in result.output


def test_too_large_a_result_is_one_error_and_the_batch_goes_on(tmp_path, monkeypatch):
    monkeypatch.setattr(U, "MAX_OUTPUT_MEGAPIXELS", 0.01)
    Image.fromarray(np.zeros((30, 30, 3), np.uint8)).save(tmp_path / "tiny.png")  # 60x60 result: allowed
    Image.fromarray(np.zeros((80, 80, 3), np.uint8)).save(tmp_path / "big.png")  # 160x160: refused
    result = invoke("upscale", tmp_path / "big.png", tmp_path / "tiny.png", "-o", tmp_path / "out")
    assert result.exit_code != 0 and "big.png" in result.output and "megapixels" in result.output
    assert (tmp_path / "out" / "tiny.png").is_file() and not (tmp_path / "out" / "big.png").exists()


def test_samples_pair_an_enlarged_8_bit_file_with_its_original():
    clean = smooth_image(96, 96)
    for seed in range(6):
        sample = U.make_sample(clean, np.random.default_rng(seed))
        assert sample["input"].shape == (5, 96, 96) and sample["target"].shape == (3, 96, 96)
        scale = round(sample["input"][3, 0, 0] * 4)
        assert scale in U.SCALES and sample["input"][4, 0, 0] in (0.0, 1.0)


def test_clean_small_is_the_8_bit_bicubic_shrink():
    img = smooth_image(64, 96)
    small = clean_small(img, 4)
    assert small.shape == (16, 24, 3)
    assert np.array_equal(small, np.rint(small * 255) / 255)
    assert abs(float(small.mean()) - float(img.mean())) < 0.01  # antialiased: the mean survives


def test_real_small_is_seeded_and_degraded():
    img = smooth_image(96, 96)
    a = real_small(img, 2, np.random.default_rng(3))
    assert np.array_equal(a, real_small(img, 2, np.random.default_rng(3)))
    rough = lambda x: float(np.abs(np.diff(luma(x), axis=1)).mean())
    noisy = [rough(real_small(img, 2, np.random.default_rng(s))) for s in range(12)]
    assert max(noisy) > rough(clean_small(img, 2)) * 1.5  # some draws carry noise the clean shrink lacks


def test_blur_kernel_is_normalised_and_anisotropic():
    k = gaussian_kernel(3.0, 0.5, 0.0)
    assert k.sum() == pytest.approx(1.0, abs=1e-5)
    assert k[10].sum() > k[:, 10].sum()  # wide along x, narrow along y


def test_ui_compares_before_and_after_at_one_size(tmp_path):
    from restorer.ui import handlers as H
    from restorer.ui import state as S
    from restorer.ui.controls import controls_for, initial_value

    state = S.AppState(S.Settings(out_dir=tmp_path / "out", device="cpu"))
    src = tmp_path / "small.png"
    Image.fromarray(np.rint(smooth_image(48, 64) * 255).astype(np.uint8)).save(src)
    values = {c.name: initial_value(c) for c in controls_for(U.UpscaleOptions)} | {"scale": 4}
    result = H.restore_images(state, "upscale", [str(src)], values, {}, None)
    shown = result.shown[0]
    assert Image.open(result.download).size == (256, 192)
    assert Image.open(shown.before).size == Image.open(shown.after).size == (256, 192)
    before = np.asarray(Image.open(shown.before))
    assert np.array_equal(before[::4, ::4], before[3::4, 3::4])  # nearest neighbour: the input's pixels as blocks
    assert "nearest" in shown.caption
