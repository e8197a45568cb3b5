"""`restore scan PATH...`: what each photo of an archive needs, its duplicates and its outliers,
as report.html / report.csv / report.json (and --plan lists) in the report folder."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ..batch import collect_inputs
from ..devices import DEVICES
from ..imageio import DEFAULT_MAX_PIXELS

DEFAULT_REPORT = Path("scan-report")


@click.command(name="scan")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--out", type=click.Path(path_type=Path), default=DEFAULT_REPORT, show_default=True,
              help="Report folder: report.html, report.csv, report.json, the cache (and plan/).")
@click.option("-r", "--recursive", is_flag=True, help="Include subfolders.")
@click.option("--plan", is_flag=True, help="Also write plan/<task>.txt: the files each task should get, one per line.")
@click.option("--no-cache", is_flag=True, help="Measure every photo again (the cache is rewritten with the new measurements).")
@click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True, help="auto: CUDA, then MPS, then CPU.")
@click.option("--max-pixels", type=click.IntRange(min=1), default=DEFAULT_MAX_PIXELS, show_default=True,
              help="Refuse larger images (decompression-bomb guard).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def scan_command(paths, out, recursive, plan, no_cache, device, max_pixels, quiet) -> None:
    """Look at a whole archive before restoring it: per photo the noise level, damage, black-and-white
    or colour, sharpness and size, with the command that would restore it; near-duplicates (the same
    print scanned twice); and the most unusual photos (a blank page, a photo upside down, a screenshot).

    PATH: image files and/or folders. A second scan into the same report folder reuses the
    measurements of unchanged files.
    """
    from ..scan.cache import ScanCache
    from ..scan.folder import scan_files
    from ..scan.measure import cache_version, load_scanner
    from ..scan.report import build_report, write_reports
    from ..weights import WeightsError

    if out.exists() and not out.is_dir():
        raise click.UsageError(f"-o {out}: a file, not a folder")
    left_out: list[Path] = []
    inputs, failures = collect_inputs(paths, recursive, exclude=out, left_out=left_out)
    for f in failures:
        click.echo(f"error: {f.message}", err=True)
    try:
        cache = ScanCache(out, cache_version())
        if not no_cache:
            cache.load()
        if cache.note:
            click.echo(cache.note, err=True)

        def load():
            scanner = load_scanner(device)
            if not quiet:
                click.echo(f"scan: measuring on {scanner.codes.device}", err=True)
            return scanner

        outcome = scan_files([p for p, _ in inputs], load, cache, max_pixels=max_pixels, progress=not quiet)
    except (WeightsError, RuntimeError) as e:
        raise click.ClickException(str(e)) from None
    failed = failures + outcome.failed
    report = build_report(outcome.photos, failed, left_out)
    written = write_reports(report, out, plan)
    counts = report.counts()
    found = ", ".join(f"{v} {k}" for k, v in counts.items() if k not in ("photos", "errors"))
    click.echo(f"scanned {counts['photos']} photo(s) ({outcome.from_cache} from the cache) in {outcome.elapsed:.1f} s: "
               f"{found or 'nothing to restore'}; {len(failed)} failed", err=True)
    for n in report.notes:
        click.echo(n, err=True)
    for f in failed:
        click.echo(f"  {f.message}", err=True)
    if left_out:
        click.echo(f"  left out {len(left_out)} image(s) of types restore does not read (e.g. {left_out[0]})", err=True)
    click.echo(f"report: {written[0].resolve()}", err=True)
    sys.exit(1 if failed else 0)
