"""The old-photo, blend and fine-tune tabs' handlers, in-process and without a browser."""
from __future__ import annotations

import zipfile

import numpy as np
import pytest
import torch
from PIL import Image

from restorer.imageio import read_image
from restorer.tasks import TASKS
from restorer.ui import editor as E
from restorer.ui import finetune as F
from restorer.ui import handlers as H
from restorer.ui import state as S
from restorer.weights import read_info, save_weights

from .conftest import save_rgb, smooth_image, tiny_unet_for
from .ui_fixtures import painted_editor, state  # noqa: F401  (state is a fixture)


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
