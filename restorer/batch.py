"""The one batch loop behind every `restore <task>` command: find the inputs, decide
where each result goes (never over an original unless asked), then read, process
and write file by file, so that one bad file costs one failure, not the batch."""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from .imageio import SUPPORTED_SUFFIXES, Photo, format_for_suffix, read_image, suffix_for_format, write_image

# Images that a folder walk finds but restore does not read (animations, camera raw, HEIF, layered files): named in
# the summary so a photographer knows they were not restored. Other files (sidecars, notes) pass unmentioned.
OTHER_IMAGE_SUFFIXES = frozenset({
    ".gif", ".heic", ".heif", ".avif", ".jxl", ".jp2", ".j2k", ".psd", ".tga", ".ico", ".dng", ".cr2", ".cr3",
    ".crw", ".nef", ".nrw", ".arw", ".srf", ".sr2", ".raf", ".orf", ".rw2", ".pef", ".srw", ".x3f", ".raw",
    ".svg", ".svgz", ".exr", ".hdr", ".pdf", ".eps",
})


@dataclass(frozen=True)
class OutputPolicy:
    out_dir: Path  # where results go (the CLI defaults it to ./restored)
    suffix: str = ""  # appended to the stem: photo.jpg -> photo<suffix>.jpg
    format: str | None = None  # force the output format ("PNG"); None = the input's
    overwrite: bool = False  # replace an existing output file
    skip_existing: bool = False  # skip quietly when the output exists (wins over overwrite)
    in_place: bool = False  # allow the output to be the input file itself
    tag: str = ""  # the task's mark on the name, before suffix: photo.jpg -> photo<tag><suffix>.png
    # Further files per input, {tag: format or None for the main one's}: photo<tag><suffix>.<ext>.
    extras: dict[str, str | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_suffix(self.suffix)


def check_suffix(suffix: str) -> None:
    """A suffix is part of a file name: a separator in it would write outside the output folder."""
    if "/" in suffix or "\\" in suffix or "\0" in suffix:  # every platform's separators, and NUL
        raise ValueError(f"suffix {suffix!r} must not contain path separators")


@dataclass(frozen=True)
class Job:
    source: Path
    dest: Path
    extras: dict[str, Path] = field(default_factory=dict)  # tag -> destination of that extra file
    # Replace a file found at the destination when writing: --overwrite, or the original itself
    # with --in-place. Otherwise a file that appeared after planning (another run) is kept.
    replace: bool = False


# What processing one photo gives: the result, or {"": result, tag: extra photo, ...}.
Result = Photo | dict[str, Photo]


@dataclass
class Failure:
    path: Path  # the input file (or argument) that failed
    message: str  # one line, starts with the path


@dataclass
class Summary:
    done: list[Path] = field(default_factory=list)  # destinations written (or that would be, in a dry run)
    skipped: list[Path] = field(default_factory=list)  # sources whose output already existed
    failed: list[Failure] = field(default_factory=list)
    elapsed: float = 0.0
    dry_run: bool = False
    left_out: list[Path] = field(default_factory=list)  # images in the folders of a type restore does not read

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1


def one_line(exc: BaseException) -> str:
    """First non-empty line of the message, or the class name when there is none."""
    for line in str(exc).splitlines():
        if line.strip():
            return " ".join(line.split())
    return type(exc).__name__


def print_to_stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _fail(path: Path, why: str) -> Failure:
    return Failure(path, f"{path}: {why}")


def _hidden(name: str) -> bool:
    return name.startswith(".")


def same_file(a: Path, b: Path) -> bool:
    """Same file, also through hard links and case-insensitive file systems."""
    if a.resolve() == b.resolve():
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist
        return False


# ----------------------------------------------------------------------------- inputs


def _walk(folder: Path, recursive: bool, exclude: Path | None, failures: list[Failure],
          left_out: list[Path]) -> list[tuple[Path, Path]]:
    found: list[tuple[Path, Path]] = []
    skip = exclude.resolve() if exclude is not None else None

    def on_error(e: OSError) -> None:
        failures.append(_fail(Path(e.filename or folder), f"cannot list folder ({e.strerror or e})"))

    # os.walk does not follow symlinked folders, so link loops cannot trap it.
    for root, dirs, files in os.walk(folder, onerror=on_error):
        root_p = Path(root)
        dirs[:] = sorted(
            d for d in dirs if recursive and not _hidden(d) and (skip is None or (root_p / d).resolve() != skip)
        )
        for name in sorted(files):
            p = root_p / name
            if _hidden(name) or not p.is_file():
                continue
            suffix = p.suffix.lower()
            if suffix in SUPPORTED_SUFFIXES:
                found.append((p, p.relative_to(folder)))
            elif suffix in OTHER_IMAGE_SUFFIXES:
                left_out.append(p)
    return found


def collect_inputs(
    paths: Sequence[Path], recursive: bool, exclude: Path | None = None, left_out: list[Path] | None = None
) -> tuple[list[tuple[Path, Path]], list[Failure]]:
    """(file, path relative to the output folder) pairs, in argument order with each
    folder's files sorted; a file reached twice is kept once (first occurrence).
    `exclude` (the output folder) is pruned while walking so re-runs skip their own output.
    Images of types restore does not read, found in folders, are added to `left_out`."""
    left_out = [] if left_out is None else left_out
    pairs: list[tuple[Path, Path]] = []
    failures: list[Failure] = []
    seen: set[Path] = set()
    for arg in map(Path, paths):
        if not os.path.exists(arg):
            failures.append(_fail(arg, "no such file or directory"))
            continue
        # An explicit file is attempted whatever its name: the reader gives a clear error.
        found = _walk(arg, recursive, exclude, failures, left_out) if arg.is_dir() else [(arg, Path(arg.name))]
        for path, rel in found:
            key = path.resolve()
            if key not in seen:
                seen.add(key)
                pairs.append((path, rel))
    return pairs, failures


# ------------------------------------------------------------------------------- plan


def _out_suffix(source: Path, fmt: str | None) -> str:
    if fmt is None:
        return source.suffix
    try:
        if format_for_suffix(source.suffix) == fmt.upper():
            return source.suffix  # already that format: keep photo.JPEG as .JPEG
    except ValueError:
        pass
    return suffix_for_format(fmt)


def plan_jobs(inputs: Sequence[tuple[Path, Path]], policy: OutputPolicy) -> tuple[list[Job], list[Path], list[Failure]]:
    """Map each input to its destination; refuse anything that would destroy a file
    the user did not ask to replace. Returns (jobs, skipped sources, failures)."""
    if policy.format is not None:
        suffix_for_format(policy.format)  # unknown format: one ValueError, not one per file
    jobs: list[Job] = []
    skipped: list[Path] = []
    failures: list[Failure] = []
    sources = {src.resolve(): src for src, _ in inputs}
    claimed: dict[str, Path] = {}  # normalised dest -> the source that got it
    for fmt in policy.extras.values():
        if fmt is not None:
            suffix_for_format(fmt)
    for src, rel in inputs:
        main = policy.format
        dests = {tag: policy.out_dir / rel.parent / (rel.stem + tag + policy.suffix + _out_suffix(src, fmt or main))
                 for tag, fmt in {policy.tag: main, **policy.extras}.items()}
        problem, skip = None, False
        for tag, dest in dests.items():  # the main output first: it alone decides --skip-existing
            key = os.path.normcase(str(dest.resolve()))
            if key in claimed:
                problem = f"same output {dest} as {claimed[key]}; use --suffix or separate runs"
            elif same_file(dest, src):
                if not policy.in_place:
                    problem = "would overwrite the original; use a different -o, --suffix, or --in-place"
            elif dest.resolve() in sources:
                # Another input of this run: the result would depend on processing order.
                problem = f"output {dest} is another input of this run; use a different -o or --suffix"
            elif dest.is_dir():
                problem = f"output {dest} is a folder"
            elif dest.exists():
                if policy.skip_existing and tag == policy.tag:
                    skip = True
                elif not policy.overwrite:
                    problem = f"output exists: {dest}; use --overwrite or --skip-existing"
            if problem or skip:
                break
        if problem:
            failures.append(_fail(src, problem))
            continue
        if skip:
            skipped.append(src)
            continue
        for dest in dests.values():
            claimed[os.path.normcase(str(dest.resolve()))] = src
        dest = dests.pop(policy.tag)
        jobs.append(Job(src, dest, dests, replace=policy.overwrite or (policy.in_place and same_file(dest, src))))
    return jobs, skipped, failures


# -------------------------------------------------------------------------------- run


def run_batch(
    jobs: Sequence[Job],
    process: Callable[[Photo], Result],
    *,
    read: Callable[[Path], Photo] = read_image,
    write: Callable[..., None] = write_image,  # write(photo, path, replace=bool)
    progress: bool = True,
    dry_run: bool = False,
    echo: Callable[[str], None] = print_to_stderr,
) -> Summary:
    """Read, process and write each job. An error in one file becomes a one-line
    Failure, echoed at once, and the batch goes on; Ctrl-C stops it after echoing
    the partial summary (writes are atomic, so nothing is left half-written)."""
    summary = Summary(dry_run=dry_run)
    made: list[Path] = []  # folders this run created: removed at the end if nothing was written into them
    start = time.monotonic()
    bar = tqdm(jobs, disable=not progress or dry_run, file=sys.stderr, unit="img", dynamic_ncols=True, leave=False)

    def say(msg: str) -> None:
        if bar.disable:
            echo(msg)
        else:
            with bar.external_write_mode(file=sys.stderr):  # clear the bar, print, redraw it
                echo(msg)

    try:
        for job in bar:
            if dry_run:
                say(f"{job.source} -> {job.dest}")
                summary.done.append(job.dest)
                continue
            bar.set_postfix_str(job.source.name, refresh=False)
            try:
                result = process(read(job.source))
                outputs = result if isinstance(result, dict) else {"": result}
                for note in outputs[""].notes:
                    say(f"{job.source}: {note}")
                made += _make_folders(job.dest.parent)
                for tag, path in job.extras.items():  # extras first: a written main output means all done
                    if tag in outputs:  # absent: a stage that did not run on this photo (oldphoto's unfade on grey)
                        write(outputs[tag], path, replace=job.replace)
                write(outputs[""], job.dest, replace=job.replace)
            except Exception as e:  # noqa: BLE001 - any per-file error must not end the batch
                msg = one_line(e)
                if not msg.startswith(str(job.source)):  # reader errors already name the file
                    msg = f"{job.source}: {msg}"
                summary.failed.append(Failure(job.source, msg))
                say(msg)
            else:
                summary.done.append(job.dest)
    except KeyboardInterrupt:
        bar.close()
        summary.elapsed = time.monotonic() - start
        echo(f"interrupted: {format_summary(summary)}")
        raise
    finally:
        _remove_empty(made)
    bar.close()
    summary.elapsed = time.monotonic() - start
    return summary


def _make_folders(folder: Path) -> list[Path]:
    """mkdir -p, returning the folders it created (outermost first)."""
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for f in reversed(missing):
        f.mkdir(exist_ok=True)
    return list(reversed(missing))


def _remove_empty(folders: list[Path]) -> None:
    for f in reversed(folders):  # innermost first
        with suppress(OSError):  # not empty, or gone: keep it
            f.rmdir()


def _duration(s: float) -> str:
    if s < 60:
        return f"{s:.1f} s"
    m, s = divmod(round(s), 60)
    return f"{m} min {s:02d} s"


def format_summary(summary: Summary) -> str:
    """"12 written, 1 skipped, 2 failed in 3.4 s", a line on images of unread types, one line per failure."""
    verb = "to write (dry run)" if summary.dry_run else "written"
    counts = f"{len(summary.done)} {verb}, {len(summary.skipped)} skipped, {len(summary.failed)} failed"
    head = f"{counts} in {_duration(summary.elapsed)}"
    lines = [head]
    if summary.left_out:
        kinds = Counter(p.suffix.lower() for p in summary.left_out)
        example = summary.left_out[0]
        lines.append(f"  left out {len(summary.left_out)} image(s) of types restore does not read "
                     f"({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))}; e.g. {example}): "
                     f"convert them to TIFF, PNG or JPEG first")
    return "\n".join([*lines, *(f"  {f.message}" for f in summary.failed)])
