"""Reading and writing photos with their metadata, bit depth and alpha intact.

Pillow does the decoding and metadata; 16-bit colour PNG/TIFF pixels come from
OpenCV (Pillow keeps only 8 bits of those) and are written by our own PNG
encoder or tifffile.
"""

from __future__ import annotations

import io
import os
import stat
import threading
import warnings
from contextlib import suppress
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageCms, UnidentifiedImageError
from PIL.PngImagePlugin import PngInfo

from . import imagemeta
from .atomic import write_atomically

DEFAULT_MAX_PIXELS = 200_000_000  # decompression-bomb guard
SUPPORTED_SUFFIXES = frozenset({".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".tif", ".tiff", ".webp", ".bmp", ".dib",
                                ".ppm", ".pgm", ".pbm", ".pnm"})
_PREFERRED_SUFFIX = {"JPEG": ".jpg", "PNG": ".png", "TIFF": ".tif", "WEBP": ".webp", "BMP": ".bmp"}
_ALPHA_FORMATS = frozenset({"PNG", "TIFF", "WEBP"})
_DEEP_FORMATS = frozenset({"PNG", "TIFF"})  # formats we write at 16 bits
# Pillow's bomb limit and the warning filters are process-global: reads hold this
# lock while they change them, so concurrent reads cannot undo each other.
_PIL_LOCK = threading.RLock()


class ImageReadError(Exception):
    """One-line, user-facing message that names the file."""


class ImageWriteError(Exception):
    """One-line, user-facing message that names the file."""


@dataclass
class Photo:
    pixels: np.ndarray  # float32, H x W x C in [0, 1]; C is 1 or 3
    alpha: np.ndarray | None  # H x W, source dtype (uint8/uint16)
    bit_depth: int  # 8 or 16
    format: str  # Pillow format name of the source
    exif: bytes | None  # raw EXIF, Orientation reset to 1
    icc_profile: bytes | None
    text: dict[str, str]  # PNG text chunks
    dpi: tuple[float, float] | None
    source: Path | None = None
    # What a task measured or decided on this photo, for the person running it ("noise level 12.3,
    # estimated"): printed by the batch, shown by the UI, never written into the file.
    notes: tuple[str, ...] = ()

    @property
    def height(self) -> int:
        return self.pixels.shape[0]

    @property
    def width(self) -> int:
        return self.pixels.shape[1]

    @property
    def channels(self) -> int:
        return self.pixels.shape[2]

    def with_pixels(self, pixels: np.ndarray) -> Photo:
        """Copy with new pixels and the same metadata; alpha follows a resize."""
        alpha = self.alpha
        if alpha is not None and alpha.shape != pixels.shape[:2]:
            alpha = cv2.resize(alpha, (pixels.shape[1], pixels.shape[0]), interpolation=cv2.INTER_LINEAR)
        return replace(self, pixels=pixels, alpha=alpha, text=dict(self.text))


def rgb_of(pixels: np.ndarray) -> np.ndarray:
    """HxWx1 or HxWx3 pixels as HxWx3 (grey repeated in each channel): what the RGB models take."""
    return pixels if pixels.shape[2] == 3 else np.repeat(pixels, 3, axis=2)


def _registered() -> dict[str, str]:
    return Image.registered_extensions()  # loads Pillow's plugins on first use


def format_for_suffix(suffix: str) -> str:
    """".jpg" -> "JPEG"; ValueError if Pillow knows no such suffix."""
    s = suffix.lower() if suffix.startswith(".") else "." + suffix.lower()
    if s not in _registered():
        raise ValueError(f"unknown image file suffix {suffix!r}")
    return _registered()[s]


def _canonical_format(name: str) -> str:
    """"jpeg", "JPG", ".tif" -> "JPEG", "TIFF"; ValueError for unknown names."""
    fmt = name.upper().lstrip(".")
    if fmt in _PREFERRED_SUFFIX or fmt in _registered().values():
        return fmt
    try:
        return format_for_suffix(fmt)
    except ValueError:
        raise ValueError(f"unknown image format {name!r}") from None


def suffix_for_format(fmt: str) -> str:
    """"JPEG" -> ".jpg" (aliases such as "jpg" accepted); ValueError if unknown."""
    fmt = _canonical_format(fmt)
    if fmt in _PREFERRED_SUFFIX:
        return _PREFERRED_SUFFIX[fmt]
    return next(suffix for suffix, name in _registered().items() if name == fmt)


def _one_line(msg: str) -> str:
    return " ".join(msg.split())


# ----------------------------------------------------------------------------- read


def read_image(path, max_pixels: int = DEFAULT_MAX_PIXELS) -> Photo:
    """Decode an image file into a Photo, orientation applied; ImageReadError on bad input."""
    name = os.fspath(path)

    def fail(why: str) -> ImageReadError:
        return ImageReadError(_one_line(f"{name}: {why}"))

    p = Path(path)
    try:
        if p.is_dir():
            raise fail("is a directory, not an image file")
        if not stat.S_ISREG(p.stat().st_mode):  # reading a pipe or a device could wait forever
            raise fail("not a regular file (a pipe, device or socket)")
        data = p.read_bytes()
    except FileNotFoundError:
        raise fail("no such file") from None
    except PermissionError:
        raise fail("permission denied") from None
    except OSError as e:
        raise fail(f"cannot read file ({e.strerror or e})") from None
    if not data:
        raise fail("empty file (0 bytes)")

    with _PIL_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pillow's warnings must not reach the user
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        saved_limit = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = None  # our own max_pixels check replaces Pillow's
        try:
            im = Image.open(io.BytesIO(data))
            w, h = im.size  # from the header: nothing decoded yet
            if w * h > max_pixels:
                raise fail(
                    f"too many pixels ({w}x{h} = {w * h:,}, limit {max_pixels:,}); "
                    "use --max-pixels to raise the limit if you trust this file"
                )
            frames = getattr(im, "n_frames", 1) if im.format != "MPO" else 1  # MPO: a camera JPEG and its previews
            if frames > 1:  # restoring the first frame alone would silently drop the rest
                raise fail(f"{frames} frames (an animation or a multi-page file): restore works on single images; "
                           "save the frame or page you want as its own file")
            return _decode(im, data, p)
        except ImageReadError:
            raise
        except UnidentifiedImageError:
            raise fail("not an image (cannot identify image file)") from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
            raise fail(f"too many pixels ({e}); use --max-pixels to raise the limit") from None
        except MemoryError:
            raise fail("not enough memory to decode this image") from None
        except Exception as e:  # Pillow raises many types for damaged files
            raise fail(f"corrupt or truncated image ({e or type(e).__name__})") from None
        finally:
            Image.MAX_IMAGE_PIXELS = saved_limit


def _decode(im: Image.Image, data: bytes, path: Path) -> Photo:
    fmt = "JPEG" if im.format == "MPO" else im.format or "PNG"  # camera JPEGs often open as MPO
    # Pillow applies TIFF orientation itself during load(); remember it for OpenCV.
    tiff_orientation = im.tag_v2.get(imagemeta.ORIENTATION, 1) if fmt == "TIFF" else 1
    im.load()  # full decode here, so truncated files fail inside read_image's try
    exif_obj = im.getexif()
    orientation = exif_obj.get(imagemeta.ORIENTATION, 1)  # still to apply (TIFF: already done)
    icc = im.info.get("icc_profile") or None

    color = alpha = None
    if _is_deep_color(im, data):
        color, alpha = _decode_deep(im, data, tiff_orientation)
    if color is not None:
        depth = 16
    else:
        color, alpha, depth, icc = _pillow_pixels(im, icc)
    color = imagemeta.apply_orientation(color, orientation)
    if alpha is not None:
        alpha = imagemeta.apply_orientation(alpha, orientation)

    if fmt == "TIFF":
        exif = imagemeta.exif_from_tiff(exif_obj)
    else:
        raw = im.info.get("exif")
        exif = imagemeta.reset_orientation(raw) if raw else None
    # Pillow reports (1, 1) for a TIFF without resolution tags: writing that back would be a claim the input never made
    dpi = im.info.get("dpi") if fmt != "TIFF" or imagemeta.TIFF_XRESOLUTION in im.tag_v2 else None
    dpi = (float(dpi[0]), float(dpi[1])) if dpi and min(dpi) > 0 else None
    if orientation in (5, 6, 7, 8) and dpi:
        dpi = dpi[::-1]
    text = {str(k): str(v) for k, v in getattr(im, "text", {}).items()} if fmt == "PNG" else {}
    if color.dtype != np.float32:
        color = color.astype(np.float32) / (65535.0 if depth == 16 else 255.0)
    return Photo(color, alpha, depth, fmt, exif, icc, text, dpi, path)


def _is_deep_color(im: Image.Image, data: bytes) -> bool:
    """16-bit PNG/TIFF with colour or alpha, which Pillow would cut to 8 bits."""
    if im.format == "PNG":
        hdr = imagemeta.png_header(data)
        return hdr is not None and hdr[0] == 16 and hdr[1] in (2, 4, 6)
    if im.format == "TIFF":
        bits = im.tag_v2.get(258, (8,))
        bits = bits if isinstance(bits, tuple) else (bits,)
        return 16 in bits and im.tag_v2.get(277, 1) > 1 and im.tag_v2.get(262) in (1, 2)
    return False


def _decode_deep(im: Image.Image, data: bytes, tiff_orientation: int):
    """16-bit (color, alpha) via OpenCV, or (None, None) to fall back to Pillow.
    OpenCV's TIFF orientation handling differs between versions, so the result is
    matched against Pillow's 8-bit decode of the same file (same layout, high byte)."""
    a = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if a is None or a.dtype != np.uint16 or a.ndim != 3 or a.shape[2] not in (3, 4):
        return None, None
    a = a[..., [2, 1, 0, 3][: a.shape[2]]]  # BGR(A) -> RGB(A)
    ref = np.asarray(im)
    if ref.ndim != 3 or ref.shape[2] < 3:
        return None, None
    for cand in (a, imagemeta.apply_orientation(a, tiff_orientation)):
        # tolerance 1: a Pillow that rounds instead of taking the high byte still matches
        if cand.shape[:2] == ref.shape[:2] and np.abs((cand[..., :3] >> 8).astype(np.int16) - ref[..., :3]).max() <= 1:
            break
    else:
        return None, None
    hdr = imagemeta.png_header(data)
    gray = (hdr is not None and hdr[1] == 4) or (im.format == "TIFF" and im.tag_v2.get(262) == 1)
    color = cand[..., :1] if gray else cand[..., :3]
    return np.ascontiguousarray(color), (np.ascontiguousarray(cand[..., 3]) if cand.shape[2] == 4 else None)


def _pillow_pixels(im: Image.Image, icc: bytes | None):
    """(color H x W x C, alpha, bit depth, icc) from a decoded Pillow image."""
    mode = im.mode
    if mode.startswith("I"):  # I;16*, I, I;32: integer samples taken as 16-bit
        a = np.asarray(im)
        return np.clip(a, 0, 65535).astype(np.uint16)[..., None], None, 16, icc
    if mode == "F":
        a = np.nan_to_num(np.asarray(im, dtype=np.float32))
        top = float(a.max()) if a.size else 1.0
        a = np.clip(a / top if top > 1 else a, 0, 1)
        return a[..., None], None, 16, icc
    trns = "A" in mode or "a" in mode or "transparency" in im.info
    if mode == "CMYK":
        im, icc = _cmyk_to_rgb(im, icc)
    elif mode == "P" and not trns and imagemeta.is_gray_palette(im):
        im = im.convert("L")  # e.g. grayscale BMP/GIF stay one channel
    elif mode not in ("L", "LA", "RGB", "RGBA") or "transparency" in im.info:
        # 1, La, P, PA, RGBa, RGBX, YCbCr, LAB, HSV, or L/RGB with a tRNS key colour
        gray = mode in ("1", "L", "LA", "La")
        im = im.convert(("LA" if gray else "RGBA") if trns else ("L" if gray else "RGB"))
    a = np.asarray(im)
    if a.ndim == 2:
        a = a[..., None]
    if im.mode in ("LA", "RGBA"):
        return np.ascontiguousarray(a[..., :-1]), np.ascontiguousarray(a[..., -1]), 8, icc
    return a, None, 8, icc


def _cmyk_to_rgb(im: Image.Image, icc: bytes | None):
    """CMYK -> sRGB through its ICC profile when there is one, else Pillow's formula."""
    if icc:
        with suppress(Exception):
            srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            return ImageCms.profileToProfile(im, src, srgb, outputMode="RGB"), srgb.tobytes()
    return im.convert("RGB"), None  # a CMYK profile would be wrong on RGB data


# ---------------------------------------------------------------------------- write


def write_image(photo: Photo, path, format: str | None = None, quality: int = 95, replace: bool = True) -> None:
    """Write atomically; format from the argument, else the suffix, else the source.
    WebP with quality >= 100 is written lossless. replace=False: OutputExistsError if the
    file exists when the write completes."""
    path = Path(path)
    try:
        if format:
            fmt = _canonical_format(format)
        elif path.suffix.lower() in _registered():
            fmt = format_for_suffix(path.suffix)
        else:
            fmt = (photo.format or "").upper()
        Image.init()
        if fmt not in Image.SAVE:
            raise ValueError(f"cannot write {fmt or 'unknown'} files")
    except ValueError as e:
        raise ImageWriteError(_one_line(f"{path}: {e}")) from None
    _atomic_write(path, lambda f: _encode(photo, f, fmt, quality), replace)


def write_animation(frames: list[np.ndarray], path, fps: float, replace: bool = True) -> None:
    """HxWx3 float frames in [0, 1] as an animated GIF or WebP (by suffix), written atomically."""
    path = Path(path)
    images = [Image.fromarray(np.rint(np.clip(f, 0, 1) * 255).astype(np.uint8)) for f in frames]
    fmt = "GIF" if path.suffix.lower() == ".gif" else "WEBP"
    extra = {"quality": 90} if fmt == "WEBP" else {}
    _atomic_write(path, lambda f: images[0].save(f, format=fmt, save_all=True, append_images=images[1:],
                                                 duration=round(1000 / fps), loop=0, **extra), replace)


class OutputExistsError(ImageWriteError):
    """The destination appeared after the run planned it (another run writing the same folder)."""


def _atomic_write(path: Path, write, replace: bool = True) -> None:
    """atomic.write_atomically, its failures as one-line ImageWriteErrors naming the file."""
    try:
        write_atomically(path, write, replace)
    except FileExistsError:
        raise OutputExistsError(_one_line(f"{path}: appeared while this run was working (another run writing "
                                          "the same folder?); left as it is: use --overwrite to replace it")) from None
    except Exception as e:
        raise ImageWriteError(_one_line(f"{path}: cannot write ({type(e).__name__}: {e})")) from e


def _encode(photo: Photo, f, fmt: str, quality: int) -> None:
    px = np.asarray(photo.pixels)
    px = px[..., None] if px.ndim == 2 else px
    if px.ndim != 3 or px.shape[2] not in (1, 3):
        raise ValueError(f"pixels must be H x W x 1 or 3, got shape {px.shape}")
    deep = photo.bit_depth == 16 and fmt in _DEEP_FORMATS
    data = imagemeta.to_int(px, deep)
    alpha = photo.alpha if fmt in _ALPHA_FORMATS else None  # e.g. JPEG has no alpha
    if alpha is not None:
        if alpha.shape != px.shape[:2]:
            raise ValueError(f"alpha shape {alpha.shape} does not match pixels {px.shape[:2]}")
        data = np.dstack([data, imagemeta.to_int(alpha, deep)])
    exif = photo.exif
    if fmt == "JPEG" and exif and len(exif) > 65533:
        exif = None  # cannot fit in one JPEG APP1 segment; Pillow would refuse
    if deep and data.shape[2] > 1:  # Pillow cannot hold 16-bit colour or gray+alpha
        if fmt == "PNG":
            f.write(imagemeta.encode_png16(data, photo.icc_profile, exif, photo.text, photo.dpi))
        else:
            imagemeta.write_tiff16(f, data, px.shape[2], photo.icc_profile, exif, photo.dpi)
        return
    im = Image.fromarray(data[..., 0] if data.shape[2] == 1 else data)  # L, I;16, LA, RGB, RGBA
    kw: dict = {}
    if photo.icc_profile:
        kw["icc_profile"] = photo.icc_profile
    if exif:
        kw["exif"] = exif
    if photo.dpi:
        kw["dpi"] = photo.dpi
    if fmt == "JPEG":
        kw.update(quality=quality, subsampling=0)  # 4:4:4 keeps colour edges
    elif fmt == "WEBP":
        kw.update(quality=quality, lossless=quality >= 100, exact=True)
    elif fmt == "PNG":
        kw["compress_level"] = imagemeta.ZLIB_LEVEL
        if photo.text:
            info = PngInfo()
            for k, v in photo.text.items():
                info.add_text(k, v)  # becomes iTXt when not Latin-1
            kw["pnginfo"] = info
    # TIFF stays uncompressed: libtiff's compressors cannot write EXIF sub-IFDs.
    im.save(f, format=fmt, **kw)
