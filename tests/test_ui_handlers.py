"""The web UI's handlers, in-process and without a browser: every task tab,
the brush mask, downloads with metadata, zips, the damage-detector proposal
and the fine-tune tab."""
from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms

from restorer.imageio import read_image
from restorer.tasks import TASKS
from restorer.tasks.base import Task
from restorer.tasks.denoise import DenoiseOptions
from restorer.tasks.inpaint import InpaintOptions
from restorer.ui import handlers as H
from restorer.ui.controls import build_options, controls_for, initial_value
from restorer.weights import save_weights

from .conftest import TINY_UNET, save_rgb, smooth_image

SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def exif_with(make: str = "Acme", orientation: int | None = None) -> bytes:
    ex = Image.Exif()
    ex[271] = make
    if orientation:
        ex[274] = orientation
    return ex.tobytes()


@pytest.fixture
def state(tmp_path: Path) -> H.AppState:
    """Untrained tiny weights for denoise and inpaint in a weights folder of the test's own."""
    weights = tmp_path / "weights"
    for name in ("denoise", "inpaint"):
        save_weights(TINY_UNET.build(), TINY_UNET, weights / f"{name}.safetensors", name)
    return H.AppState(H.Settings(out_dir=tmp_path / "out", weights_dir=weights, data_root=tmp_path, device="cpu"))


def painted_editor(h: int, w: int, box: tuple[int, int, int, int]) -> dict:
    """What the brush editor hands over: background, and a layer painted (alpha 255) inside box."""
    y0, y1, x0, x1 = box
    layer = np.zeros((h, w, 4), np.uint8)
    layer[y0:y1, x0:x1] = (255, 64, 64, 255)
    bg = np.full((h, w, 4), 128, np.uint8)
    return {"background": bg, "layers": [layer], "composite": bg}


# ----------------------------------------------------------------------------- controls


def test_controls_follow_the_options_dataclass():
    (sigma,) = controls_for(DenoiseOptions)
    assert (sigma.kind, sigma.optional, sigma.minimum, sigma.maximum) == ("slider", True, 0.0, 75.0)
    mask, dilate = controls_for(InpaintOptions)
    assert mask.kind == "mask" and mask.is_file  # a brush, never a server path textbox
    assert dilate.kind == "slider" and dilate.minimum == 0 and initial_value(dilate) == 0


def test_automatic_leaves_an_optional_field_unset():
    controls = controls_for(DenoiseOptions)
    assert build_options(DenoiseOptions, controls, {"sigma": 30}, {"sigma": True}).sigma is None
    assert build_options(DenoiseOptions, controls, {"sigma": 30}, {"sigma": False}).sigma == 30.0
    opts = build_options(InpaintOptions, controls_for(InpaintOptions), {"mask": "m.png", "dilate": 2.0})
    assert opts.mask == Path("m.png") and opts.dilate == 2 and isinstance(opts.dilate, int)


# ----------------------------------------------------------------------------- task tabs


def test_denoise_keeps_format_exif_and_icc(state, tmp_path):
    src = save_rgb(tmp_path / "photo.jpg", smooth_image(48, 64), quality=95, exif=exif_with("Acme"), icc_profile=SRGB)
    result = H.restore_images(state, "denoise", [str(src)], {"sigma": 25}, {"sigma": False})
    assert result.download == result.outputs[0] and result.download.name == "photo.jpg"
    out = Image.open(result.download)
    assert out.format == "JPEG" and out.size == (64, 48)
    assert out.getexif()[271] == "Acme" and out.info["icc_profile"] == SRGB
    before, after = Image.open(result.before), Image.open(result.after)
    assert before.size == after.size == (64, 48)
    assert "cpu" in result.message and "1 image" in result.message and "sigma 25.0" in result.message
    assert src.read_bytes() == (tmp_path / "photo.jpg").read_bytes()  # the upload is never written to


def test_several_inputs_download_as_a_zip_and_bad_files_are_reported(state, tmp_path):
    a = save_rgb(tmp_path / "a.png", smooth_image(40, 40, seed=1))
    (tmp_path / "sub").mkdir()
    a2 = save_rgb(tmp_path / "sub" / "a.png", smooth_image(40, 40, seed=2))  # same name: must not clash
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image")
    progress_calls = []
    result = H.restore_images(state, "denoise", [str(a), str(a2), str(bad)], {"sigma": 10}, {"sigma": True},
                              progress=lambda f, desc=None: progress_calls.append(f))
    assert "(sigma automatic)" in result.message
    assert result.download.suffix == ".zip"
    assert sorted(zipfile.ZipFile(result.download).namelist()) == ["a.png", "a_1.png"]
    assert "1 failed" in result.message and "bad.png" in result.message
    assert progress_calls[-1] == 1.0 and len(progress_calls) >= 4


def test_all_inputs_failing_is_a_user_error(state, tmp_path):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"")
    with pytest.raises(H.UiError, match="bad.jpg"):
        H.restore_images(state, "denoise", [str(bad)], {}, {"sigma": True})
    with pytest.raises(H.UiError, match="drop"):
        H.restore_images(state, "denoise", [], {}, {"sigma": True})


def test_missing_weights_say_how_to_get_some(tmp_path):
    state = H.AppState(H.Settings(out_dir=tmp_path / "out", weights_dir=tmp_path / "none", device="cpu"))
    src = save_rgb(tmp_path / "a.png", smooth_image(32, 32))
    with pytest.raises(H.UiError, match="Fine-tune"):
        H.restore_images(state, "denoise", [str(src)], {}, {"sigma": True})


def test_inpaint_fills_only_the_painted_stroke(state, tmp_path):
    img = smooth_image(64, 80)
    src = save_rgb(tmp_path / "scan.png", img)
    editor = painted_editor(64, 80, (20, 30, 10, 50))
    result = H.restore_images(state, "inpaint", [str(src)], {"dilate": 0}, {}, editor)
    before, after = read_image(src).pixels, read_image(result.download).pixels
    stroke = np.zeros((64, 80), bool)
    stroke[20:30, 10:50] = True
    assert np.array_equal(after[~stroke], before[~stroke])  # bit for bit outside the stroke
    assert not np.array_equal(after[stroke], before[stroke])
    with pytest.raises(H.UiError, match="paint"):
        H.restore_images(state, "inpaint", [str(src)], {"dilate": 0}, {}, painted_editor(64, 80, (0, 0, 0, 0)))


def test_inpaint_on_an_image_dropped_into_the_editor(state):
    editor = painted_editor(48, 48, (10, 20, 10, 20))
    result = H.restore_images(state, "inpaint", None, {"dilate": 1}, {}, editor)
    assert result.download.suffix == ".png" and Image.open(result.download).size == (48, 48)


def test_editor_shows_the_photo_upright(tmp_path):
    src = save_rgb(tmp_path / "rot.jpg", smooth_image(30, 50), exif=exif_with(orientation=6))
    value = H.editor_value_for([str(src)])
    assert value["background"].shape == (50, 30, 3)  # orientation 6: rotated, as the task reads it
    assert H.editor_value_for([]) is None


@pytest.mark.parametrize("name", sorted(TASKS))
def test_every_task_tab_restores_an_image(name, tmp_path):
    """Each registered task, with its options at the UI's initial values (files generated)."""
    task = TASKS[name]
    weights = tmp_path / "weights"
    save_weights(task.model.build(), task.model, weights / f"{task.weights_name}.safetensors", name)
    state = H.AppState(H.Settings(out_dir=tmp_path / "out", weights_dir=weights, device="cpu"))
    src = save_rgb(tmp_path / "in.png", smooth_image(64, 64))
    controls = controls_for(task.options)
    values = {c.name: initial_value(c) for c in controls}
    for c in controls:
        if c.kind == "image":
            values[c.name] = str(save_rgb(tmp_path / f"{c.name}.png", smooth_image(64, 64, seed=5)))
    editor = painted_editor(64, 64, (16, 32, 16, 32)) if any(c.kind == "mask" for c in controls) else None
    result = H.restore_images(state, name, [str(src)], values, {}, editor)
    assert Image.open(result.download).size == (64, 64)


# ----------------------------------------------------------------------------- damage proposal


def test_propose_mask_paints_what_the_detector_finds(state, tmp_path, monkeypatch):
    @dataclasses.dataclass
    class NoOptions:
        pass

    def left_half(photo, options, predict):  # a stand-in detector: "damage" on the left half
        px = np.zeros((photo.height, photo.width, 1), np.float32)
        px[:, : photo.width // 2] = 1
        return photo.with_pixels(px)

    fake = Task(name="segment", summary="test", options=NoOptions, model=TINY_UNET, make_sample=None, apply=left_half)
    with pytest.raises(H.UiError, match="damage detector"):
        H.propose_mask(state, [], None)
    monkeypatch.setitem(TASKS, "segment", fake)
    save_weights(TINY_UNET.build(), TINY_UNET, state.settings.weights_dir / "segment.safetensors", "segment")
    src = save_rgb(tmp_path / "old.png", smooth_image(32, 40))
    value = H.propose_mask(state, [str(src)], None)
    alpha = value["layers"][0][..., 3]
    assert alpha[:, :20].min() == 255 and alpha[:, 20:].max() == 0
    assert H.mask_from_editor(value).sum() == 32 * 20  # and it feeds straight back as the mask


# ----------------------------------------------------------------------------- fine-tune tab


def test_finetune_switches_the_task_to_the_new_weights(state, clean_folder):
    updates = list(H.finetune(state, "clean", "denoise", minutes=1, max_steps=3, batch_size=2, patch=32, poll_seconds=0.1))
    last = updates[-1]
    assert last.weights is not None and last.weights.is_file()
    assert last.curve is not None and last.curve.is_file()
    assert "psnr" in last.message
    assert state.weights_for(TASKS["denoise"]) == last.weights
    assert state.restorer(TASKS["denoise"]).info.path == last.weights
    assert state.restorer(TASKS["denoise"]).info.meta["training"]["steps"] == 3


def test_finetune_reads_only_inside_the_data_root(state, tmp_path):
    with pytest.raises(H.UiError, match="outside"):
        next(H.finetune(state, "/etc", "denoise", minutes=1))
    with pytest.raises(H.UiError, match="outside"):
        next(H.finetune(state, "../..", "denoise", minutes=1))
    with pytest.raises(H.UiError, match="not a folder"):
        next(H.finetune(state, "missing", "denoise", minutes=1))


# ----------------------------------------------------------------------------- layout


def test_app_has_a_tab_per_task_and_proposes_masks_only_with_a_detector(state, monkeypatch):
    from restorer.ui.app import build_app

    def elem_ids() -> set[str]:
        return {b.elem_id for b in build_app(state).blocks.values() if getattr(b, "elem_id", None)}

    ids = elem_ids()
    for name in TASKS:
        assert {f"tab-{name}", f"{name}-files", f"{name}-run", f"{name}-result", f"{name}-download"} <= ids
    assert {"inpaint-editor", "denoise-sigma", "denoise-sigma-auto", "tab-fine-tune"} <= ids
    assert "inpaint-propose" not in ids  # no segment task registered: no button that cannot work
    monkeypatch.setitem(TASKS, "segment", dataclasses.replace(TASKS["denoise"], name="segment"))
    assert "inpaint-propose" in elem_ids()


def test_restore_ui_is_a_command_and_the_cli_does_not_import_gradio():
    import subprocess
    import sys

    code = ("import sys; from click.testing import CliRunner; from restorer.cli import main; "
            "r = CliRunner().invoke(main, ['ui', '--help']); "
            "assert r.exit_code == 0 and '--share' in r.output and '127.0.0.1' in r.output, r.output; "
            "assert 'gradio' not in sys.modules, 'gradio imported by the CLI'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
