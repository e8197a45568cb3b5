"""Large-image benchmark: wall time and peak memory of the real CLI on a
synthetic photo-sized image, run in a child process so its peak RSS is its own."""
from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from .common import Table


def synthetic_photo(path: Path, width: int, height: int, sigma: float, seed: int = 0) -> None:
    """Smooth shapes plus Gaussian noise, built in row bands to keep this process small."""
    rng = np.random.default_rng(seed)
    xs = np.arange(width, dtype=np.float32)
    out = np.empty((height, width, 3), np.uint8)
    for y0 in range(0, height, 512):
        yy = np.arange(y0, min(height, y0 + 512), dtype=np.float32)[:, None]
        band = np.stack([0.5 + 0.35 * np.sin(xs / (211 + 37 * c) + yy / (173 + 29 * c)) for c in range(3)], axis=2)
        band += rng.normal(0, sigma / 255, band.shape).astype(np.float32)
        out[y0 : y0 + len(yy)] = np.clip(np.rint(band * 255), 0, 255).astype(np.uint8)
    Image.fromarray(out).save(path)


# A fresh wrapper per measurement, so RUSAGE_CHILDREN's peak is this run's alone (KiB on Linux).
_MEASURE = (
    "import resource, subprocess, sys; p = subprocess.run(sys.argv[1:]); "
    "print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def run(task: str, width: int, height: int, tiles: list[int], extra: list[str]) -> Table:
    table = Table(["task", "image", "tile", "seconds", "s/MP", "peak RSS (GB)", "exit"])
    restore = str(Path(sys.executable).with_name("restore"))
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "large.png"
        synthetic_photo(src, width, height, sigma=25)
        mp = width * height / 1e6
        for tile in tiles:
            cmd = [restore, task, str(src), "-o", str(Path(tmp) / f"out{tile}"), "-q", "--tile", str(tile), *extra]
            t = time.perf_counter()
            proc = subprocess.run([sys.executable, "-c", _MEASURE, *cmd], capture_output=True, text=True)
            secs = time.perf_counter() - t
            code, peak_kib = (int(v) for v in proc.stdout.split()[-2:])
            table.add(task, f"{width}x{height}", tile, round(secs, 1), round(secs / mp, 2), round(peak_kib / 2**20, 2), code)
            if code:
                print(proc.stderr, file=sys.stderr)
    return table
