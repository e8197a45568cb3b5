"""Pure helpers for restorer.imageio: EXIF orientation, TIFF tag selection, sample
conversion, and 16-bit PNG/TIFF writers (Pillow cannot hold 16-bit colour)."""

from __future__ import annotations

import struct
import zlib

import numpy as np
from PIL import Image

ORIENTATION = 0x0112
TIFF_XRESOLUTION = 282  # absent: the file says nothing about its dpi
EXIF_HEADER = b"Exif\x00\x00"
# Descriptive IFD0 tags worth carrying over from a TIFF (the rest describe its layout).
TIFF_DESCRIPTIVE_TAGS = (270, 271, 272, 305, 306, 315, 33432)
TIFF_SUB_IFDS = (0x8769, 0x8825)  # Exif, GPS
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# zlib level for every lossless file we write (PNG 8/16-bit, 16-bit TIFF). On photos level 6
# (Pillow's default) is 2x slower than 3 for no smaller files (8 Kodak24 PNGs: 0.89 s vs 0.44 s,
# 3436 vs 3428 KiB); 11 of the 19 s of a 24 MP PNG run went into encoding at 6.
ZLIB_LEVEL = 3


def apply_orientation(a: np.ndarray, orientation: int | None) -> np.ndarray:
    """Return `a` (H x W [x C]) as displayed for an EXIF orientation, matching
    ImageOps.exif_transpose."""
    ops = {
        2: lambda: a[:, ::-1],
        3: lambda: a[::-1, ::-1],
        4: lambda: a[::-1],
        5: lambda: a.swapaxes(0, 1),
        6: lambda: np.rot90(a, -1),
        7: lambda: a.swapaxes(0, 1)[::-1, ::-1],
        8: lambda: np.rot90(a, 1),
    }
    op = ops.get(orientation or 1)
    return np.ascontiguousarray(op()) if op else a


def reset_orientation(exif: bytes) -> bytes | None:
    """EXIF bytes (always with the "Exif\\0\\0" header) whose Orientation is 1.
    The value is patched in place so offsets (maker notes) stay valid."""
    if not exif.startswith(EXIF_HEADER):
        exif = EXIF_HEADER + exif
    t = memoryview(exif)[6:]
    try:
        bo = {b"II": "<", b"MM": ">"}[bytes(t[:2])]
        (ifd,) = struct.unpack_from(bo + "I", t, 4)
        (n,) = struct.unpack_from(bo + "H", t, ifd)
        for i in range(n):
            entry = ifd + 2 + 12 * i
            tag, typ, count = struct.unpack_from(bo + "HHI", t, entry)
            if tag == ORIENTATION and count == 1 and typ in (3, 4):
                buf = bytearray(exif)
                struct.pack_into(bo + ("H" if typ == 3 else "I"), buf, 6 + entry + 8, 1)
                return bytes(buf)
        return exif  # no Orientation tag: nothing to reset
    except (KeyError, struct.error):
        pass
    try:  # unusual layout: let Pillow re-serialise it
        ex = Image.Exif()
        ex.load(exif)
        ex[ORIENTATION] = 1
        return ex.tobytes()
    except Exception:
        return None  # unreadable EXIF is dropped rather than failing the read


def exif_from_tiff(ex: Image.Exif) -> bytes | None:
    """EXIF bytes from a TIFF's own IFD, keeping only descriptive tags."""
    keep = Image.Exif()
    for tag in TIFF_DESCRIPTIVE_TAGS:
        if tag in ex:
            keep[tag] = ex[tag]
    for tag in TIFF_SUB_IFDS:
        if tag in ex and (sub := ex.get_ifd(tag)):
            keep[tag] = dict(sub)
    return keep.tobytes() if len(keep) else None


def exif_string_tags(exif: bytes | None) -> dict[int, str]:
    """IFD0 descriptive string tags (Make, Model, ...) from EXIF bytes."""
    if not exif:
        return {}
    ex = Image.Exif()
    try:
        ex.load(exif)
    except Exception:  # unreadable EXIF should not stop the write
        return {}
    return {t: ex[t] for t in TIFF_DESCRIPTIVE_TAGS if isinstance(ex.get(t), str) and ex[t].isascii()}


def png_header(data: bytes) -> tuple[int, int] | None:
    """(bit depth, colour type) from a PNG's IHDR, or None if not a PNG."""
    if data[:8] != PNG_SIGNATURE or data[12:16] != b"IHDR" or len(data) < 26:
        return None
    return data[24], data[25]


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def encode_png16(
    a: np.ndarray,
    icc: bytes | None = None,
    exif: bytes | None = None,
    text: dict[str, str] | None = None,
    dpi: tuple[float, float] | None = None,
) -> bytes:
    """16-bit PNG from uint16 H x W x C (C: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA),
    with metadata chunks placed before IDAT as the PNG spec requires."""
    h, w, c = a.shape
    out = [PNG_SIGNATURE, _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, (0, 4, 2, 6)[c - 1], 0, 0, 0))]
    if icc:
        out.append(_chunk(b"iCCP", b"ICC Profile\0\0" + zlib.compress(icc)))
    if dpi:
        ppm = [max(1, round(d / 0.0254)) for d in dpi]
        out.append(_chunk(b"pHYs", struct.pack(">IIB", ppm[0], ppm[1], 1)))
    for key, value in (text or {}).items():
        k = key.encode("latin-1")
        try:
            out.append(_chunk(b"tEXt", k + b"\0" + value.encode("latin-1")))
        except UnicodeEncodeError:  # iTXt: uncompressed UTF-8, no language tag
            out.append(_chunk(b"iTXt", k + b"\0\0\0\0\0" + value.encode("utf-8")))
    if exif:
        out.append(_chunk(b"eXIf", exif[6:] if exif.startswith(EXIF_HEADER) else exif))
    # Every row uses the "Up" filter (difference to the row above, mod 256).
    raw = np.empty((h, 1 + w * c * 2), np.uint8)
    raw[:, 0] = 2
    raw[:, 1:] = a.astype(">u2").reshape(h, -1).view(np.uint8)
    raw[1:, 1:] -= raw[:-1, 1:]  # numpy buffers overlapping operands
    z = zlib.compress(raw, ZLIB_LEVEL)
    del raw
    step = 1 << 24  # keep each IDAT well under the 2**31 chunk limit
    out += [_chunk(b"IDAT", z[i : i + step]) for i in range(0, len(z), step)]
    out.append(_chunk(b"IEND", b""))
    return b"".join(out)


def to_int(a: np.ndarray, deep: bool) -> np.ndarray:
    """Float [0, 1] -> uint8/uint16 by rounding (never truncation)."""
    top, dtype = (65535, np.uint16) if deep else (255, np.uint8)
    if a.dtype == bool:
        a = a.astype(np.float32)
    elif a.dtype.kind != "f":  # integer alpha of the other depth
        if a.dtype == dtype:
            return a
        a = a.astype(np.float32) / np.iinfo(a.dtype).max
    a = np.nan_to_num(a.astype(np.float32, copy=True), copy=False, nan=0.0)
    np.clip(a, 0, 1, out=a)
    a *= top
    return np.rint(a, out=a).astype(dtype)


def is_gray_palette(im: Image.Image) -> bool:
    """True when every palette entry is a shade of gray."""
    pal = np.array(im.getpalette() or [0, 0, 1], np.uint8).reshape(-1, 3)
    return bool((pal == pal[:, :1]).all())


def write_tiff16(f, data: np.ndarray, color_channels: int, icc: bytes | None, exif: bytes | None, dpi) -> None:
    """16-bit TIFF via tifffile. Only IFD0 EXIF tags (Make, Model, DateTime, ...) are
    kept: tifffile cannot write the Exif/GPS sub-IFDs."""
    import tifffile  # only needed here

    tags = exif_string_tags(exif)
    extra = [(t, "s", 0, v, True) for t, v in tags.items() if t not in (270, 305, 306)]
    tifffile.imwrite(
        f,
        data,
        photometric="rgb" if color_channels == 3 else "minisblack",
        extrasamples=["unassalpha"] if data.shape[2] > color_channels else None,
        compression="zlib",
        predictor=True,  # horizontal differencing: about a third smaller
        compressionargs={"level": ZLIB_LEVEL},
        iccprofile=icc,
        resolution=dpi,
        resolutionunit="INCH" if dpi else None,
        description=tags.get(270),
        software=tags.get(305, False),
        datetime=tags.get(306),
        metadata=None,
        extratags=extra,
    )
