"""Tests for restorer.imageio: round trips, metadata, orientation, bit depth and alpha
(bad input and interrupted writes: test_imageio_failures.py)."""

from __future__ import annotations

import io
import struct
import zlib

import cv2
import numpy as np
import pytest
import tifffile
from PIL import Image, ImageCms, ImageOps, JpegImagePlugin

from restorer import imageio
from restorer.imageio import (
    Photo,
    read_image,
    write_image,
)

SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
RNG = np.random.default_rng(1234)


def noise(h=24, w=32, c=3, dtype=np.uint8):
    top = np.iinfo(dtype).max
    shape = (h, w) if c == 1 else (h, w, c)
    return RNG.integers(0, top + 1, shape, dtype=dtype)


def smooth(h=64, w=96):
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    r = 128 + 100 * np.sin(x / 15)
    g = 128 + 100 * np.cos(y / 11)
    b = 60 + (x + y)
    return np.clip(np.stack([r, g, b], -1), 0, 255).astype(np.uint8)


def exif_bytes(orientation=None):
    ex = Image.Exif()
    ex[271], ex[272], ex[306] = "Acme", "Cam 1", "2021:05:06 07:08:09"
    if orientation:
        ex[274] = orientation
    ex[0x8769] = {0x9003: "2021:05:06 07:08:09", 0x829A: 0.004}  # DateTimeOriginal, ExposureTime
    return ex.tobytes()


def add_png_chunks(png: bytes, *chunks: tuple[bytes, bytes]) -> bytes:
    """Insert chunks right after IHDR (test-side, independent of the module's encoder)."""
    cut = 8 + 8 + 13 + 4
    body = b"".join(struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d)) for t, d in chunks)
    return png[:cut] + body + png[cut:]


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 10 * np.log10(255.0**2 / mse) if mse else np.inf


def to8(photo):
    return np.rint(photo.pixels * 255).astype(np.uint8)


# ----------------------------------------------------------------- round trips


def test_png_rgb8_bit_identical(tmp_path):
    arr = noise()
    Image.fromarray(arr).save(tmp_path / "in.png", dpi=(300, 300))
    photo = read_image(tmp_path / "in.png")
    assert (photo.format, photo.bit_depth, photo.channels, photo.alpha) == ("PNG", 8, 3, None)
    assert photo.pixels.dtype == np.float32 and photo.pixels.shape == (24, 32, 3)
    assert photo.dpi == pytest.approx((300, 300), abs=0.01)
    write_image(photo, tmp_path / "out.png")
    out = Image.open(tmp_path / "out.png")
    assert out.mode == "RGB" and np.array_equal(np.asarray(out), arr)
    assert out.info["dpi"] == pytest.approx((300, 300), abs=0.01)


def test_float_to_int_rounds_instead_of_truncating(tmp_path):
    photo = Photo(np.full((2, 2, 3), 100 / 255 - 1e-4, np.float32), None, 8, "PNG", None, None, {}, None)
    write_image(photo, tmp_path / "r.png")
    assert (np.asarray(Image.open(tmp_path / "r.png")) == 100).all()


def test_jpeg_keeps_exif_icc_and_quality(tmp_path):
    arr = smooth()
    Image.fromarray(arr).save(tmp_path / "in.jpg", quality=98, subsampling=0, exif=exif_bytes(), icc_profile=SRGB)
    photo = read_image(tmp_path / "in.jpg")
    assert photo.format == "JPEG" and photo.icc_profile == SRGB
    write_image(photo, tmp_path / "out.jpg")
    out = Image.open(tmp_path / "out.jpg")
    ex = out.getexif()
    assert (ex[271], ex[272], ex[306]) == ("Acme", "Cam 1", "2021:05:06 07:08:09")
    assert ex.get_ifd(0x8769)[0x9003] == "2021:05:06 07:08:09"
    assert out.info["icc_profile"] == SRGB
    assert JpegImagePlugin.get_sampling(out) == 0  # 4:4:4
    assert psnr(np.asarray(out), arr) > 40
    write_image(photo, tmp_path / "out.tif")  # EXIF sub-IFD survives conversion to TIFF
    assert Image.open(tmp_path / "out.tif").getexif().get_ifd(0x8769)[0x9003] == "2021:05:06 07:08:09"


def test_camera_mpo_jpeg_reports_jpeg(tmp_path):
    first, second = Image.fromarray(smooth()), Image.new("RGB", (96, 64))
    first.save(tmp_path / "cam.jpg", format="MPO", save_all=True, append_images=[second], exif=exif_bytes())
    photo = read_image(tmp_path / "cam.jpg")
    assert photo.format == "JPEG" and psnr(to8(photo), smooth()) > 35
    write_image(photo, tmp_path / "cam.restored")
    assert Image.open(tmp_path / "cam.restored").format == "JPEG"


def test_tiff_round_trip_with_metadata(tmp_path):
    arr = noise()
    Image.fromarray(arr).save(tmp_path / "in.tif", exif=exif_bytes(), icc_profile=SRGB, dpi=(240, 240))
    photo = read_image(tmp_path / "in.tif")
    assert photo.format == "TIFF" and photo.bit_depth == 8
    write_image(photo, tmp_path / "out.tif")
    out = Image.open(tmp_path / "out.tif")
    assert np.array_equal(np.asarray(out), arr)
    assert out.info["icc_profile"] == SRGB and out.info["dpi"] == pytest.approx((240, 240))
    ex = out.getexif()
    assert (ex[271], ex[272]) == ("Acme", "Cam 1")
    assert ex.get_ifd(0x8769)[0x9003] == "2021:05:06 07:08:09"
    kept = Image.Exif()
    kept.load(read_image(tmp_path / "out.tif").exif)
    assert 271 in kept and 273 not in kept  # layout tags (strip offsets) are not carried as EXIF
    # A TIFF's EXIF also survives conversion to JPEG.
    write_image(photo, tmp_path / "out.jpg")
    assert Image.open(tmp_path / "out.jpg").getexif()[271] == "Acme"


def test_webp_lossless_round_trip_with_alpha(tmp_path):
    arr, alpha = noise(), noise(c=1)
    Image.fromarray(np.dstack([arr, alpha])).save(tmp_path / "in.webp", lossless=True, exact=True, exif=exif_bytes())
    photo = read_image(tmp_path / "in.webp")
    assert photo.format == "WEBP" and photo.alpha is not None
    write_image(photo, tmp_path / "out.webp", quality=100)  # quality 100 means lossless
    back = read_image(tmp_path / "out.webp")
    assert np.array_equal(to8(back), arr) and np.array_equal(back.alpha, alpha)
    assert Image.open(tmp_path / "out.webp").getexif()[272] == "Cam 1"


def test_bmp_round_trip(tmp_path):
    arr = noise()
    Image.fromarray(arr).save(tmp_path / "in.bmp")
    photo = read_image(tmp_path / "in.bmp")
    write_image(photo, tmp_path / "out.bmp")
    out = Image.open(tmp_path / "out.bmp")
    assert out.format == "BMP" and np.array_equal(np.asarray(out), arr)


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".tif"])
def test_icc_profile_round_trip(tmp_path, suffix):
    Image.fromarray(smooth()).save(tmp_path / f"in{suffix}", icc_profile=SRGB)
    photo = read_image(tmp_path / f"in{suffix}")
    assert photo.icc_profile == SRGB
    write_image(photo, tmp_path / f"out{suffix}")
    assert Image.open(tmp_path / f"out{suffix}").info["icc_profile"] == SRGB


def test_png_text_round_trip(tmp_path):
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Title", "Harbour at dusk")
    info.add_itxt("Comment", "Grüße, 東京")
    Image.fromarray(noise()).save(tmp_path / "in.png", pnginfo=info)
    photo = read_image(tmp_path / "in.png")
    assert photo.text == {"Title": "Harbour at dusk", "Comment": "Grüße, 東京"}
    write_image(photo, tmp_path / "out.png")
    assert read_image(tmp_path / "out.png").text == photo.text


# ----------------------------------------------------------------- orientation


def marked(h=32, w=48):
    """Blue image with a red 8x8 block at the stored top-left corner."""
    arr = np.zeros((h, w, 3), np.uint8)
    arr[..., 2] = 255
    arr[:8, :8] = (255, 0, 0)
    return arr


@pytest.mark.parametrize("suffix", [".jpg", ".png"])
@pytest.mark.parametrize("orientation, shape, corner", [(6, (48, 32), (0, -1)), (3, (32, 48), (-1, -1))])
def test_exif_orientation_applied_and_reset(tmp_path, suffix, orientation, shape, corner):
    Image.fromarray(marked()).save(tmp_path / f"in{suffix}", exif=exif_bytes(orientation), quality=95)
    photo = read_image(tmp_path / f"in{suffix}")
    assert photo.pixels.shape[:2] == shape
    y, x = corner  # the red block moved to this corner
    assert photo.pixels[y, x, 0] > 0.8 and photo.pixels[y, x, 2] < 0.2
    assert photo.pixels[0, 0, 2] > 0.8 or corner == (0, 0)
    ex = Image.Exif()
    ex.load(photo.exif)
    assert ex[274] == 1 and ex[271] == "Acme"
    write_image(photo, tmp_path / f"out{suffix}")
    out = Image.open(tmp_path / f"out{suffix}")
    assert out.getexif()[274] == 1 and out.size == (shape[1], shape[0])
    assert read_image(tmp_path / f"out{suffix}").pixels.shape[:2] == shape  # not rotated twice


@pytest.mark.parametrize("orientation", range(1, 9))
def test_all_orientations_match_pillow(tmp_path, orientation):
    arr = noise(5, 7)
    Image.fromarray(arr).save(tmp_path / "o.png", exif=exif_bytes(orientation))
    expected = np.asarray(ImageOps.exif_transpose(Image.open(tmp_path / "o.png")))
    assert np.array_equal(to8(read_image(tmp_path / "o.png")), expected)


def test_orientation_on_16bit_colour_png_and_tiff(tmp_path):
    arr = noise(6, 10, 3, np.uint16)
    expected = np.rot90(arr, -1)  # orientation 6: rotate 90 degrees clockwise
    ok, png = cv2.imencode(".png", arr[..., ::-1])
    (tmp_path / "o.png").write_bytes(add_png_chunks(png.tobytes(), (b"eXIf", exif_bytes(6)[6:])))
    tifffile.imwrite(tmp_path / "o.tif", arr, photometric="rgb", extratags=[(274, "H", 1, 6, True)])
    for name in ("o.png", "o.tif"):
        photo = read_image(tmp_path / name)
        assert photo.bit_depth == 16
        assert np.array_equal(np.rint(photo.pixels * 65535).astype(np.uint16), expected), name


def test_16bit_tiff_orientation_with_opencv_that_ignores_it(tmp_path, monkeypatch):
    # Some OpenCV builds apply the TIFF Orientation tag, others return the stored layout.
    arr = noise(6, 10, 3, np.uint16)
    tifffile.imwrite(tmp_path / "o.tif", arr, photometric="rgb", extratags=[(274, "H", 1, 3, True)])
    monkeypatch.setattr(imageio.cv2, "imdecode", lambda buf, flags: tifffile.imread(io.BytesIO(buf))[..., ::-1])
    photo = read_image(tmp_path / "o.tif")
    assert photo.bit_depth == 16
    assert np.array_equal(np.rint(photo.pixels * 65535).astype(np.uint16), arr[::-1, ::-1])


# ----------------------------------------------------------------- 16-bit


@pytest.mark.parametrize("suffix", [".png", ".tif"])
def test_16bit_gray_exact(tmp_path, suffix):
    arr = noise(20, 30, 1, np.uint16)
    Image.fromarray(arr).save(tmp_path / f"in{suffix}")
    photo = read_image(tmp_path / f"in{suffix}")
    assert (photo.bit_depth, photo.channels) == (16, 1)
    write_image(photo, tmp_path / f"out{suffix}")
    back = cv2.imread(str(tmp_path / f"out{suffix}"), cv2.IMREAD_UNCHANGED)
    assert back.dtype == np.uint16 and np.array_equal(back, arr)


def test_16bit_rgb_png_exact_with_icc(tmp_path):
    arr = noise(20, 30, 3, np.uint16)
    arr[arr % 257 == 0] += 1  # values 8-bit storage could not represent
    ok, png = cv2.imencode(".png", arr[..., ::-1])
    iccp = b"sRGB\0\0" + zlib.compress(SRGB)
    (tmp_path / "in.png").write_bytes(add_png_chunks(png.tobytes(), (b"iCCP", iccp)))
    photo = read_image(tmp_path / "in.png")
    assert (photo.bit_depth, photo.channels, photo.icc_profile) == (16, 3, SRGB)
    photo.text = {"Note": "sixteen"}
    photo.exif = exif_bytes()
    write_image(photo, tmp_path / "out.png")
    back = cv2.imread(str(tmp_path / "out.png"), cv2.IMREAD_UNCHANGED)
    assert back.dtype == np.uint16 and np.array_equal(back[..., ::-1], arr)
    out = Image.open(tmp_path / "out.png")
    out.load()
    assert out.info["icc_profile"] == SRGB and out.text == {"Note": "sixteen"}
    assert out.getexif()[271] == "Acme"


def test_16bit_rgb_tiff_exact_with_icc(tmp_path):
    arr = noise(20, 30, 3, np.uint16)
    cv2.imwrite(str(tmp_path / "lzw.tif"), arr[..., ::-1])  # LZW-compressed, as cameras/editors write
    photo = read_image(tmp_path / "lzw.tif")
    assert photo.bit_depth == 16 and np.array_equal(np.rint(photo.pixels * 65535).astype(np.uint16), arr)
    photo.icc_profile, photo.exif, photo.dpi = SRGB, exif_bytes(), (300.0, 300.0)
    write_image(photo, tmp_path / "out.tif")
    assert np.array_equal(tifffile.imread(tmp_path / "out.tif"), arr)
    out = Image.open(tmp_path / "out.tif")
    assert out.info["icc_profile"] == SRGB and out.tag_v2[271] == "Acme" and out.info["dpi"] == (300, 300)
    assert read_image(tmp_path / "out.tif").icc_profile == SRGB


@pytest.mark.parametrize("depth", [8, 16])
def test_rgba_alpha_bit_identical(tmp_path, depth):
    dtype = np.uint8 if depth == 8 else np.uint16
    rgba = noise(20, 30, 4, dtype)
    if depth == 8:
        Image.fromarray(rgba).save(tmp_path / "in.png")
    else:
        cv2.imwrite(str(tmp_path / "in.png"), rgba[..., [2, 1, 0, 3]])
    photo = read_image(tmp_path / "in.png")
    assert photo.channels == 3 and photo.bit_depth == depth
    assert photo.alpha.dtype == dtype and np.array_equal(photo.alpha, rgba[..., 3])
    write_image(photo, tmp_path / "out.png")
    back = cv2.imread(str(tmp_path / "out.png"), cv2.IMREAD_UNCHANGED)
    assert back.dtype == dtype and np.array_equal(back[..., [2, 1, 0, 3]], rgba)
    write_image(photo, tmp_path / "out.jpg")  # JPEG has no alpha: dropped, not an error
    assert Image.open(tmp_path / "out.jpg").mode == "RGB"


def test_16bit_gray_alpha_png(tmp_path):
    la = noise(8, 9, 2, np.uint16)
    photo = Photo(la[..., :1].astype(np.float32) / 65535, la[..., 1], 16, "PNG", None, None, {}, None)
    write_image(photo, tmp_path / "la.png")
    back = read_image(tmp_path / "la.png")
    assert (back.channels, back.bit_depth) == (1, 16) and np.array_equal(back.alpha, la[..., 1])
    assert np.array_equal(np.rint(back.pixels[..., 0] * 65535).astype(np.uint16), la[..., 0])


# ----------------------------------------------------------------- modes


@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_grayscale_stays_one_channel(tmp_path, suffix):
    Image.fromarray(smooth()[..., 1]).save(tmp_path / f"g{suffix}")
    photo = read_image(tmp_path / f"g{suffix}")
    assert photo.channels == 1 and photo.bit_depth == 8
    write_image(photo, tmp_path / f"out{suffix}")
    assert Image.open(tmp_path / f"out{suffix}").mode == "L"


def test_palette_and_transparency(tmp_path):
    rgb = Image.fromarray(smooth()).quantize(16)
    rgb.save(tmp_path / "p.png")
    photo = read_image(tmp_path / "p.png")
    assert photo.channels == 3 and photo.alpha is None
    assert np.array_equal(to8(photo), np.asarray(rgb.convert("RGB")))
    rgb.save(tmp_path / "pt.png", transparency=0)
    photo = read_image(tmp_path / "pt.png")
    assert photo.channels == 3 and photo.alpha is not None
    assert np.array_equal(photo.alpha == 0, np.asarray(rgb) == 0)


def test_cmyk_jpeg_becomes_rgb(tmp_path):
    Image.new("CMYK", (16, 16), (255, 0, 0, 0)).save(tmp_path / "c.jpg")  # pure cyan
    photo = read_image(tmp_path / "c.jpg")
    assert photo.channels == 3 and photo.alpha is None
    assert np.allclose(photo.pixels[8, 8], (0, 1, 1), atol=0.05)


def test_one_bit_and_la(tmp_path):
    Image.fromarray(noise(8, 8, 1) > 127).save(tmp_path / "b.png")
    assert read_image(tmp_path / "b.png").channels == 1
    la = noise(8, 8, 2)
    Image.fromarray(la, "LA").save(tmp_path / "la.png")
    photo = read_image(tmp_path / "la.png")
    assert photo.channels == 1 and np.array_equal(photo.alpha, la[..., 1])


# ----------------------------------------------------------------- bad input
