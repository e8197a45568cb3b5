"""The scan of a list of files: hash each, take its measurements from the cache or read it and
measure it (the models in batches, loaded only when some photo is not cached), with a progress
bar. A file that cannot be read or measured is one Failure, echoed at once; the scan goes on."""
from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from ..batch import Failure, one_line, print_to_stderr
from ..imageio import DEFAULT_MAX_PIXELS, read_image
from .cache import ScanCache, file_digest
from .measure import Measurement, Prepared, Scanner
from .orientation import weights_side

BATCH = 16  # photos per model pass: few enough that their small copies take little memory
SAVE_EVERY = 200  # measured photos between cache saves, so an interrupted scan keeps most of its work


@dataclass
class Scanned:
    path: Path  # as found (the argument, or a file in a folder argument)
    digest: str
    measurement: Measurement


@dataclass
class ScanOutcome:
    photos: list[Scanned] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
    from_cache: int = 0
    measured: int = 0
    elapsed: float = 0.0


def _failure(path: Path, e: BaseException) -> Failure:
    msg = one_line(e)
    return Failure(path, msg if msg.startswith(str(path)) else f"{path}: {msg}")


def scan_files(
    paths: Sequence[Path],
    load_scanner: Callable[[], Scanner],
    cache: ScanCache,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    progress: bool = True,
    echo: Callable[[str], None] = print_to_stderr,
) -> ScanOutcome:
    """Measurements for `paths`, in their order (failed files left out)."""
    out = ScanOutcome()
    start = time.monotonic()
    found: dict[int, Scanned] = {}
    pending: list[tuple[int, Path, str, Prepared]] = []
    scanner: Scanner | None = None
    orient_side = weights_side()  # the shipped net's, read without loading it; Scanner.finish resamples for another
    bar = tqdm(paths, disable=not progress, file=sys.stderr, unit="photo", dynamic_ncols=True, leave=False)

    def say(msg: str) -> None:
        if bar.disable:
            echo(msg)
        else:
            with bar.external_write_mode(file=sys.stderr):
                echo(msg)

    def fail(path: Path, e: BaseException) -> None:
        out.failed.append(_failure(path, e))
        say(out.failed[-1].message)

    def flush() -> None:
        nonlocal scanner
        if not pending:
            return
        if scanner is None:
            scanner = load_scanner()
        try:
            done = scanner.finish([p for *_, p in pending])
        except Exception:  # noqa: BLE001 - find the photo that failed, keep the others
            done = []
            for i, path, _, prepared in pending:
                try:
                    done += scanner.finish([prepared])
                except Exception as e:  # noqa: BLE001
                    fail(path, e)
                    done.append(None)
        for (i, path, digest, _), m in zip(pending, done):
            if m is not None:
                cache.put(digest, m)
                found[i] = Scanned(path, digest, m)
                out.measured += 1
                if out.measured % SAVE_EVERY == 0:
                    cache.save()
        pending.clear()

    try:
        for i, path in enumerate(bar):
            bar.set_postfix_str(path.name, refresh=False)
            try:
                if not path.is_file():
                    read_image(path)  # a folder, pipe or missing file: its one-line reason, without blocking on a pipe
                data = path.read_bytes()
            except OSError as e:
                fail(path, OSError(f"cannot read file ({e.strerror or e})"))
                continue
            except Exception as e:  # noqa: BLE001
                fail(path, e)
                continue
            digest = file_digest(data)
            cached = cache.get(digest)
            if cached is not None:
                found[i] = Scanned(path, digest, cached)
                out.from_cache += 1
                continue
            try:
                pending.append((i, path, digest, Scanner.prepare(read_image(path, max_pixels=max_pixels), orient_side)))
            except Exception as e:  # noqa: BLE001 - one bad file must not end the scan
                fail(path, e)
                continue
            if len(pending) >= BATCH:
                flush()
        flush()
    finally:  # also on Ctrl-C: what was measured is kept for the next run
        bar.close()
        cache.save()
    out.photos = [found[i] for i in sorted(found)]
    out.elapsed = time.monotonic() - start
    return out
