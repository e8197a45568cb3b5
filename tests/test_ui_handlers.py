"""The web UI's handlers, in-process and without a browser: every task tab,
the brush mask, downloads with metadata, zips, the damage-detector proposal
and the layout (the old-photo, blend and fine-tune tabs: test_ui_tabs.py)."""
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
from restorer.ui import editor as E
from restorer.ui import handlers as H
from restorer.ui import state as S
from restorer.ui.controls import build_options, controls_for, initial_value
from restorer.weights import save_weights

from .conftest import TINY_UNET, save_rgb, smooth_image
from .ui_fixtures import painted_editor, state  # noqa: F401  (state is a fixture)

SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def exif_with(make: str = "Acme", orientation: int | None = None) -> bytes:
    ex = Image.Exif()
    ex[271] = make
    if orientation:
        ex[274] = orientation
    return ex.tobytes()


# ----------------------------------------------------------------------------- controls


def test_controls_follow_the_options_dataclass():
    sigma, strength, views, scan = controls_for(DenoiseOptions)
    assert (sigma.kind, sigma.optional, sigma.minimum, sigma.maximum) == ("slider", True, 0.0, 75.0)
    assert (strength.kind, strength.optional, strength.minimum, strength.maximum) == ("slider", False, 0.0, 2.0)
    assert (views.kind, views.minimum, views.maximum, initial_value(views)) == ("slider", 1, 8, 1)
    assert scan.kind == "checkbox" and scan.default is False  # a scanned print: also sharpened where it reads soft
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
    assert "(sigma automatic, strength 1.0, views 1, scan off)" in result.message
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
