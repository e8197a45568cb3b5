"""Reading and writing fail safely: bad files, limits and interrupted writes raise one-line
errors naming the file, and a write never leaves a half-written destination."""
from __future__ import annotations

import io
import os
import warnings

import numpy as np
import pytest
from PIL import Image

from restorer import imageio
from restorer.imageio import (
    SUPPORTED_SUFFIXES,
    ImageReadError,
    ImageWriteError,
    Photo,
    format_for_suffix,
    read_image,
    suffix_for_format,
    write_image,
)

from .test_imageio import SRGB, noise

# ----------------------------------------------------------------- reading bad input

def make_bad(tmp_path, kind):
    good = io.BytesIO()
    if kind == "zero":
        p = tmp_path / "empty.jpg"
        p.write_bytes(b"")
    elif kind == "text":
        p = tmp_path / "notes.jpg"
        p.write_text("this is not a photo\n")
    elif kind in ("png", "jpeg"):
        Image.fromarray(noise(64, 64)).save(good, kind.upper())
        p = tmp_path / f"cut.{kind}"
        p.write_bytes(good.getvalue()[: len(good.getvalue()) // 2])
    elif kind == "missing":
        p = tmp_path / "nothere.png"
    elif kind == "directory":
        p = tmp_path / "folder.png"
        p.mkdir()
    return p


@pytest.mark.parametrize("kind", ["zero", "text", "png", "jpeg", "missing", "directory"])
def test_bad_input_raises_one_line_error(tmp_path, kind):
    p = make_bad(tmp_path, kind)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no Pillow warning may escape either
        with pytest.raises(ImageReadError) as err:
            read_image(p)
    msg = str(err.value)
    assert p.name in msg and "\n" not in msg


@pytest.mark.parametrize("suffix", [".gif", ".png", ".webp", ".tif"])
def test_animations_and_multi_page_files_are_refused_not_cut_to_one_frame(tmp_path, suffix):
    frames = [Image.fromarray(noise(32, 40)), Image.fromarray(255 - noise(32, 40))]
    frames[0].save(tmp_path / f"two{suffix}", save_all=True, append_images=frames[1:])
    with pytest.raises(ImageReadError, match=r"two.*: 2 frames .*single images"):
        read_image(tmp_path / f"two{suffix}")
    frames[0].save(tmp_path / f"one{suffix}")  # a single frame of the same format is fine
    assert read_image(tmp_path / f"one{suffix}").pixels.shape[:2] == (32, 40)


def test_too_many_pixels(tmp_path):
    Image.new("RGB", (40, 30)).save(tmp_path / "big.png")
    with pytest.raises(ImageReadError) as err:
        read_image(tmp_path / "big.png", max_pixels=1000)
    msg = str(err.value)
    assert "big.png" in msg and "1,200" in msg and "1,000" in msg and "--max-pixels" in msg
    assert "\n" not in msg
    assert read_image(tmp_path / "big.png", max_pixels=1200).width == 40


def test_own_pixel_limit_replaces_pillows(tmp_path, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)  # Pillow alone would refuse this image
    Image.new("RGB", (40, 30)).save(tmp_path / "ok.png")
    assert read_image(tmp_path / "ok.png").height == 30
    assert Image.MAX_IMAGE_PIXELS == 100  # global state restored


def test_permission_denied(tmp_path, monkeypatch):
    p = tmp_path / "locked.png"
    Image.new("RGB", (4, 4)).save(p)
    if not hasattr(os, "geteuid") or os.geteuid() == 0:  # root reads anything: simulate the OS refusing
        def refuse(self):
            raise PermissionError(13, "Permission denied", str(self))

        monkeypatch.setattr(type(p), "read_bytes", refuse)
    else:
        p.chmod(0)
    with pytest.raises(ImageReadError, match="locked.png: permission denied"):
        read_image(p)


# ----------------------------------------------------------------- writing


def _boom(*args, **kwargs):
    raise RuntimeError("encoder exploded")


@pytest.mark.parametrize("exc, expected", [(RuntimeError, ImageWriteError), (KeyboardInterrupt, KeyboardInterrupt)])
def test_atomic_write_leaves_destination_alone(tmp_path, monkeypatch, exc, expected):
    photo = Photo(np.zeros((4, 4, 3), np.float32), None, 8, "PNG", None, None, {}, None)
    dest = tmp_path / "out.png"
    dest.write_bytes(b"previous content")

    def fail(self, fp, *a, **k):
        fp.write(b"partial")
        raise exc("stop")

    monkeypatch.setattr(Image.Image, "save", fail)
    with pytest.raises(expected) as err:
        write_image(photo, dest)
    assert dest.read_bytes() == b"previous content"
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"]
    if expected is ImageWriteError:
        assert "out.png" in str(err.value) and "\n" not in str(err.value)


def test_atomic_write_16bit_path(tmp_path, monkeypatch):
    photo = Photo(np.zeros((4, 4, 3), np.float32), None, 16, "PNG", None, None, {}, None)
    monkeypatch.setattr(imageio.imagemeta, "encode_png16", _boom)
    with pytest.raises(ImageWriteError, match="encoder exploded"):
        write_image(photo, tmp_path / "x.png")
    assert list(tmp_path.iterdir()) == []


def test_write_into_missing_directory_is_write_error(tmp_path):
    photo = Photo(np.zeros((4, 4, 3), np.float32), None, 8, "PNG", None, None, {}, None)
    with pytest.raises(ImageWriteError):
        write_image(photo, tmp_path / "no" / "x.png")


def test_output_format_choice(tmp_path):
    Image.fromarray(noise()).save(tmp_path / "in.png")
    photo = read_image(tmp_path / "in.png")
    write_image(photo, tmp_path / "a.jpg")
    write_image(photo, tmp_path / "b.png", format="jpeg")
    write_image(photo, tmp_path / "c.restored")  # unknown suffix: source format
    assert [Image.open(tmp_path / n).format for n in ("a.jpg", "b.png", "c.restored")] == ["JPEG", "JPEG", "PNG"]
    with pytest.raises(ImageWriteError):
        write_image(photo, tmp_path / "d.png", format="NOPE")


def test_suffix_helpers():
    assert format_for_suffix(".JPG") == format_for_suffix(".jpeg") == "JPEG"
    assert format_for_suffix(".tif") == "TIFF" and format_for_suffix(".webp") == "WEBP"
    assert suffix_for_format("JPEG") == ".jpg" and suffix_for_format("tiff") == ".tif"
    assert suffix_for_format("jpg") == ".jpg" and suffix_for_format("GIF") == ".gif"
    with pytest.raises(ValueError):
        format_for_suffix(".xyz")
    with pytest.raises(ValueError):
        suffix_for_format("NOPE")
    assert SUPPORTED_SUFFIXES == {".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".tif", ".tiff", ".webp", ".bmp", ".dib",
                                  ".ppm", ".pgm", ".pbm", ".pnm"}
    assert all(format_for_suffix(s) for s in SUPPORTED_SUFFIXES)


def test_with_pixels_shares_metadata(tmp_path):
    Image.fromarray(noise(c=4)).save(tmp_path / "in.png", icc_profile=SRGB)
    photo = read_image(tmp_path / "in.png")
    bigger = photo.with_pixels(np.zeros((48, 64, 3), np.float32))
    assert bigger.icc_profile == SRGB and bigger.source == photo.source and bigger.alpha.shape == (48, 64)
    assert photo.with_pixels(photo.pixels * 0.5).alpha is photo.alpha
