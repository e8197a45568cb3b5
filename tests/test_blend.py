"""Blending: synthetic composites, the harmoniser's sample contract, `restore
blend` (paste with differently sized photos and --at; morph --alpha and
--frames), every autoencoder regulariser, `restore train blend` and the bench.
Tiny random models stand in for trained weights."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image

from restorer.bench.blend import opencv_poisson
from restorer.cli import main
from restorer.corrupt.harmonize import synthetic_composite
from restorer.tiling import TiledPredictor
from restorer.imageio import Photo
from restorer.models import ModelSpec
from restorer.models.autoencoder import REGULARISERS
from restorer.patch_pca import fit_pca, pca_reconstruct
from restorer.tasks import TASKS
from restorer.autoencoder_losses import regularised_losses
from restorer.tasks.blend import paste_photo, seam_band
from restorer.weights import load_model, save_weights

from .conftest import invoke, save_rgb, smooth_image, tiny_unet_for

TINY_AE = ModelSpec("conv_autoencoder", {"in_channels": 3, "out_channels": 3, "widths": (8, 16), "code_channels": 4,
                                         "regulariser": "none", "reg_weight": None})


@pytest.fixture(scope="module")
def weights(tmp_path_factory) -> dict[str, Path]:
    torch.manual_seed(0)
    spec = tiny_unet_for("blend")
    unet = spec.build().eval()
    torch.nn.init.normal_(unet.head[-1].weight, std=0.05)  # zero-init would return the Poisson blend unchanged
    folder = tmp_path_factory.mktemp("w")
    return {"blend": save_weights(unet, spec, folder / "blend.safetensors", task="blend"),
            "morph": save_weights(_fitted_autoencoder(), TINY_AE, folder / "morph.safetensors", task="morph")}


def _fitted_autoencoder() -> torch.nn.Module:
    """A few steps on smooth images, so different photos get different codes (an untrained decoder gives grey)."""
    ae = TINY_AE.build().train()
    opt = torch.optim.Adam(ae.parameters(), 3e-3)
    x = torch.from_numpy(np.stack([smooth_image(32, 32, s).transpose(2, 0, 1) for s in range(8)]))
    x = torch.cat([x, 1 - x])
    for _ in range(60):
        loss = torch.nn.functional.mse_loss(ae(x), x)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return ae.eval()


def read_u8(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path))


def test_harmonise_sample_changes_only_the_region_and_its_seam():
    task = TASKS["blend"]
    for seed in range(4):
        s = task.make_sample(smooth_image(128, 128, seed), np.random.default_rng(seed))
        poisson, comp, region, band = s["input"][:3], s["input"][3:6], s["input"][6].astype(bool), s["mask"][0].astype(bool)
        assert set(np.unique(s["input"][6])) <= {0.0, 1.0} and 0.02 < region.mean() < 0.5
        assert band[region].all() and band.sum() > region.sum()  # the seam around the region belongs to the band
        for x in (poisson, comp):  # outside: the clean photo itself
            assert np.array_equal(x[:, ~band], s["target"][:, ~band])
        assert np.abs(comp[:, region] - s["target"][:, region]).mean() >= 0.015  # inside: visibly another look
        # the residual's base, Poisson, is already closer to the answer than the plain paste
        assert np.abs(poisson[:, region] - s["target"][:, region]).mean() < np.abs(comp[:, region] - s["target"][:, region]).mean()


def test_composites_are_seeded_and_respect_the_margin():
    img = smooth_image(96, 96)
    a, b = (synthetic_composite(img, np.random.default_rng(5), margin=8) for _ in range(2))
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    region = a[1]
    assert not region[:8].any() and not region[-8:].any() and not region[:, :8].any() and not region[:, -8:].any()


def _paste_files(tmp_path: Path):
    bg = save_rgb(tmp_path / "bg.png", smooth_image(96, 128, 1))
    fg = save_rgb(tmp_path / "fg.png", smooth_image(40, 50, 2)[..., ::-1] * 0.6)  # another look
    hole = np.zeros((40, 50), np.uint8)
    hole[10:30, 10:40] = 255
    mask = tmp_path / "m.png"
    Image.fromarray(hole[::2, ::2]).save(mask)  # half size: resized to the pasted photo
    return bg, fg, mask


def test_paste_with_offset_keeps_the_rest_of_the_background(tmp_path, weights):
    bg, fg, mask = _paste_files(tmp_path)
    out = tmp_path / "out.png"
    r = invoke("blend", "--paste", fg, "--mask", mask, "--onto", bg, "--at", "-5,60", "-o", out,
               "--weights", weights["blend"], "--device", "cpu")
    assert r.exit_code == 0, r.output
    src, res = read_u8(bg), read_u8(out)
    assert res.shape == src.shape  # the background's size, whatever the pasted photo's
    region = np.zeros((96, 128), bool)
    region[70:90, 5:35] = True  # mask rows 10:30, cols 10:40, moved by (-5, 60); clipped at the bottom edge
    near = seam_band(region, region.astype(np.float32))
    assert np.array_equal(src[~near], res[~near])
    assert np.abs(res[region].astype(int) - src[region]).mean() > 10  # the paste is there
    # again without --overwrite: refused, named, nothing replaced
    r = invoke("blend", "--paste", fg, "--mask", mask, "--onto", bg, "-o", out, "--weights", weights["blend"], "--device", "cpu")
    assert r.exit_code == 1 and "out.png" in r.output and "--overwrite" in r.output


def test_paste_outside_the_background_or_without_mask_is_a_clear_error(tmp_path, weights):
    bg, fg, mask = _paste_files(tmp_path)
    r = invoke("blend", "--paste", fg, "--mask", mask, "--onto", bg, "--at", "500,0", "-o", tmp_path / "o.png",
               "--weights", weights["blend"], "--device", "cpu")
    assert r.exit_code == 1 and "outside the background" in r.output and "Traceback" not in r.output
    assert not (tmp_path / "o.png").exists()
    r = CliRunner().invoke(main, ["blend", "--paste", str(fg), "--onto", str(bg)])
    assert r.exit_code == 2 and "--mask" in r.output
    r = CliRunner().invoke(main, ["blend", "--paste", str(fg), "--mask", str(mask), "--onto", str(bg), "--at", "x"])
    assert r.exit_code == 1 and "X,Y" in r.output


def test_paste_into_a_large_photo_runs_the_model_on_a_crop(tmp_path, weights):
    model = load_model(weights["blend"])[0]
    predictor, shapes = TiledPredictor.create(model, torch.device("cpu"), 512), []

    def recording(x: np.ndarray) -> np.ndarray:
        shapes.append(x.shape)
        return predictor(x)

    bg = Photo(np.full((1500, 2000, 1), 0.3, np.float32), None, 8, "PNG", None, None, {}, None, None)  # grayscale
    fg = Photo(smooth_image(60, 60), None, 8, "PNG", None, None, {}, None, None)
    out = paste_photo(fg, bg, np.ones((60, 60), np.float32), (900, 700), recording)
    assert out.pixels.shape == (1500, 2000, 1)
    assert shapes == [(TASKS["blend"].model.args["in_channels"], 256, 256)]
    assert np.all(out.pixels[:600] == 0.3) and not np.all(out.pixels[700:760, 900:960] == 0.3)


def test_poisson_baseline_keeps_a_paste_of_the_background_itself():
    img = smooth_image(80, 96)
    band = np.zeros((80, 96), bool)
    band[20:50, 30:70] = True
    assert np.abs(opencv_poisson(img, img, band) - img).max() < 3 / 255  # placed where the mask is, not shifted


def test_morph_alpha_with_photos_of_different_sizes(tmp_path, weights):
    a = save_rgb(tmp_path / "a.jpg", smooth_image(72, 100, 1))
    b = save_rgb(tmp_path / "b.png", smooth_image(50, 40, 2))
    outs = {}
    for alpha in ("1", "0"):
        out = tmp_path / f"m{alpha}.png"
        r = invoke("blend", a, b, "--alpha", alpha, "-o", out, "--weights", weights["morph"], "--device", "cpu")
        assert r.exit_code == 0, r.output
        outs[alpha] = read_u8(out)
        assert outs[alpha].shape == (72, 100, 3)  # A's size
    assert np.abs(outs["1"].astype(int) - outs["0"]).mean() > 0.5
    r = invoke("blend", a, "--weights", weights["morph"])
    assert r.exit_code == 2 and "two photos" in r.output


@pytest.mark.parametrize("suffix", [".gif", ".webp"])
def test_morph_frames_write_an_animation_and_its_frames(tmp_path, weights, suffix):
    a = save_rgb(tmp_path / "a.png", smooth_image(64, 80, 1))
    b = save_rgb(tmp_path / "b.png", 1 - smooth_image(64, 64, 3))
    out = tmp_path / f"morph{suffix}"
    r = invoke("blend", a, b, "--frames", "5", "-o", out, "--weights", weights["morph"], "--device", "cpu")
    assert r.exit_code == 0, r.output
    with Image.open(out) as im:
        assert im.n_frames == 5 and im.size == (80, 64)
    frames = sorted((tmp_path / "morph").glob("frame_*.png"))
    assert [p.name for p in frames] == [f"frame_{i:03d}.png" for i in range(1, 6)]
    r = invoke("blend", a, b, "--frames", "3", "-o", tmp_path / "x.png", "--weights", weights["morph"])
    assert r.exit_code == 2 and ".gif or .webp" in r.output


@pytest.mark.parametrize("kind", REGULARISERS)
def test_every_regulariser_trains_a_step_with_a_finite_loss(kind):
    torch.manual_seed(0)
    spec = ModelSpec(TINY_AE.arch, {**TINY_AE.args, "regulariser": kind})
    model = spec.build().train()
    x = torch.rand(2, 3, 32, 32)
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    losses = regularised_losses(model, {"input": x, "target": x})
    losses["total"].backward()
    opt.step()
    assert torch.isfinite(losses["total"]) and losses["recon"] > 0
    assert (losses["reg"] > 0) == (kind not in ("none", "denoising"))
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)
    if kind == "variational":  # eval mode decodes the mean: repeatable
        model.eval()
        assert torch.equal(model(x), model(x))


def test_train_blend_trains_the_harmoniser_and_the_autoencoder(tmp_path, clean_folder):
    out = tmp_path / "run"
    r = invoke("train", "blend", "--data", clean_folder, "--steps", "1", "--batch-size", "2", "--patch", "32",
               "--device", "cpu", "--out", out, "--regulariser", "sparse-kl", "--code-channels", "4")
    assert r.exit_code == 0, r.output
    harm, harm_info = load_model(out / "blend.safetensors", task="blend")
    ae, ae_info = load_model(out / "morph" / "morph.safetensors", task="morph")
    assert harm_info.spec.arch == "refined_unet" and np.isfinite(harm_info.meta["validation"]["psnr"])
    assert ae_info.spec.args["regulariser"] == "sparse-kl" and ae.code_channels == 4
    assert np.isfinite(ae_info.meta["validation"]["psnr"])


def test_pca_with_every_component_is_exact():
    imgs = [smooth_image(32, 48, s) for s in range(3)]
    mean, comps = fit_pca(imgs, 4, 48)
    assert np.abs(pca_reconstruct(imgs[0], mean, comps, 4) - imgs[0]).max() < 1e-5
    mean, comps = fit_pca(imgs, 4, 2)
    assert np.abs(pca_reconstruct(imgs[0], mean, comps, 4) - imgs[0]).max() > 1e-3


def test_bench_scores_every_method_and_the_pca_baseline(tmp_path, weights):
    data = tmp_path / "data"
    data.mkdir()
    for i in range(3):
        save_rgb(data / f"img{i}.png", smooth_image(64, 96, i))
    r = invoke("bench", "blend", "--data", data, "--weights", weights["blend"], "--ae-weights", weights["morph"],
               "--device", "cpu", "--per-image", "1", "--json", "--figures", tmp_path / "fig")
    assert r.exit_code == 0, r.output
    result = json.loads(r.output)
    paste = {row["method"]: row for row in result["paste"]}
    assert set(paste) == {"ours", "poisson (opencv)", "poisson (exact)", "naive paste"}
    assert all(row["composites"] == 3 and np.isfinite(row["PSNR"]) and 0 < row["SSIM"] <= 1 for row in paste.values())
    assert paste["poisson (opencv)"]["PSNR region"] > paste["naive paste"]["PSNR region"]  # smooth images: Poisson recovers a lot
    (ae,) = result["autoencoder_vs_pca"]
    assert ae["numbers/block"] == 4 and ae["images"] == 1 and np.isfinite(ae["AE PSNR"]) and ae["PCA PSNR"] > 15
    assert (tmp_path / "fig" / "blend_paste.png").is_file() and (tmp_path / "fig" / "blend_morph.png").is_file()


def test_bench_record_writes_each_models_numbers_into_its_json(tmp_path, weights):
    import shutil

    data = tmp_path / "data"
    data.mkdir()
    for i in range(2):
        save_rgb(data / f"img{i}.png", smooth_image(64, 96, i))
    copies = {}
    for name, path in weights.items():  # record into copies: the module's fixture stays as it was
        copies[name] = shutil.copy(path, tmp_path / path.name)
        shutil.copy(path.with_suffix(".json"), tmp_path / path.with_suffix(".json").name)
    r = invoke("bench", "blend", "--data", data, "--weights", copies["blend"], "--ae-weights", copies["morph"],
               "--device", "cpu", "--per-image", "1", "--record")
    assert r.exit_code == 0, r.output
    paste = json.loads((tmp_path / "blend.json").read_text())["benchmark"]["data (2 composites)"]
    assert set(paste) == {"ours", "poisson (opencv)", "poisson (exact)", "naive paste"} and "PSNR region" in paste["ours"]
    ae = json.loads((tmp_path / "morph.json").read_text())["benchmark"]["data (held-out images)"]
    assert "AE - PCA" in ae["vs PCA"]


def test_autoencoder_starts_at_the_pca_solution_of_its_code_size():
    from restorer.tasks.morph import pca_start

    imgs = [np.rint(smooth_image(48, 64, s) * 255).astype(np.uint8) for s in range(6)]
    model = TINY_AE.build().eval()
    pca_start(model, imgs)
    m, k = model.multiple, model.code_channels
    mean, comps = fit_pca(imgs, m, k, channel_mean=True)
    x = smooth_image(48, 64, 9)
    with torch.no_grad():
        got = model(torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)))[None])[0].numpy().transpose(1, 2, 0)
    assert np.abs(got - pca_reconstruct(x, mean, comps, m)).max() < 1e-4
    assert np.abs(got - x).mean() > 1e-3  # a real bottleneck: 4 numbers per 4x4x3 block


def test_load_morph_is_the_one_way_to_the_autoencoder_and_refuses_other_weights(weights):
    from restorer.tasks.morph import load_morph
    from restorer.weights import WeightsError

    model = load_morph(weights["morph"], "cpu")
    assert not model.training and next(model.parameters()).dtype == torch.float32
    with pytest.raises(WeightsError, match="not 'morph'"):
        load_morph(weights["blend"], "cpu")


def test_the_contractive_penalty_is_the_same_when_training_runs_in_bfloat16():
    """CPU training runs in bfloat16 where the CPU has it; the contractive probe's 0.01 step is below
    bfloat16's resolution, so that penalty must still be computed in float32."""
    model = ModelSpec(TINY_AE.arch, {**TINY_AE.args, "regulariser": "contractive"}).build().train()
    x = torch.rand(2, 3, 32, 32)
    torch.manual_seed(1)
    exact = regularised_losses(model, {"input": x, "target": x})["reg"]
    with torch.autocast("cpu", dtype=torch.bfloat16):
        torch.manual_seed(1)
        low = regularised_losses(model, {"input": x, "target": x})["reg"]
    assert torch.allclose(low, exact, rtol=1e-4)
