"""`restore <task> PATH...`: one command per task, all over the same batch function."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ..batch import OutputPolicy, collect_inputs, format_summary, plan_jobs, run_batch
from ..engine import DEVICES
from ..imageio import DEFAULT_MAX_PIXELS, read_image
from ..inference import Restorer
from ..tasks.base import Task
from ..weights import WeightsError
from .options import options_from, pop_dataclass

FORMATS = ("JPEG", "PNG", "TIFF", "WEBP", "BMP")
DEFAULT_OUT = Path("restored")


def task_command(task: Task) -> click.Command:
    @click.command(name=task.name, help=f"{task.summary}\n\nPATH: image files and/or folders (outputs mirror their layout).")
    @click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
    @click.option("-o", "--out", type=click.Path(path_type=Path), default=DEFAULT_OUT, show_default=True, help="Output folder.")
    @click.option("-r", "--recursive", is_flag=True, help="Include subfolders (mirrored in the output).")
    @click.option("--suffix", default="", help="Appended to each output name, e.g. _clean.")
    @click.option("--format", "fmt", type=click.Choice(FORMATS, case_sensitive=False), help="Output format (default: " + (task.output_format or "the input's") + ").")
    @click.option("--skip-existing", is_flag=True, help="Skip images whose output already exists.")
    @click.option("--overwrite", is_flag=True, help="Replace existing outputs.")
    @click.option("--in-place", is_flag=True, help="Allow replacing the original files (only if -o points at them).")
    @click.option("--dry-run", is_flag=True, help="List what would be written, and write nothing.")
    @click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True, help="auto: CUDA, then MPS, then CPU.")
    @click.option("--tile", type=click.IntRange(min=0), default=None, help="Tile size in pixels for bounded memory (0 = whole image; default 512 on CPU, 1024 on GPU).")
    @click.option("--weights", type=click.Path(path_type=Path), default=None, help=f"Weights file (default: weights/{task.weights_name}.safetensors).")
    @click.option("--max-pixels", type=click.IntRange(min=1), default=DEFAULT_MAX_PIXELS, show_default=True, help="Refuse larger images (decompression-bomb guard).")
    @click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
    @options_from(task.options)
    def command(paths, out, recursive, suffix, fmt, skip_existing, overwrite, in_place, dry_run, device, tile, weights, max_pixels, quiet, **task_kwargs):
        options = pop_dataclass(task.options, task_kwargs)
        extras = task.extras(options)
        policy = OutputPolicy(out_dir=out, suffix=suffix, format=fmt.upper() if fmt else task.output_format,
                              overwrite=overwrite, skip_existing=skip_existing, in_place=in_place,
                              tag=task.output_suffix, extras=dict.fromkeys(extras))
        inputs, failures = collect_inputs(paths, recursive, exclude=out)
        jobs, skipped, plan_failures = plan_jobs(inputs, policy)
        failures += plan_failures
        for f in failures:
            click.echo(f"error: {f.message}", err=True)
        restorer = None
        if jobs and not dry_run:
            try:
                restorer = Restorer.load(task, weights, device, tile, options)
            except (WeightsError, RuntimeError) as e:
                raise click.ClickException(str(e)) from None
            if not quiet:
                click.echo(f"{task.name}: {len(jobs)} image(s) on {restorer.predict.device} -> {out}", err=True)
        def process(photo):
            result = restorer(photo, options)
            return {"": result, **{tag: make(photo, result) for tag, make in extras.items()}}

        summary = run_batch(
            jobs,
            process,
            read=lambda p: read_image(p, max_pixels=max_pixels),
            progress=not quiet,
            dry_run=dry_run,
        )
        summary.skipped += skipped
        summary.failed[:0] = failures
        click.echo(format_summary(summary), err=True)
        if summary.done and not dry_run:
            click.echo(f"results in {out.resolve()}", err=True)
        sys.exit(summary.exit_code)

    return command
