"""Running one tab's work over the uploads: each result written in its input's format
with its metadata, previews for the before/after slider and the gallery, a zip when
there are several, one line per file that failed."""
from __future__ import annotations

import shutil
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from ..imageio import ImageReadError, ImageWriteError, Photo, read_image, suffix_for_format, write_image
from .editor import to_uint8_rgb
from .state import AppState, Progress, UiError
from .wording import page_message

PREVIEW_SIDE = 1600  # before/after previews are scaled down to this (the download is full size)
GALLERY_LIMIT = 48  # results beyond this many are in the download, not in the gallery


def save_preview(photo: Photo, path: Path) -> Path:
    im = Image.fromarray(to_uint8_rgb(photo.pixels))
    im.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
    im.save(path)
    return path


NEAREST_NOTE = " (before: enlarged by nearest neighbour, its pixels as they were)"


def save_pair(before: Photo, after: Photo, folder: Path, n: int) -> tuple[Path, Path, str]:
    """(before, after, caption note) previews at one display size, so the slider compares like with like: a
    result of another size (upscale) has its input enlarged by nearest neighbour to the result's preview."""
    after_path = save_preview(after, folder / f"{n}_after.png")
    if before.pixels.shape[:2] == after.pixels.shape[:2]:
        return save_preview(before, folder / f"{n}_before.png"), after_path, ""
    with Image.open(after_path) as shown:
        size = shown.size
    Image.fromarray(to_uint8_rgb(before.pixels)).resize(size, Image.Resampling.NEAREST).save(folder / f"{n}_before.png")
    return folder / f"{n}_before.png", after_path, NEAREST_NOTE


@dataclass(frozen=True)
class Shown:
    """One result as the page shows it: previews for the slider and the gallery."""

    before: Path
    after: Path
    caption: str  # the result's file name


@dataclass
class RunResult:
    shown: list[Shown]  # the first GALLERY_LIMIT results, in upload order
    download: Path  # the result file itself, or a zip of all results
    outputs: list[Path]
    message: str
    stages: list[tuple[Path, str]] = field(default_factory=list)  # previews of the first input's further outputs, captioned
    failures: list[str] = field(default_factory=list)  # one line per upload that failed
    notes: list[str] = field(default_factory=list)  # what the task measured per upload (denoise: the noise level)

    @property
    def before(self) -> Path:
        return self.shown[0].before

    @property
    def after(self) -> Path:
        return self.shown[0].after

    def closing_lines(self) -> str:
        """The failures, then the notes, as the end of the status message."""
        failed = f"; {len(self.failures)} failed: " + "; ".join(self.failures) if self.failures else ""
        return failed + "".join(f"\n- {n}" for n in self.notes)


# What one photo gives: {"": the result, tag: a further output (stage, overlay) written as photo<tag>.<ext>}
Process = Callable[[Photo], dict[str, Photo]]


def _output_path(folder: Path, source: Path, suffix: str, taken: set[str]) -> Path:
    stem, n = source.stem, 1
    while f"{stem}{suffix}".lower() in taken:  # two uploads with one name
        stem, n = f"{source.stem}_{n}", n + 1
    taken.add(f"{stem}{suffix}".lower())
    return folder / f"{stem}{suffix}"


def _ext(fmt: str | None, source: Path) -> str:
    return suffix_for_format(fmt) if fmt else source.suffix


def run_files(state: AppState, run: Path, kind: str, files: list[str], process: Process, progress: Progress,
              tag: str = "", formats: dict[str, str | None] | None = None) -> RunResult:
    """process() over each upload: its result written as <name><tag>.<ext> (formats[""], else the input's),
    further outputs as <name><tag><their tag>.<ext>; a zip when there are several files; one failure per bad file."""
    formats = formats or {}
    outputs, failures, notes, shown, taken = [], [], [], [], set()
    stages: list[tuple[Path, str]] = []
    (run / "preview").mkdir(exist_ok=True)
    for i, name in enumerate(files):
        progress(i / len(files), desc=f"{kind}: image {i + 1} of {len(files)}")
        source = Path(name)
        try:
            photo = read_image(name, max_pixels=state.settings.max_pixels)
            results = process(photo)
            base = _output_path(run, source, tag, taken)
            written = {}
            for key, result in results.items():
                fmt = formats.get(key) or formats.get("")
                written[key] = base.with_name(f"{base.name}{key}{_ext(fmt, source)}")
                write_image(result, written[key], format=fmt)
        except (ImageReadError, ImageWriteError, ValueError, FileNotFoundError) as e:
            failures.append(page_message(e, source))
            continue
        outputs.extend(written.values())
        notes += [f"{source.name}: {n}" for n in results[""].notes]
        n = len(shown)
        if n < GALLERY_LIMIT:
            before, after, note = save_pair(photo, results[""], run / "preview", n)
            shown.append(Shown(before, after, written[""].name + note))
        if not stages:  # the first photo's further outputs (old photo's stages, segment's overlay)
            stages = [(save_preview(p, run / f"preview/stage{key}.png"), written[key].name) for key, p in results.items() if key]
    if not outputs:  # no result: the run leaves no folder behind
        shutil.rmtree(run, ignore_errors=True)
        raise UiError("; ".join(failures) or "nothing restored")
    download = outputs[0]
    if len(outputs) > 1:
        download = run / f"restored_{kind}.zip"
        with zipfile.ZipFile(download, "w", zipfile.ZIP_STORED) as z:  # photos are compressed already
            for p in outputs:
                z.write(p, p.name)
    progress(1.0, desc="done")
    done = len(files) - len(failures)
    message = f"{done} image(s) restored on {state.device.type} at {time.strftime('%H:%M:%S')}"
    return RunResult(shown, download, outputs, message, stages, failures, notes)
