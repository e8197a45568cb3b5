"""Files that go with a photo (inpaint's masks, colorize's hints): given as one file for every
photo, or as a folder holding one per photo, matched by file name (photo.jpg <- masks/photo.png)."""
from __future__ import annotations

from pathlib import Path

from .imageio import SUPPORTED_SUFFIXES, Photo


def find_companion(photo: Photo, where: Path, kind: str, tags: tuple[str, ...] = ("",)) -> Path:
    """The `kind` file itself (e.g. "mask"), or the file in the folder named like the photo (any image
    suffix, never the photo itself) plus one of `tags`, tried in turn (("_1_mask", ""): photo_1_mask.png,
    else photo.png). FileNotFoundError / ValueError with one line naming what is missing."""
    where = Path(where)
    if where.is_file():
        return where
    if not where.is_dir():
        raise FileNotFoundError(f"{where}: {kind} file or folder not found")
    if photo.source is None:
        raise ValueError(f"a {kind} folder ({where}) needs photos read from files")
    src = photo.source
    stems = [src.stem + tag for tag in tags]
    named = [
        p for p in where.iterdir()
        if p.stem in stems and p.suffix.lower() in SUPPORTED_SUFFIXES and p.is_file() and p.resolve() != src.resolve()
    ]
    for stem in stems:
        hits = sorted(p for p in named if p.stem == stem)
        if hits:
            return hits[0]
    raise FileNotFoundError(f"{src}: no {kind} named {' or '.join(s + '.*' for s in stems)} in {where}")
