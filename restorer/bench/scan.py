"""`restore bench scan`: what `restore scan` finds, on generated archives.

- duplicates: every photo and one generated rescan of it (scan_samples.rescan); precision and
  recall over all pairs at the chosen similarity, for the autoencoder embedding and a cheap
  alternative (a DCT of a rank-equalised colour thumbnail); --sweep shows other thresholds.
- outliers: a folder of N photos with planted ones (blank page, upside-down photo, screenshot of
  text, mis-scan); the rank of each by anomaly score, and how often a turned photo reaches the
  top 10 when each photo of the folder is the turned one in turn (by the score, and by the
  orientation net's upside-down score alone: what the other cues' outliers cost).
- speed: N photos generated from the data (crops, print-scan sizes, JPEG) in a temporary folder,
  scanned as `restore scan` does, twice: measuring, then from the cache.
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import torch

from ..scan.cache import ScanCache
from ..scan.codes import CodeReader, embedding_input, rank_equalised
from ..scan.duplicates import DUPLICATE_SIMILARITY
from ..scan.features import square
from ..scan.folder import scan_files
from ..scan.measure import Measurement, cache_version, load_scanner
from ..scan.outliers import measured_outlier_scores
from . import scan_samples as S
from .common import Table, load_clean, plain_photo

PARTS = ("duplicates", "outliers", "speed")
TOP = 10  # planted photos should rank within this many
# The cheap alternative embedding, chosen on bsds432 rescans as DUPLICATE_SIMILARITY was.
DCT_SIDE, DCT_KEEP, DCT_CROP = 32, 6, 0.8
DCT_SIMILARITY = 0.94
SWEEP = (0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
PRECISION_TARGET = 0.99  # --sweep also finds the lowest threshold this precise (how the shipped ones were chosen)


def load_all(folders: list[Path], limit: int | None) -> list[np.ndarray]:
    return [img for folder in folders for _, img in load_clean(folder, limit)]


def dct_embedding(img: np.ndarray) -> np.ndarray:
    """The low DCT frequencies of each rank-equalised colour channel of a centre-cropped thumbnail."""
    h, w = img.shape[:2]
    dy, dx = round(h * (1 - DCT_CROP) / 2), round(w * (1 - DCT_CROP) / 2)
    thumb = rank_equalised(square(img[dy : h - dy, dx : w - dx], DCT_SIDE)) - 0.5
    v = np.concatenate([cv2.dct(np.ascontiguousarray(thumb[..., c]))[:DCT_KEEP, :DCT_KEEP].flatten()[1:] for c in range(3)])
    return v / max(float(np.linalg.norm(v)), 1e-8)


def _autoencoder_embeddings(images: list[np.ndarray], reader: CodeReader, batch: int = 16) -> np.ndarray:
    return np.concatenate([reader.embeddings([embedding_input(i) for i in images[s : s + batch]])
                           for s in range(0, len(images), batch)])


def _pair_sims(emb: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Similarity of every pair, and whether it is a photo and its rescan (rows n..2n-1 rescan rows 0..n-1)."""
    i, j = np.triu_indices(len(emb), 1)
    return (emb @ emb.T)[i, j], (j - i == n) & (i < n)


def precision_recall(emb: np.ndarray, n: int, threshold: float) -> tuple[float, float, int]:
    """(precision, recall, pairs called duplicates) over all pairs."""
    sims, true = _pair_sims(emb, n)
    called = sims >= threshold
    tp = int((called & true).sum())
    return (tp / called.sum() if called.any() else 1.0), tp / true.sum(), int(called.sum())


def threshold_for_precision(emb: np.ndarray, n: int, target: float = PRECISION_TARGET) -> float:
    """The lowest threshold, on a 0.01 grid, whose pairs called duplicates are at least `target` precise."""
    for t in np.round(np.arange(0.0, 1.0001, 0.01), 2):
        if precision_recall(emb, n, float(t))[0] >= target:
            return float(t)
    return 1.0


def run_duplicates(folders: list[Path], device: str, limit: int | None, seed: int, sweep: bool) -> Table:
    photos = load_all(folders, limit)
    rng = np.random.default_rng(seed)
    images = photos + [S.rescan(p, rng) for p in photos]
    morph = load_scanner(device).codes
    embeddings = {"autoencoder": (_autoencoder_embeddings(images, morph), DUPLICATE_SIMILARITY),
                  "dct thumbnail": (np.stack([dct_embedding(i) for i in images]), DCT_SIMILARITY)}
    table = Table(["embedding", "threshold", "photos", "rescan pairs", "pairs called", "precision", "recall"])
    n = len(photos)
    for name, (emb, chosen) in embeddings.items():
        tried = {chosen: name}
        if sweep:
            tried |= {t: f"{name} (sweep)" for t in SWEEP if t != chosen}
            best = threshold_for_precision(emb, n)
            tried[best] = f"{name} (lowest at precision {PRECISION_TARGET:g})" if best != chosen else tried[chosen]
        for t, label in sorted(tried.items()):
            p, r, called = precision_recall(emb, n, t)
            table.add(label, t, n, n, called, round(p, 4), round(r, 4))
    return table


def _measure(images: list[np.ndarray], scanner) -> list[Measurement]:
    return [m for s in range(0, len(images), 16) for m in scanner.measure([plain_photo(i) for i in images[s : s + 16]])]


def _ranks(ms: list[Measurement]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    o = measured_outlier_scores(ms)
    ranks = np.empty(len(ms), int)
    ranks[np.argsort(-o.scores, kind="stable")] = np.arange(1, len(ms) + 1)
    return ranks, o.scores, o.reasons


def run_outliers(folders: list[Path], photos: int, device: str, limit: int | None, seed: int) -> Table:
    """The last two photos of the data become the turned photo and the mis-scan; the others are the
    ordinary photos (topped up with rescans of the first ones when there are too few)."""
    rng = np.random.default_rng(seed)
    pool = load_all(folders, limit)
    turn_src, mis_src, ordinary = pool[-2], pool[-1], pool[:-2]
    h, w = ordinary[0].shape[:2]
    planted = {"blank page": S.blank_page(h, w, rng), "upside down": S.upside_down(turn_src),
               "text screenshot": S.text_screenshot(h, w, rng), "mis-scan": S.mis_scan(mis_src, rng)}
    want = photos - len(planted)
    ordinary = ordinary[:want] + [S.rescan(ordinary[i % len(ordinary)], rng) for i in range(max(0, want - len(ordinary)))]
    scanner = load_scanner(device)
    base = _measure(ordinary, scanner)
    extra = _measure(list(planted.values()), scanner)
    ranks, scores, reasons = _ranks(base + extra)
    table = Table(["planted", "rank", "of", "score", "reason", f"in top {TOP}"])
    for k, name in enumerate(planted):
        i = len(base) + k
        table.add(name, int(ranks[i]), len(ranks), round(float(scores[i]), 2), reasons[i], bool(ranks[i] <= TOP))
    top = int(np.argmax(scores[: len(base)]))
    table.add("(the most unusual ordinary photo)", int(ranks[top]), len(ranks), round(float(scores[top]), 2), reasons[top], "")
    # Each original photo turned in its place, the other plants kept: is the turned one in the top 10?
    originals = min(len(ordinary), len(pool) - 2)
    turned = _measure([S.upside_down(p) for p in ordinary[:originals]], scanner)
    found, alone = [], []
    for i in range(originals):
        folder = base[:i] + [turned[i]] + base[i + 1:] + extra
        r, _, _ = _ranks(folder)
        found.append(int(r[i]))
        cue = np.array([m.upside_down for m in folder])  # the orientation net's score only: how much the others cost
        alone.append(int((cue > cue[i]).sum()) + 1)
    for label, f in ((f"upside down, each of {originals} photos in turn", found),
                     ("  the same, on the upside-down cue alone", alone)):
        arr = np.array(f)
        table.add(label, int(np.median(arr)), len(ranks), "", "median rank", f"{int((arr <= TOP).sum())}/{originals}")
    return table


def make_archive(folder: Path, sources: list[np.ndarray], n: int, seed: int) -> list[Path]:
    """n JPEGs like scanned prints: a random crop of a source photo, long side 800-2000 px, quality 90."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k in range(n):
        img = sources[int(rng.integers(len(sources)))]
        h, w = img.shape[:2]
        ch, cw = int(h * rng.uniform(0.6, 1)), int(w * rng.uniform(0.6, 1))
        y, x = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
        side = rng.uniform(800, 2000)
        s = side / max(ch, cw)
        crop = cv2.resize(img[y : y + ch, x : x + cw], (round(cw * s), round(ch * s)), interpolation=cv2.INTER_CUBIC)
        path = folder / f"scan{k:05d}.jpg"
        bgr = cv2.cvtColor(np.clip(np.rint(crop * 255), 0, 255).astype(np.uint8), cv2.COLOR_RGB2BGR)
        cv2.imwrite(str(path), bgr, [cv2.IMWRITE_JPEG_QUALITY, 90])
        paths.append(path)
    return paths


def run_speed(folders: list[Path], photos: int, device: str, limit: int | None, seed: int) -> Table:
    from ..scan.report import build_report, write_reports

    table = Table(["run", "photos", "seconds", "s/photo", "measured", "from cache", "torch threads"])
    with tempfile.TemporaryDirectory(prefix="scan-bench-") as tmp:
        paths = make_archive(Path(tmp) / "archive", load_all(folders, limit), photos, seed)
        version = cache_version()
        for run in ("first (measuring)", "second (cached)"):
            cache = ScanCache(Path(tmp) / "report", version).load()
            start = time.perf_counter()
            out = scan_files(paths, lambda: load_scanner(device), cache, progress=False, echo=lambda _: None)
            write_reports(build_report(out.photos, out.failed), Path(tmp) / "report", plan=True)
            took = time.perf_counter() - start
            table.add(run, photos, round(took, 1), round(took / photos, 3), out.measured, out.from_cache,
                      torch.get_num_threads())
    return table
