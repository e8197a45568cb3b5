"""`restore <task> PATH...`: one command per task, all over the same batch function."""
from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import click

from ..batch import OutputPolicy, check_suffix, Result, collect_inputs, format_summary, plan_jobs, run_batch
from ..devices import DEVICES
from ..imageio import DEFAULT_MAX_PIXELS, Photo, read_image
from ..restorer import Restorer
from ..tasks.base import Task
from ..weights import WeightsError
from .options import options_from, pop_dataclass

FORMATS = ("JPEG", "PNG", "TIFF", "WEBP", "BMP")
DEFAULT_OUT = Path("restored")


def _suffix_param(ctx: click.Context, param: click.Parameter, value: str) -> str:
    try:
        check_suffix(value)
    except ValueError as e:
        raise click.BadParameter(str(e)) from None
    return value


def batch_options(output_format: str | None = None) -> Callable[[Callable], Callable]:
    """The options every photo-processing command shares (all but --weights)."""
    decorators = [
        click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path)),
        click.option("-o", "--out", type=click.Path(path_type=Path), default=DEFAULT_OUT, show_default=True, help="Output folder."),
        click.option("-r", "--recursive", is_flag=True, help="Include subfolders (mirrored in the output)."),
        click.option("--suffix", default="", callback=_suffix_param, help="Appended to each output name, e.g. _clean."),
        click.option("--format", "fmt", type=click.Choice(FORMATS, case_sensitive=False), help="Output format (default: " + (output_format or "the input's") + ")."),
        click.option("--skip-existing", is_flag=True, help="Skip images whose output already exists."),
        click.option("--overwrite", is_flag=True, help="Replace existing outputs."),
        click.option("--in-place", is_flag=True, help="Allow replacing the original files (only if -o points at them)."),
        click.option("--dry-run", is_flag=True, help="List what would be written, and write nothing."),
        click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True, help="auto: CUDA, then MPS, then CPU."),
        click.option("--tile", type=click.IntRange(min=0), default=None, help="Tile size in pixels for bounded memory (0 = whole image; default 512 on CPU, 1024 on GPU)."),
        click.option("--max-pixels", type=click.IntRange(min=1), default=DEFAULT_MAX_PIXELS, show_default=True, help="Refuse larger images (decompression-bomb guard)."),
        click.option("-q", "--quiet", is_flag=True, help="No progress bar."),
    ]

    def decorate(fn: Callable) -> Callable:
        for d in reversed(decorators):
            fn = d(fn)
        return fn

    return decorate


@dataclass
class BatchArgs:
    """What batch_options parsed; taken whole out of click's kwargs by pop_dataclass."""

    paths: tuple[Path, ...]
    out: Path
    recursive: bool
    suffix: str
    fmt: str | None
    skip_existing: bool
    overwrite: bool
    in_place: bool
    dry_run: bool
    device: str
    tile: int | None
    max_pixels: int
    quiet: bool


def run_photos(name: str, args: BatchArgs, load: Callable[[], tuple[Callable[[Photo], Result], str]],
               output_format: str | None = None, tag: str = "", extras: dict[str, str | None] | None = None) -> NoReturn:
    """Plan outputs, load the model(s) only if there is work (load() -> (process, device name)),
    run the batch, print the summary and exit with its code."""
    policy = OutputPolicy(out_dir=args.out, suffix=args.suffix, format=args.fmt.upper() if args.fmt else output_format,
                          overwrite=args.overwrite, skip_existing=args.skip_existing, in_place=args.in_place,
                          tag=tag, extras=dict(extras or {}))
    left_out: list[Path] = []
    inputs, failures = collect_inputs(args.paths, args.recursive, exclude=args.out, left_out=left_out)
    jobs, skipped, plan_failures = plan_jobs(inputs, policy)
    failures += plan_failures
    for f in failures:
        click.echo(f"error: {f.message}", err=True)
    process: Callable[[Photo], Result] | None = None
    if jobs and not args.dry_run:
        try:
            process, device = load()
        except (WeightsError, RuntimeError) as e:
            raise click.ClickException(str(e)) from None
        if not args.quiet:
            click.echo(f"{name}: {len(jobs)} image(s) on {device} -> {args.out}", err=True)
    summary = run_batch(
        jobs,
        lambda photo: process(photo),
        read=lambda p: read_image(p, max_pixels=args.max_pixels),
        progress=not args.quiet,
        dry_run=args.dry_run,
    )
    summary.skipped += skipped
    summary.left_out = left_out
    summary.failed[:0] = failures
    click.echo(format_summary(summary), err=True)
    if summary.done and not args.dry_run:
        click.echo(f"results in {args.out.resolve()}", err=True)
    sys.exit(summary.exit_code)


def task_command(task: Task) -> click.Command:
    @click.command(name=task.name, help=f"{task.summary}\n\nPATH: image files and/or folders (outputs mirror their layout).")
    @batch_options(task.output.format)
    @click.option("--weights", type=click.Path(path_type=Path), default=None, help=f"Weights file (default: weights/{task.weights_name}.safetensors).")
    @options_from(task.options)
    def command(weights, **kwargs):
        args = pop_dataclass(BatchArgs, kwargs)
        try:  # options dataclasses check combinations in __post_init__ (inpaint: --mask or --auto)
            options = pop_dataclass(task.options, kwargs)
        except ValueError as e:
            raise click.UsageError(str(e)) from None
        extras = task.output.extras(options)

        def load() -> tuple[Callable[[Photo], Result], str]:
            restorer = Restorer.load(task, weights, args.device, args.tile, options)

            def process(photo: Photo) -> Result:
                result = restorer(photo, options)
                return {"": result, **{t: make(photo, result) for t, make in extras.items()}}

            return process, f"{restorer.predict.device} with {restorer.info.path.name}"  # blind denoise: its own weights

        run_photos(task.name, args, load, task.output.format, task.output.suffix, dict.fromkeys(extras))

    return command
