"""The scan's findings as rows (one per photo, the same columns in CSV, JSON and HTML), duplicate
groups, the most unusual photos, and the per-task plan files."""
from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..batch import Failure
from ..atomic import write_bytes_atomically
from .duplicates import DUPLICATE_SIMILARITY, duplicate_groups
from .folder import Scanned
from .html import html_page
from .needs import PLAN_TASKS, command_for, needs_of, notes_of, task_for
from .outliers import MIN_PHOTOS, REASONS, UNUSUAL, measured_outlier_scores

COLUMNS = ("file", "width", "height", "megapixels", "noise_level", "damage_percent", "tone", "sharpness",
           "anomaly", "anomaly_reason", "duplicate_group", "needs", "notes", "command")
TOP_OUTLIERS = 10  # photos listed under "most unusual"


@dataclass
class Report:
    rows: list[dict]  # COLUMNS, plus "thumbnail" and "task" (not in the CSV)
    duplicates: list[list[str]]  # files of each group
    outliers: list[dict]  # the TOP_OUTLIERS rows with the highest anomaly score, highest first
    errors: list[str] = field(default_factory=list)  # one line per file that failed
    left_out: list[str] = field(default_factory=list)  # images of types restore does not read
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Photos per need, then duplicate groups and errors: the summary line and the HTML header."""
        counts: dict[str, int] = {"photos": len(self.rows)}
        for row in self.rows:
            for need in filter(None, row["needs"].split("; ")):
                counts[need] = counts.get(need, 0) + 1
        return {**counts, "duplicate groups": len(self.duplicates), "errors": len(self.errors)}


def _rounded(v: float, digits: int) -> float | None:
    return None if not math.isfinite(v) else round(float(v), digits)


def build_report(photos: list[Scanned], failed: list[Failure], left_out: list[Path] | None = None) -> Report:
    ms = [p.measurement for p in photos]
    if not ms:
        return Report([], [], [], [f.message for f in failed], [str(p) for p in left_out or []])
    groups = duplicate_groups(np.stack([m.embedding for m in ms]))
    group_of = {i: g + 1 for g, members in enumerate(groups) for i in members}
    scores = measured_outlier_scores(ms)
    rows = []
    for i, (p, m) in enumerate(zip(photos, ms)):
        rows.append({
            "file": str(p.path), "width": m.width, "height": m.height, "megapixels": round(m.megapixels, 2),
            "noise_level": round(m.noise, 1), "damage_percent": round(100 * m.damage, 2), "tone": m.tone,
            "sharpness": round(m.sharpness, 1), "anomaly": _rounded(scores.scores[i], 2),
            "anomaly_reason": REASONS[scores.reasons[i]] if scores.plain[i] >= UNUSUAL else "",
            "duplicate_group": group_of.get(i),
            "needs": "; ".join(needs_of(m)), "notes": "; ".join(notes_of(m)), "command": command_for(m, p.path),
            "task": task_for(m), "thumbnail": m.thumbnail,
        })
    ranked = sorted((r for r in rows if r["anomaly"] is not None), key=lambda r: -r["anomaly"])
    notes = []
    if len(rows) < MIN_PHOTOS:
        notes.append(f"outlier scores need at least {MIN_PHOTOS} photos; this scan has {len(rows)}")
    return Report(rows, [[rows[i]["file"] for i in g] for g in groups], ranked[:TOP_OUTLIERS],
                  [f.message for f in failed], [str(p) for p in left_out or []], notes)


def csv_text(report: Report) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: ("" if v is None else v) for k, v in r.items()} for r in report.rows)
    return buf.getvalue()


def json_text(report: Report) -> str:
    return json.dumps({
        "photos": [{c: r[c] for c in COLUMNS} for r in report.rows],
        "duplicates": report.duplicates,
        "duplicate_similarity": DUPLICATE_SIMILARITY,
        "most_unusual": [{"file": r["file"], "anomaly": r["anomaly"], "reason": r["anomaly_reason"]}
                         for r in report.outliers],
        "errors": report.errors,
        "left_out": report.left_out,
        "notes": report.notes,
    }, indent=1) + "\n"


def plan_lists(report: Report) -> dict[str, list[str]]:
    """{task: files whose suggested command is that task}, every task listed even when empty."""
    return {task: [r["file"] for r in report.rows if r["task"] == task] for task in PLAN_TASKS}


def write_reports(report: Report, out_dir: Path, plan: bool = False) -> list[Path]:
    """report.html, report.csv, report.json (and plan/<task>.txt), each written atomically."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {out_dir / "report.html": html_page(report), out_dir / "report.csv": csv_text(report),
               out_dir / "report.json": json_text(report)}
    if plan:
        (out_dir / "plan").mkdir(exist_ok=True)
        for task, files in plan_lists(report).items():
            written[out_dir / "plan" / f"{task}.txt"] = "".join(f + "\n" for f in files)
    for path, text in written.items():
        write_bytes_atomically(path, text)
    return list(written)
