"""The Scan tab's handlers: `restore scan` over uploads or a folder inside the data root, the
table and lists it shows, and the photos the user picks handed to a task's tab. Plain functions,
as in handlers.py; the layout is in tabs_scan.py."""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..batch import collect_inputs
from ..scan.cache import ScanCache
from ..scan.codes import CodeReader
from ..scan.folder import scan_files
from ..scan.measure import Scanner, cache_version
from ..scan.report import build_report, write_reports
from ..tasks import TASKS
from .state import AppState, Progress, UiError, check_folder

COLUMNS = ["photo", "size", "noise", "damage %", "tone", "sharpness", "anomaly", "duplicate group", "needs", "suggested"]
SEND_TASKS = ("oldphoto", "denoise", "colorize", "upscale", "inpaint", "segment")  # tabs a photo can be sent to


def _no_progress(*_args, **_kwargs) -> None:
    return None


@dataclass
class ScanView:
    table: list[list]  # COLUMNS
    duplicates: str  # markdown
    outliers: str  # markdown
    report: Path  # report.html, self-contained
    photos: dict[str, dict] = field(default_factory=dict)  # label -> {"path": server path, "task": suggested task or None}
    message: str = ""


def _unique(names: list[str]) -> list[str]:
    """Names as the user knows them (the upload's name, or the path inside the folder), made unique:
    a.jpg, a.jpg (2)."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n} ({seen[n]})")
    return out


def scan_photos(state: AppState, files: list[str] | None, folder: str | None = None,
                progress: Progress = _no_progress) -> ScanView:
    if folder and folder.strip():
        inputs, failures = collect_inputs([check_folder(state, folder)], recursive=True)
        paths, names = [p for p, _ in inputs], [rel.as_posix() for _, rel in inputs]
    else:
        paths, failures = [Path(f) for f in files or []], []
        names = [p.name for p in paths]
    if not paths:
        raise UiError("drop some photos, or give a folder with photos in it")
    seg_w, ae_w = state.weights_for(TASKS["segment"]), state.weights_for(TASKS["morph"])
    cache = ScanCache(state.settings.out_dir / "scan-cache", cache_version(seg_w, ae_w)).load()

    def load() -> Scanner:
        progress(0.0, desc="loading the damage detector and the autoencoder")
        morph = state.restorer(TASKS["morph"])
        return Scanner(state.restorer(TASKS["segment"]).predict, CodeReader(morph.predict.model, morph.predict.device))

    out = scan_files(paths, load, cache, max_pixels=state.settings.max_pixels, progress=False, echo=lambda _: None)
    labels = dict(zip(paths, _unique(names)))
    report = build_report(out.photos, failures + out.failed)
    run = state.run_dir("scan")
    write_reports(report, run, plan=True)
    name = {r["file"]: labels[p.path] for r, p in zip(report.rows, out.photos)}
    table = [[name[r["file"]], f'{r["width"]} x {r["height"]}', r["noise_level"], r["damage_percent"], r["tone"],
              r["sharpness"], r["anomaly"], r["duplicate_group"] or "", r["needs"], r["task"] or ""] for r in report.rows]
    groups = [", ".join(name[f] for f in g) for g in report.duplicates]
    duplicates = "\n".join(f"- group {i}: {g}" for i, g in enumerate(groups, 1)) or "No duplicates found."
    outliers = "\n".join(f"- {name[r['file']]}: {r['anomaly']}" + (f" ({r['anomaly_reason']})" if r["anomaly_reason"] else "")
                         for r in report.outliers) or "; ".join(report.notes) or "No scores."
    photos = {name[r["file"]]: {"path": r["file"], "task": r["task"]} for r in report.rows}
    failed = [e.replace(str(p), labels.get(p, p.name)) for p, e in ((f.path, f.message) for f in failures + out.failed)]
    message = (f"{len(report.rows)} photo(s) scanned ({out.from_cache} from the cache) on {state.device.type}"
               + (f"; {len(failed)} failed: " + "; ".join(failed) if failed else ""))
    progress(1.0, desc="done")
    return ScanView(table, "**Duplicates**\n\n" + duplicates, "**Most unusual**\n\n" + outliers, run / "report.html",
                    photos, message)


def suggested(photos: dict[str, dict], task: str) -> list[str]:
    """The photos whose suggested task is `task`."""
    return [label for label, p in photos.items() if p["task"] == task]


def send_to_task(state: AppState, chosen: list[str] | None, photos: dict[str, dict], task: str) -> list[str]:
    """Copies of the chosen photos in a run folder of the app (the only place it serves files from,
    whether they came as uploads or from the data folder), for the task tab's file input."""
    if task not in SEND_TASKS:
        raise UiError(f"unknown task {task!r}")
    if not chosen:
        raise UiError("tick the photos to send first")
    run = state.run_dir(f"scan-to-{task}")
    sent = []
    for i, label in enumerate(chosen):
        if label not in photos:
            raise UiError(f"{label}: not in the last scan; scan again")
        source = Path(photos[label]["path"])
        dest = run / f"{i:03d}" / source.name  # one folder each: two photos may share a name
        dest.parent.mkdir()
        shutil.copyfile(source, dest)
        sent.append(str(dest))
    return sent
