"""The web UI's handlers, in-process and without a browser: every task tab,
the brush mask, downloads with metadata, zips, the damage-detector proposal
and the fine-tune tab."""
from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image, ImageCms

from restorer.imageio import read_image
from restorer.tasks import TASKS
from restorer.tasks.base import Task
from restorer.tasks.denoise import DenoiseOptions
from restorer.tasks.inpaint import InpaintOptions
from restorer.ui import editor as E
from restorer.ui import finetune as F
from restorer.ui import handlers as H
from restorer.ui import state as S
from restorer.ui.controls import build_options, controls_for, initial_value
from restorer.weights import read_info, save_weights

from .conftest import TINY_UNET, save_rgb, smooth_image, tiny_unet_for

SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def exif_with(make: str = "Acme", orientation: int | None = None) -> bytes:
    ex = Image.Exif()
    ex[271] = make
    if orientation:
        ex[274] = orientation
    return ex.tobytes()


@pytest.fixture
def state(tmp_path: Path) -> S.AppState:
    """Untrained tiny weights for denoise and inpaint in a weights folder of the test's own."""
    weights = tmp_path / "weights"
    for name in ("denoise", "inpaint"):
        save_weights(TINY_UNET.build(), TINY_UNET, weights / f"{name}.safetensors", name)
    return S.AppState(S.Settings(out_dir=tmp_path / "out", weights_dir=weights, data_root=tmp_path, device="cpu"))


def painted_editor(h: int, w: int, box: tuple[int, int, int, int]) -> dict:
    """What the brush editor hands over: background, and a layer painted (alpha 255) inside box."""
    y0, y1, x0, x1 = box
    layer = np.zeros((h, w, 4), np.uint8)
    layer[y0:y1, x0:x1] = (255, 64, 64, 255)
    bg = np.full((h, w, 4), 128, np.uint8)
    return {"background": bg, "layers": [layer], "composite": bg}


# ----------------------------------------------------------------------------- controls


def test_controls_follow_the_options_dataclass():
    sigma, strength, views = controls_for(DenoiseOptions)
    assert (sigma.kind, sigma.optional, sigma.minimum, sigma.maximum) == ("slider", True, 0.0, 75.0)
    assert (strength.kind, strength.optional, strength.minimum, strength.maximum) == ("slider", False, 0.0, 2.0)
    assert (views.kind, views.minimum, views.maximum, initial_value(views)) == ("slider", 1, 8, 1)
    mask, auto, dilate, fill = controls_for(InpaintOptions)
    assert mask.kind == "mask" and mask.is_file  # a brush, never a server path textbox
    assert auto.kind == "checkbox" and auto.default is False  # "auto": the damage detector instead of a brush
    assert dilate.kind == "slider" and dilate.minimum == 0 and initial_value(dilate) == 0
    assert fill.kind == "dropdown" and fill.choices == ("texture", "smooth") and initial_value(fill) == "texture"


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


def test_the_status_names_the_shipped_file_that_ran(state, tmp_path):
    """Blind denoising runs the camera-noise variant where the weights folder has it, the task's own where not."""
    src = save_rgb(tmp_path / "p.png", smooth_image(32, 32))
    blind = H.restore_images(state, "denoise", [str(src)], {}, {"sigma": True})
    assert "shipped weights (denoise.safetensors)" in blind.message  # no variant in this folder
    save_weights(TINY_UNET.build(), TINY_UNET, state.settings.weights_dir / "denoise_camera.safetensors", "denoise")
    blind = H.restore_images(state, "denoise", [str(src)], {}, {"sigma": True})
    known = H.restore_images(state, "denoise", [str(src)], {"sigma": 25}, {"sigma": False})
    assert "shipped weights (denoise_camera.safetensors)" in blind.message
    assert "shipped weights (denoise.safetensors)" in known.message
    # as on the command line, a blind run on the shipped weights may go again on the Gaussian ones
    assert set(state.restorer(TASKS["denoise"], None, DenoiseOptions()).alternates) == {"white", "float"}
    assert not state.restorer(TASKS["denoise"], None, DenoiseOptions(sigma=25)).alternates


def test_several_inputs_download_as_a_zip_and_bad_files_are_reported(state, tmp_path):
    a = save_rgb(tmp_path / "a.png", smooth_image(40, 40, seed=1))
    (tmp_path / "sub").mkdir()
    a2 = save_rgb(tmp_path / "sub" / "a.png", smooth_image(40, 40, seed=2))  # same name: must not clash
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image")
    progress_calls = []
    result = H.restore_images(state, "denoise", [str(a), str(a2), str(bad)], {"sigma": 10}, {"sigma": True},
                              progress=lambda f, desc=None: progress_calls.append(f))
    assert "(sigma automatic, strength 1.0, views 1)" in result.message
    assert "a.png: noise level" in result.message and "(estimated)" in result.message  # the level used, per image
    assert str(tmp_path) not in result.message  # files named as uploaded, not by the server's path
    assert result.download.suffix == ".zip"
    assert sorted(zipfile.ZipFile(result.download).namelist()) == ["a.png", "a_1.png"]
    assert "1 failed" in result.message and "bad.png" in result.message
    assert progress_calls[-1] == 1.0 and len(progress_calls) >= 4


def test_all_inputs_failing_is_a_user_error(state, tmp_path):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"")
    with pytest.raises(S.UiError, match="bad.jpg"):
        H.restore_images(state, "denoise", [str(bad)], {}, {"sigma": True})
    with pytest.raises(S.UiError, match="drop"):
        H.restore_images(state, "denoise", [], {}, {"sigma": True})


def test_missing_weights_say_how_to_get_some(tmp_path):
    state = S.AppState(S.Settings(out_dir=tmp_path / "out", weights_dir=tmp_path / "none", device="cpu"))
    src = save_rgb(tmp_path / "a.png", smooth_image(32, 32))
    with pytest.raises(S.UiError, match="Fine-tune"):
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
    with pytest.raises(S.UiError, match="painted with the brush, or the 'auto' checkbox") as e:
        H.restore_images(state, "inpaint", [str(src)], {"dilate": 0}, {}, painted_editor(64, 80, (0, 0, 0, 0)))
    assert "--" not in str(e.value)  # the CLI's flags are not the UI's words
    with pytest.raises(S.UiError, match="not both"):
        H.restore_images(state, "inpaint", [str(src)], {"dilate": 0, "auto": True}, {}, editor)


def test_inpaint_auto_fills_what_the_damage_detector_finds(state, tmp_path):
    from .test_segment import TINY_SEG, bright_detector

    img = smooth_image(64, 80) * 0.6  # nothing brighter than 0.6: the detector marks only the scratch
    img[30:32, 5:75] = 0.97
    src = save_rgb(tmp_path / "old.png", img)
    with pytest.raises(S.UiError, match="segment"):  # no detector weights yet: said so, nothing run
        H.restore_images(state, "inpaint", [str(src)], {"dilate": 0, "auto": True}, {}, None)
    save_weights(bright_detector(), TINY_SEG, state.settings.weights_dir / "segment.safetensors", "segment")
    result = H.restore_images(state, "inpaint", [str(src)], {"dilate": 0, "auto": True}, {}, None)
    before, after = read_image(src).pixels, read_image(result.download).pixels
    scratch = np.zeros((64, 80), bool)
    scratch[30:32, 5:75] = True
    assert np.array_equal(after[~scratch], before[~scratch])
    assert after[scratch].max() < 0.9  # the bright scratch is filled from its darker surroundings


def test_inpaint_on_an_image_dropped_into_the_editor(state):
    editor = painted_editor(48, 48, (10, 20, 10, 20))
    result = H.restore_images(state, "inpaint", None, {"dilate": 1}, {}, editor)
    assert result.download.suffix == ".png" and Image.open(result.download).size == (48, 48)


def test_editor_shows_the_photo_upright(tmp_path):
    src = save_rgb(tmp_path / "rot.jpg", smooth_image(30, 50), exif=exif_with(orientation=6))
    value = E.editor_value_for([str(src)])
    assert value["background"].shape == (50, 30, 3)  # orientation 6: rotated, as the task reads it
    assert E.editor_value_for([]) is None


@pytest.mark.parametrize("name", sorted(n for n, t in TASKS.items() if t.command))
def test_every_task_tab_restores_an_image(name, tmp_path):
    """Each per-file task, with its options at the UI's initial values (files generated)."""
    task = TASKS[name]
    weights = tmp_path / "weights"
    save_weights(task.model.build(), task.model, weights / f"{task.weights_name}.safetensors", name)
    state = S.AppState(S.Settings(out_dir=tmp_path / "out", weights_dir=weights, device="cpu"))
    src = save_rgb(tmp_path / "in.png", smooth_image(64, 64))
    controls = controls_for(task.options)
    values = {c.name: initial_value(c) for c in controls}
    for c in controls:
        if c.kind == "image":
            values[c.name] = str(save_rgb(tmp_path / f"{c.name}.png", smooth_image(64, 64, seed=5)))
    editor = painted_editor(64, 64, (16, 32, 16, 32)) if any(c.kind == "mask" for c in controls) else None
    result = H.restore_images(state, name, [str(src)], values, {}, editor)
    w, h = Image.open(result.download).size
    assert w == h and w % 64 == 0  # the input's shape (upscale: a multiple of its size)
    assert result.download.name == f"in{task.output.suffix}.png"  # segment: in_mask.png, as the CLI names it


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
    monkeypatch.delitem(TASKS, "segment")
    with pytest.raises(S.UiError, match="damage detector"):
        H.propose_mask(state, [], None)
    monkeypatch.setitem(TASKS, "segment", fake)
    save_weights(TINY_UNET.build(), TINY_UNET, state.settings.weights_dir / "segment.safetensors", "segment")
    src = save_rgb(tmp_path / "old.png", smooth_image(32, 40))
    value, proposal = H.propose_mask(state, [str(src)], None)
    shown, photo = value["background"].astype(int), E.to_uint8_rgb(read_image(src).pixels).astype(int)
    redness = (shown[..., 0] - shown[..., 1]) - (photo[..., 0] - photo[..., 1])
    assert (redness[:, :20] > 40).all()  # tinted red where the detector found damage
    assert np.array_equal(shown[:, 20:], photo[:, 20:])  # untouched elsewhere
    assert E.combined_mask(None, proposal, False).sum() == 32 * 20  # and it feeds straight back as the mask
    stroke = np.zeros((32, 40), bool)
    stroke[:5, :] = True
    assert E.combined_mask(stroke, proposal, False).sum() == 32 * 20 + 5 * 20  # the brush adds ...
    assert E.combined_mask(stroke, proposal, True).sum() == 27 * 20  # ... or erases
    result = H.restore_images(state, "inpaint", [], {}, editor={"background": value["background"], "layers": []},
                              proposal=proposal)
    assert "1 image(s) restored" in result.message  # the photo itself, not the tinted preview


# ----------------------------------------------------------------------------- old photo and blend tabs


@pytest.fixture
def old_state(state) -> S.AppState:
    """Plus a detector of pixels brighter than 0.8 (tests/test_segment.py); no colorize weights."""
    from .test_segment import TINY_SEG, bright_detector

    save_weights(bright_detector(), TINY_SEG, state.settings.weights_dir / "segment.safetensors", "segment")
    return state


def test_old_photo_tab_repairs_the_damage_and_shows_the_stages(old_state, tmp_path):
    from restorer.ui.special import restore_old_photos

    img = smooth_image(48, 64) * 0.6
    img[20:22, 4:60] = 0.97  # a scratch, the only thing brighter than 0.8
    src = save_rgb(tmp_path / "old.jpg", img, quality=95)
    result = restore_old_photos(old_state, [str(src)], {"threshold": 0.5, "dilate": 1, "no_colorize": False,
                                                         "keep_stages": True}, {"sigma": True})
    assert [caption for _, caption in result.stages] == ["old_1_mask.png", "old_1_mask_overlay.png", "old_2_inpainted.jpg",
                                                         "old_3_denoised.jpg"]
    assert all(Image.open(p).size == (64, 48) for p, _ in result.stages)
    mask = np.asarray(Image.open(result.stages[0][0]).convert("L")) > 127
    assert mask[20:22, 10:50].all() and mask.mean() < 0.1  # the detector found the scratch and little else
    assert result.download.suffix == ".zip"  # the result and its three stages
    assert sorted(zipfile.ZipFile(result.download).namelist()) == [
        "old.jpg", "old_1_mask.png", "old_1_mask_overlay.png", "old_2_inpainted.jpg", "old_3_denoised.jpg"]
    restored = read_image(result.outputs[0]).pixels
    assert restored.shape == (48, 64, 3) and restored[20:22, 10:50].mean() < 0.85  # the scratch is gone
    assert "colorize skipped" in result.message  # said, not silently skipped
    plain = restore_old_photos(old_state, [str(src)], {"no_colorize": True}, {"sigma": True})
    assert plain.stages == [] and plain.download.name == "old.jpg" and "not colorized" in plain.message
    with pytest.raises(S.UiError, match="drop"):
        restore_old_photos(old_state, [], {}, {})


def test_old_photo_tab_repairs_the_damage_as_found_and_then_edited_with_the_brush(old_state, tmp_path):
    from restorer.ui.special import find_damage, restore_old_photos

    img = smooth_image(48, 64) * 0.6
    img[20:22, 4:60] = 0.97  # a scratch: the detector finds it
    img[30:40, 40:50] = 0.05  # a dark stain: the detector does not
    src = save_rgb(tmp_path / "old.png", img)
    scratch, stain = np.zeros((48, 64), bool), np.zeros((48, 64), bool)
    scratch[20:22, 4:60], stain[30:40, 40:50] = True, True
    values, automatic = {"threshold": 0.5, "dilate": 0, "no_colorize": True, "keep_stages": True}, {"sigma": True}
    value, proposal = find_damage(old_state, [str(src)], None, values, automatic)
    shown = value["background"].astype(int)
    assert (shown[scratch][:, 0] - shown[scratch][:, 1] > 40).all()  # the proposal in red ...
    assert np.array_equal(shown[~scratch], E.to_uint8_rgb(read_image(src).pixels)[~scratch])  # ... and nothing else

    def restored(box: tuple[int, int, int, int], erase: bool) -> tuple[np.ndarray, np.ndarray]:
        """(mask used, inpainted stage) after one stroke over box, adding or erasing."""
        result = restore_old_photos(old_state, [str(src)], values, automatic, editor=painted_editor(48, 64, box),
                                    proposal=proposal, brush_removes=erase)
        assert "damage of old.png as edited" in result.message
        out = {p.name: p for p in result.outputs}
        return (np.asarray(Image.open(out["old_1_mask.png"])) > 127,
                np.asarray(Image.open(out["old_2_inpainted.png"]), np.float64) / 255)

    before = np.asarray(Image.open(src), np.float64) / 255
    mask, inpainted = restored((30, 40, 40, 50), erase=False)  # the brush adds the stain
    assert np.array_equal(mask, scratch | stain)
    assert np.array_equal(inpainted[~mask], before[~mask]) and inpainted[stain].mean() > 0.2  # the stain filled
    mask, inpainted = restored((15, 25, 0, 30), erase=True)  # the brush erases the scratch's left part
    kept = scratch & (np.arange(64) < 30)
    assert np.array_equal(mask, scratch & ~kept)
    assert np.array_equal(inpainted[kept], before[kept]) and inpainted[mask].max() < 0.9  # left as it was; the rest filled


def test_old_photo_tab_without_a_detector_says_which_weights_are_missing(state, tmp_path):
    from restorer.ui.special import restore_old_photos

    src = save_rgb(tmp_path / "old.png", smooth_image(32, 32))
    with pytest.raises(S.UiError, match="segment"):
        restore_old_photos(state, [str(src)], {}, {"sigma": True})


@pytest.fixture
def blend_state(state) -> S.AppState:
    from .test_blend import TINY_AE

    torch.manual_seed(0)
    spec = tiny_unet_for("blend")
    unet = spec.build().eval()
    torch.nn.init.normal_(unet.head[-1].weight, std=0.05)  # zero-init would return the Poisson blend unchanged
    save_weights(unet, spec, state.settings.weights_dir / "blend.safetensors", "blend")
    save_weights(TINY_AE.build().eval(), TINY_AE, state.settings.weights_dir / "morph.safetensors", "morph")
    return state


def test_blend_tab_pastes_the_painted_region_at_the_offset(blend_state, tmp_path):
    from restorer.ui.special import paste_images

    bg = save_rgb(tmp_path / "bg.png", smooth_image(96, 128, 1))
    fg = save_rgb(tmp_path / "fg.jpg", smooth_image(40, 50, 2)[..., ::-1] * 0.6)
    editor = painted_editor(40, 50, (10, 30, 10, 40))
    result = paste_images(blend_state, str(fg), editor, str(bg), x=20, y=30)
    out = Image.open(result.download)
    assert out.size == (128, 96) and out.format == "PNG" and result.download.name == "bg_blend.png"  # the background's
    before, after = np.asarray(Image.open(bg), np.int16), np.asarray(out, np.int16)
    assert np.abs(after[40:60, 30:60] - before[40:60, 30:60]).mean() > 10  # the paste is there (rows 10+30, cols 10+20)
    assert np.array_equal(after[:30], before[:30]) and np.array_equal(after[:, 70:], before[:, 70:])  # the rest: bit for bit
    assert "at 20,30" in result.message
    with pytest.raises(S.UiError, match="paint the region"):
        paste_images(blend_state, str(fg), painted_editor(40, 50, (0, 0, 0, 0)), str(bg))
    with pytest.raises(S.UiError, match="outside the background"):
        paste_images(blend_state, str(fg), editor, str(bg), x=500, y=0)
    with pytest.raises(S.UiError, match="background photo"):
        paste_images(blend_state, str(fg), editor, None)


def test_blend_tab_morphs_two_photos_into_an_image_or_a_gif(blend_state, tmp_path):
    from restorer.ui.special import morph_images

    a = save_rgb(tmp_path / "a.jpg", smooth_image(72, 100, 1))
    b = save_rgb(tmp_path / "b.png", smooth_image(50, 40, 2))
    one = morph_images(blend_state, str(a), str(b), alpha=0.3, values={"size": 64})
    assert Image.open(one.download).size == (100, 72) and one.download.suffix == ".jpg"  # A's size and format
    gif = morph_images(blend_state, str(a), str(b), frames=4, fps=5, values={"size": 64})
    with Image.open(gif.download) as im:
        assert im.format == "GIF" and im.n_frames == 4 and im.size == (100, 72)
    with pytest.raises(S.UiError, match="photo B"):
        morph_images(blend_state, str(a), None)
    with pytest.raises(S.UiError, match="2 frames"):
        morph_images(blend_state, str(a), str(b), frames=1)


# ----------------------------------------------------------------------------- fine-tune tab


def test_finetune_is_offered_as_a_choice_and_never_a_silent_default(state, clean_folder):
    task = TASKS["denoise"]
    shipped = state.weights_for(task)
    updates = list(F.finetune(state, "clean", "denoise", minutes=1, max_steps=3, batch_size=2, patch=32, poll_seconds=0.1))
    last = updates[-1]
    assert last.choice is not None and last.choice.path.is_file()
    assert last.curve is not None and last.curve.is_file()
    assert "validation psnr" in last.message and "shipped weights" in last.message and "dB" in last.message
    assert str(state.settings.out_dir) not in last.message  # words, not a temp path
    assert last.selected == (last.choice.score > last.choice.shipped_score)
    assert [c.label for c in state.choices(task)] == [S.SHIPPED, last.choice.label]
    assert state.weights_for(task) == shipped  # what a tab runs unless the user picks the fine-tune
    assert state.restorer(task).info.path == shipped
    assert state.restorer(task, last.choice.label).info.meta["training"]["steps"] == 3
    result = H.restore_images(state, "denoise", [str(clean_folder / "img0.png")], {"sigma": 10}, weights=last.choice.label)
    assert f"with the {last.choice.label} weights" in result.message


def test_finetune_verdict_keeps_the_shipped_weights_when_the_fine_tune_is_worse():
    message, selected = F.verdict("denoise", "psnr", 26.2, 27.9, "shipped")
    assert not selected and "validation psnr 26.20 dB, shipped weights 27.90 dB" in message and "kept the shipped" in message
    message, selected = F.verdict("denoise", "psnr", 28.4, 27.9, "shipped")
    assert selected and "better" in message


def test_finetune_stop_ends_the_run_and_keeps_its_weights(state, clean_folder):
    run = F.finetune(state, "clean", "denoise", minutes=5, max_steps=100_000, batch_size=2, patch=32, poll_seconds=0.05)
    next(run)
    state.stop_training.set()
    last = list(run)[-1]
    assert last.choice is not None and last.choice.path.is_file()
    assert read_info(last.choice.path).meta["training"]["steps"] < 100_000


def test_finetune_reads_only_inside_the_data_root(state, tmp_path):
    with pytest.raises(S.UiError, match="outside"):
        next(F.finetune(state, "/etc", "denoise", minutes=1))
    with pytest.raises(S.UiError, match="outside"):
        next(F.finetune(state, "../..", "denoise", minutes=1))
    with pytest.raises(S.UiError, match="not a folder"):
        next(F.finetune(state, "missing", "denoise", minutes=1))


# ----------------------------------------------------------------------------- layout


def test_app_has_a_tab_per_task_and_proposes_masks_only_with_a_detector(state, monkeypatch):
    from restorer.ui.app import build_app

    def elem_ids() -> set[str]:
        return {b.elem_id for b in build_app(state).blocks.values() if getattr(b, "elem_id", None)}

    ids = elem_ids()
    per_file = [name for name, task in TASKS.items() if task.command]
    assert {"denoise", "inpaint", "colorize", "segment"} <= set(per_file)
    for name in per_file:
        assert {f"tab-{name}", f"{name}-files", f"{name}-run", f"{name}-result", f"{name}-download"} <= ids
    assert not TASKS["blend"].command and not TASKS["morph"].command  # two-photo tasks: the Blend tab instead
    assert "morph-files" not in ids and "blend-files" not in ids and "tab-morph" not in ids
    assert {"tab-blend", "blend-fg", "blend-editor", "blend-bg", "blend-x", "blend-y", "blend-run",
            "morph-a", "morph-b", "morph-alpha", "morph-frames", "morph-run"} <= ids
    assert {"tab-old-photo", "oldphoto-files", "oldphoto-no_colorize", "oldphoto-threshold", "oldphoto-keep_stages",
            "oldphoto-stages", "oldphoto-run", "oldphoto-find", "oldphoto-editor", "oldphoto-brush-mode"} <= ids
    assert {"inpaint-editor", "inpaint-auto", "denoise-sigma", "denoise-sigma-auto", "tab-fine-tune"} <= ids
    assert "inpaint-propose" in ids  # the damage detector proposes masks to touch up
    monkeypatch.delitem(TASKS, "segment")
    assert "inpaint-propose" not in elem_ids()  # no segment task registered: no button that cannot work


def test_restore_ui_is_a_command_and_the_cli_does_not_import_gradio():
    import subprocess
    import sys

    code = ("import sys; from click.testing import CliRunner; from restorer.cli import main; "
            "r = CliRunner().invoke(main, ['ui', '--help']); "
            "assert r.exit_code == 0 and '--share' in r.output and '127.0.0.1' in r.output, r.output; "
            "assert 'gradio' not in sys.modules, 'gradio imported by the CLI'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_each_tab_offers_bundled_photos_of_its_kind_and_never_a_mask():
    from restorer.ui.tabs_special import SPECIAL_TABS
    from restorer.ui.widgets import EXAMPLES_DIR, example_files

    masks = set((EXAMPLES_DIR / "masks").iterdir())
    tabs = [*TASKS, *(t.title.lower().replace(" ", "") for t in SPECIAL_TABS)]
    for tab in tabs:
        assert not masks & set(example_files(tab)), tab  # a mask offered as a photo would be nonsense input
    assert example_files("denoise") == sorted((EXAMPLES_DIR / "noisy").iterdir())
    assert example_files("oldphoto") == [EXAMPLES_DIR / "old" / "astronaut.png"]
    assert EXAMPLES_DIR / "clean" / "chelsea.png" in example_files("inpaint")  # the one examples/masks/ fits
