"""What the web UI's buttons do, as plain functions over files and arrays:
no gradio here, so every tab is testable in-process without a browser.
The layout (restorer/ui/app.py) only wires widgets to these."""
from __future__ import annotations

import secrets
import shutil
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from ..engine import pick_device
from ..imageio import ImageReadError, ImageWriteError, Photo, read_image, suffix_for_format, write_image
from ..inference import Restorer
from ..tasks import TASKS
from ..tasks.base import Task
from ..tasks.segment import labels_of
from ..weights import WEIGHTS_DIR, WeightsError, read_info
from .controls import Control, build_options, controls_for
from .wording import page_message, ui_wording

PREVIEW_SIDE = 1600  # before/after previews are scaled down to this (the download is full size)
MASK_COLOUR = (255, 255, 255)  # brush colour of masks proposed by the damage detector
Progress = Callable[..., Any]  # gr.Progress or anything called as progress(fraction, desc=...)


def _no_progress(*_args: Any, **_kwargs: Any) -> None:
    return None


class UiError(Exception):
    """A message for the user (the app shows it as an error toast)."""


@dataclass
class Settings:
    out_dir: Path  # results, previews and fine-tune runs; the only folder the app serves besides examples/
    weights_dir: Path = WEIGHTS_DIR
    data_root: Path = field(default_factory=Path.cwd)  # fine-tune folders must lie inside it
    device: str = "auto"
    tile: int | None = None
    max_pixels: int = 50_000_000


class AppState:
    """Settings plus the models loaded so far (per task, weights file and device)
    and the weights each task uses now (a fine-tune run switches them)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.device = pick_device(settings.device)
        self.weights: dict[str, Path] = {}
        self._models: dict[tuple[str, str, str], Restorer] = {}
        self._lock = threading.Lock()

    def weights_for(self, task: Task) -> Path:
        return self.weights.get(task.name, self.settings.weights_dir / f"{task.weights_name}.safetensors")

    def restorer(self, task: Task) -> Restorer:
        path = self.weights_for(task)
        key = (task.name, str(path), str(self.device))
        with self._lock:
            if key not in self._models:
                try:
                    self._models[key] = Restorer.load(task, path, str(self.device.type), self.settings.tile)
                except WeightsError as e:
                    raise UiError(f"{task.name}: {e} (train some with the Fine-tune tab or `restore train`)") from None
            return self._models[key]

    def run_dir(self, kind: str) -> Path:
        d = self.settings.out_dir / f"{time.strftime('%Y%m%d-%H%M%S')}-{kind}-{secrets.token_hex(3)}"
        d.mkdir(parents=True)
        return d


def device_description(device: torch.device) -> str:
    if device.type == "cuda":
        return f"GPU: {torch.cuda.get_device_name(device)}"
    if device.type == "mps":
        return "GPU: Apple MPS"
    n = torch.get_num_threads()
    return f"CPU ({n} thread{'s' if n != 1 else ''}); no GPU found"


# ----------------------------------------------------------------------------- masks and previews


def to_uint8_rgb(pixels: np.ndarray) -> np.ndarray:
    px = pixels if pixels.shape[2] == 3 else np.repeat(pixels, 3, axis=2)
    return np.clip(np.rint(px * 255), 0, 255).astype(np.uint8)


def editor_value_for(files: list[str] | None) -> dict | None:
    """The brush editor's value showing the first upload (orientation applied,
    so the painted mask lines up with the photo the task reads)."""
    if not files:
        return None
    try:
        rgb = to_uint8_rgb(read_image(files[0]).pixels)
    except ImageReadError as e:
        raise UiError(page_message(e, files[0])) from None
    return {"background": rgb, "layers": [], "composite": rgb}


def mask_from_editor(value: dict | None) -> np.ndarray | None:
    """Bool HxW: every pixel painted on any layer (its alpha > 0); None if nothing is painted."""
    layers = [np.asarray(x) for x in (value or {}).get("layers") or [] if x is not None]
    painted = [x[..., 3] > 0 for x in layers if x.ndim == 3 and x.shape[2] == 4]
    if not painted:
        return None
    mask = np.logical_or.reduce(painted)
    return mask if mask.any() else None


def _save_png(arr: np.ndarray, path: Path) -> Path:
    Image.fromarray(arr.astype(np.uint8)).save(path)
    return path


def _save_preview(photo: Photo, path: Path) -> Path:
    im = Image.fromarray(to_uint8_rgb(photo.pixels))
    im.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
    im.save(path)
    return path


def _editor_background_file(value: dict | None, folder: Path) -> list[str]:
    """An image dropped straight into the brush editor (no file upload): saved as PNG."""
    bg = (value or {}).get("background")
    if bg is None:
        return []
    arr = np.asarray(bg)
    return [str(_save_png(arr[..., :3] if arr.ndim == 3 else arr, folder / "image.png"))]


# ----------------------------------------------------------------------------- restoring


@dataclass
class RunResult:
    before: Path  # preview of the first input
    after: Path  # preview of its result
    download: Path  # the result file itself, or a zip of all results
    outputs: list[Path]
    message: str
    stages: list[tuple[Path, str]] = field(default_factory=list)  # previews of the first input's further outputs, captioned
    failures: list[str] = field(default_factory=list)  # one line per upload that failed
    notes: list[str] = field(default_factory=list)  # what the task measured per upload (denoise: the noise level)

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
    outputs, failures, notes, taken, done = [], [], [], set(), 0
    first: tuple[Photo, dict[str, Photo], dict[str, Path]] | None = None
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
        done += 1
        if first is None:
            first = photo, results, written
    if first is None:  # no result: the run leaves no folder behind
        shutil.rmtree(run, ignore_errors=True)
        raise UiError("; ".join(failures) or "nothing restored")
    (run / "preview").mkdir()
    photo, results, written = first
    before, after = _save_preview(photo, run / "preview/before.png"), _save_preview(results[""], run / "preview/after.png")
    stages = [(_save_preview(p, run / f"preview/stage{key}.png"), written[key].name) for key, p in results.items() if key]
    download = outputs[0]
    if len(outputs) > 1:
        download = run / f"restored_{kind}.zip"
        with zipfile.ZipFile(download, "w", zipfile.ZIP_STORED) as z:  # photos are compressed already
            for p in outputs:
                z.write(p, p.name)
    progress(1.0, desc="done")
    return RunResult(before, after, download, outputs, f"{done} image(s) restored on {state.device.type}", stages,
                     failures, notes)


def make_options(options_cls: type, controls: list[Control], values: dict[str, Any], automatic: dict[str, bool] | None = None):
    """build_options, with the dataclass's own checks (ValueError) turned into a message for the user."""
    try:
        return build_options(options_cls, controls, values, automatic)
    except ValueError as e:
        raise UiError(ui_wording(str(e), controls)) from None


def _with_helpers(state: AppState, task: Task, options: Any) -> Callable[[Photo], Photo]:
    """The task on one photo, after the helper tasks its options ask for (inpaint auto: the
    damage detector), each with the weights this app uses for it."""
    restorer = state.restorer(task)
    helpers = {name: (state.restorer(TASKS[name]), opts) for name, opts in task.helpers(options).items()}
    if not helpers:
        return lambda photo: restorer(photo, options)
    return lambda photo: restorer.apply_after(photo, options, {n: h(photo, o) for n, (h, o) in helpers.items()})


def restore_images(
    state: AppState,
    task_name: str,
    files: list[str] | None,
    values: dict[str, Any],
    automatic: dict[str, bool] | None = None,
    editor: dict | None = None,
    progress: Progress = _no_progress,
) -> RunResult:
    """Run one task over the uploads; results in each input's format (or the task's) with its
    metadata, a zip when there are several. A painted mask (editor) feeds the task's "mask" field."""
    task = TASKS[task_name]
    if not task.command:
        raise UiError(f"{task_name} has its own tab")
    controls = controls_for(task.options)
    run = state.run_dir(task_name)
    files = list(files or []) or _editor_background_file(editor, run)
    if not files:
        raise UiError("drop one or more images first")
    values = dict(values)
    for c in controls:
        if c.kind == "mask":
            mask = mask_from_editor(editor)
            if mask is None and not c.optional:
                raise UiError(f"paint the {c.label} with the brush first (brush over what to change)")
            values[c.name] = _save_png(mask.astype(np.uint8) * 255, run / f"{c.name}.png") if mask is not None else None
        elif c.kind == "image" and not values.get(c.name) and not c.optional:
            raise UiError(f"upload the {c.label} image first")
    options = make_options(task.options, controls, values, automatic)
    progress(0.0, desc=f"loading {task_name} model")
    apply = _with_helpers(state, task, options)
    extras = task.extras(options)

    def process(photo: Photo) -> dict[str, Photo]:
        result = apply(photo)
        return {"": result, **{tag: fn(photo, result) for tag, fn in extras.items()}}

    result = run_files(state, run, task_name, files, process, progress, task.output_suffix, {"": task.output_format})
    settings = ", ".join(f"{c.name} {_shown(getattr(options, c.name))}" for c in controls if not c.is_file)
    result.message = (f"{task_name}{f' ({settings})' if settings else ''}: {result.message} "
                      f"with {state.weights_for(task).name}{result.closing_lines()}")
    return result


def _shown(value: Any) -> str:
    return "automatic" if value is None else str(value)


def propose_mask(state: AppState, files: list[str] | None, editor: dict | None) -> dict:
    """The brush editor's value with a layer painted where the damage detector
    (the `segment` task, whose output is a mask image, white = damage) finds damage."""
    if "segment" not in TASKS:
        raise UiError("no damage detector (segment task) is installed")
    task = TASKS["segment"]
    run = state.run_dir("propose")
    files = list(files or []) or _editor_background_file(editor, run)
    if not files:
        raise UiError("drop an image first")
    try:
        photo = read_image(files[0], max_pixels=state.settings.max_pixels)
    except ImageReadError as e:
        raise UiError(page_message(e, files[0])) from None
    mask = labels_of(state.restorer(task)(photo, task.options())) > 0
    layer = np.zeros((*mask.shape, 4), np.uint8)
    layer[mask] = (*MASK_COLOUR, 255)
    rgb = to_uint8_rgb(photo.pixels)
    return {"background": rgb, "layers": [layer], "composite": rgb}


# ----------------------------------------------------------------------------- fine-tuning


@dataclass
class FinetuneUpdate:
    curve: Path | None  # loss and validation curve PNG, once the run has written one
    message: str
    weights: Path | None = None  # set on the last update when the run succeeded


def check_folder(state: AppState, folder: str) -> Path:
    """A training folder on the server, inside the app's data root (never anywhere else)."""
    if not folder or not folder.strip():
        raise UiError("give the folder of training images")
    root = state.settings.data_root.resolve()
    path = (root / folder.strip()).resolve()  # relative to the root; absolute paths must lie inside it
    if path != root and root not in path.parents:
        raise UiError(f"{folder}: outside the folder this app may read ({root})")
    if not path.is_dir():
        raise UiError(f"{folder}: not a folder")
    return path


def finetune(
    state: AppState,
    folder: str,
    task_name: str,
    minutes: float,
    max_steps: int | None = None,
    batch_size: int = 8,
    patch: int | None = None,
    poll_seconds: float = 2.0,
) -> Iterator[FinetuneUpdate]:
    """Fine-tune the task's current weights (or train from scratch) on a folder,
    in a thread; yields the curve as it grows. On success the task switches
    to the new weights at once."""
    from ..train.config import TrainConfig
    from ..train.loop import train  # torch-heavy training import only when used

    if task_name not in TASKS:
        raise UiError(f"unknown task {task_name!r}")
    task = TASKS[task_name]
    data = check_folder(state, folder)
    current = state.weights_for(task)
    start = current if current.is_file() else None
    out = state.run_dir(f"finetune-{task_name}")
    cfg = TrainConfig(
        data=data, minutes=float(minutes), steps=int(max_steps) if max_steps else None, from_weights=start, out=out,
        batch_size=int(batch_size), patch=patch, device=state.device.type, val_every=25,
        checkpoint_minutes=0.1,  # the checkpoint also redraws curve.png, which the tab shows
    )
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["path"] = train(task, cfg, progress=False)
        except Exception as e:  # reported to the user; the thread must not die silently
            outcome["error"] = f"{type(e).__name__}: {e}"

    thread = threading.Thread(target=work, name=f"finetune-{task_name}", daemon=True)
    thread.start()
    origin = f"from {start.name}" if start else "from scratch"
    begun = time.monotonic()
    curve = out / "curve.png"
    while thread.is_alive():
        thread.join(poll_seconds)
        yield FinetuneUpdate(curve if curve.is_file() else None, f"training {task_name} {origin}: {time.monotonic() - begun:.0f} s")
    if "error" in outcome:
        raise UiError(f"fine-tuning failed: {outcome['error']}")
    path: Path = outcome["path"]
    state.weights[task_name] = path
    scores = read_info(path).meta.get("validation", {})
    summary = ", ".join(f"{k} {v}" for k, v in scores.items())
    yield FinetuneUpdate(curve if curve.is_file() else None, f"done: {task_name} now uses {path} ({summary})", path)
