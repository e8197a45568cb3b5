"""report.html: one self-contained page (thumbnails embedded, a few lines of inline script for
sorting and filtering), opened from disk with no server."""
from __future__ import annotations

from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from .damage import DAMAGE_PROBABILITY, DAMAGED_FRACTION
from .duplicates import DUPLICATE_SIMILARITY
from .features import BLURRED_SHARPNESS, NOISY_LEVEL, SMALL_MEGAPIXELS

if TYPE_CHECKING:
    from .report import Report

STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ddd}
.chips span{display:inline-block;background:#eef;border-radius:1em;padding:.15em .7em;margin:.15em}
.cards{display:flex;flex-wrap:wrap;gap:.8em}.card{width:150px;font-size:12px;word-break:break-all}
.group{display:flex;flex-wrap:wrap;gap:.8em;padding:.5em 0;border-bottom:1px dashed #ccc}
img{max-width:128px;max-height:128px;display:block}
table{border-collapse:collapse}th,td{padding:.25em .5em;border-bottom:1px solid #eee;vertical-align:top;text-align:left}
th{cursor:pointer;background:#f4f4f4;position:sticky;top:0;white-space:nowrap}
th[data-dir=asc]::after{content:" \\25B2"}th[data-dir=desc]::after{content:" \\25BC"}
td.num{text-align:right}code{font-size:12px;user-select:all;word-break:break-all}.why{color:#a40}.err{color:#b00}
#photos img{max-width:96px;max-height:96px}td.file{max-width:240px;word-break:break-all}td.cmd{max-width:340px}
td.needs{white-space:nowrap}
"""

SCRIPT = """
document.querySelectorAll("th[data-type]").forEach(th => th.addEventListener("click", () => {
  const i = [...th.parentNode.children].indexOf(th), body = th.closest("table").tBodies[0];
  const dir = th.dataset.dir === "asc" ? "desc" : "asc", num = th.dataset.type === "num";
  th.parentNode.querySelectorAll("th").forEach(h => delete h.dataset.dir); th.dataset.dir = dir;
  const key = tr => { const v = tr.children[i].dataset.v ?? tr.children[i].textContent;
    return num ? (v === "" ? -Infinity : parseFloat(v)) : v.toLowerCase(); };
  body.append(...[...body.rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0) * (dir === "asc" ? 1 : -1)));
}));
document.getElementById("filter").addEventListener("input", e => { const q = e.target.value.toLowerCase();
  for (const tr of document.querySelector("#photos tbody").rows) tr.hidden = !tr.textContent.toLowerCase().includes(q); });
"""

# (heading, row key, numeric?) of the photo table, after the thumbnail
TABLE = (("file", "file", False), ("width x height", "megapixels", True), ("noise", "noise_level", True),
         ("damage %", "damage_percent", True), ("tone", "tone", False), ("sharpness", "sharpness", True),
         ("anomaly", "anomaly", True), ("duplicate group", "duplicate_group", True), ("needs", "needs", False),
         ("command", "command", False))


def _link(file: str) -> str:
    try:
        return Path(file).resolve().as_uri()
    except ValueError:
        return ""


def _thumb(row: dict) -> str:
    return (f'<a href="{escape(_link(row["file"]))}"><img loading="lazy" alt="" '
            f'src="data:image/jpeg;base64,{row["thumbnail"]}"></a>')


def _card(row: dict, caption: str) -> str:
    return f'<div class="card">{_thumb(row)}{escape(row["file"])}<br>{caption}</div>'


def _cell(row: dict, key: str, numeric: bool) -> str:
    v = row[key]
    shown = "" if v is None else str(v)
    if key == "megapixels":
        shown = f'{row["width"]} x {row["height"]}<br>{v} MP'
    elif key == "file":
        return f'<td class="file">{escape(v)}</td>'
    elif key == "needs":
        return f'<td class="needs">{"<br>".join(escape(n) for n in v.split("; "))}</td>'
    elif key == "command":
        shown = f"<code>{escape(v)}</code>" if v else ""
        return f'<td class="cmd">{shown}{"".join(f"<br>{escape(n)}" for n in filter(None, row["notes"].split("; ")))}</td>'
    elif key == "anomaly" and v is not None:
        shown = f'{v} <span class="why">{escape(row["anomaly_reason"])}</span>'
        return f'<td data-v="{v}">{shown}</td>'
    else:
        shown = escape(shown)
    if numeric:
        return f'<td class="num" data-v="{"" if v is None else v}">{shown}</td>'
    return f"<td>{shown}</td>"


def html_page(report: Report) -> str:
    by_file = {r["file"]: r for r in report.rows}
    counts = report.counts()
    parts = [f"<h1>Scan of {counts['photos']} photo(s)</h1>",
             '<div class="chips">' + "".join(f"<span>{escape(k)}: {v}</span>" for k, v in counts.items()) + "</div>"]
    parts += [f"<p>{escape(n)}</p>" for n in report.notes]
    if report.errors or report.left_out:
        parts.append("<h2>Not scanned</h2><ul>" + "".join(f'<li class="err">{escape(e)}</li>' for e in report.errors)
                     + "".join(f"<li>{escape(p)}: a type restore does not read</li>" for p in report.left_out) + "</ul>")
    if report.outliers:
        parts.append("<h2>Most unusual</h2><p>Anomaly score: 1 is as unusual as the 10th most unusual photo in 100 "
                     "on that measure; a mis-scan, blank page or turned photo scores far higher.</p><div class=cards>"
                     + "".join(_card(r, f'<b>{r["anomaly"]}</b> <span class="why">{escape(r["anomaly_reason"])}</span>')
                               for r in report.outliers) + "</div>")
    parts.append(f"<h2>Duplicates ({len(report.duplicates)} group(s))</h2>")
    parts += ['<div class="group">' + "".join(_card(by_file[f], f"group {g}") for f in files) + "</div>"
              for g, files in enumerate(report.duplicates, 1)] or ["<p>None found.</p>"]
    head = "<th></th>" + "".join(f'<th data-type="{"num" if n else "text"}">{escape(h)}</th>' for h, _, n in TABLE)
    body = "".join("<tr><td>" + _thumb(r) + "</td>" + "".join(_cell(r, k, n) for _, k, n in TABLE) + "</tr>"
                   for r in report.rows)
    parts.append('<h2>All photos</h2><p><input id="filter" placeholder="filter rows, e.g. noisy" size="30"> '
                 "Click a heading to sort; click a thumbnail to open the photo.</p>"
                 f'<table id="photos"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')
    parts.append(f"<p><small>noisy: level above {NOISY_LEVEL:g} (0-255); damaged: more than "
                 f"{100 * DAMAGED_FRACTION:g} % marked by the damage detector at probability "
                 f"{DAMAGE_PROBABILITY:g}; blurred: sharpness below "
                 f"{BLURRED_SHARPNESS:g}; small: under {SMALL_MEGAPIXELS:g} MP; duplicates: cosine similarity of "
                 f"the autoencoder codes at least {DUPLICATE_SIMILARITY:g}.</small></p>")
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>restore scan</title>'
            f"<style>{STYLE}</style></head><body>{''.join(parts)}<script>{SCRIPT}</script></body></html>\n")
