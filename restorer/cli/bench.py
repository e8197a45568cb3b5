"""`restore bench <task>`: benchmarks that print tables (markdown, or --json).

The benches declared in restorer/bench (BENCHES: inpaint, colorize, colorize-reference, segment, oldphoto,
upscale, unfade) get generated commands (bench_command_for). Written out here: denoise and denoise-real (their sigma
arguments, protocol-dependent record key and real-noise data folder do not fit a Bench
declaration), blend (two tables, one record per autoencoder), large and finetune (they time the CLI and the trainer, not methods against baselines)."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from ..bench import BENCHES
from ..bench import denoise as denoise_bench
from ..bench.base import CBSD68 as DEFAULT_DATA
from ..bench.base import KODAK, Bench
from ..devices import DEVICES
from .options import FINITE_FLOAT, FiniteFloat, options_from, pop_dataclass

# Options several benchmarks share, declared once.
_WEIGHTS = click.option("--weights", type=click.Path(exists=True, path_type=Path), default=None)
_DEVICE = click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True)
_LIMIT = click.option("--limit", type=int, default=None, help="Only the first N images.")
_JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a markdown table.")
_RECORD = click.option("--record", is_flag=True, help="Store the results in the weights' JSON (shown by `restore models`).")


def _data(default: Path = DEFAULT_DATA):
    return click.option("--data", type=click.Path(exists=True, file_okay=False, path_type=Path), default=default, show_default=True)


@click.group(name="bench")
def bench_command() -> None:
    """Measure quality and speed against classical baselines on a folder of clean images."""


@bench_command.command(name="denoise")
@_data()
@click.option("--sigma", "sigma_first", type=FINITE_FLOAT, multiple=True, help="Noise levels, e.g. --sigma 15 25 50.")
@click.argument("sigma_more", nargs=-1, type=FINITE_FLOAT)
@click.option("--methods", default="ours,ours-blind,cbm3d,nlm,noisy", show_default=True, help="Comma-separated subset.")
@click.option("--protocol", type=click.Choice(denoise_bench.PROTOCOLS), default="published", show_default=True,
              help="published: float noise, not clipped (the papers' AWGN protocol); files: clipped and rounded "
              "to 8 bits, as a noisy file holds it. Every method gets the same pixels.")
@_WEIGHTS
@_DEVICE
@_LIMIT
@click.option("--grid", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also save a grid of centre crops at the first sigma (noisy | each method | clean).")
@_JSON
@_RECORD
def bench_denoise(data, sigma_first, sigma_more, methods, protocol, weights, device, limit, grid, as_json, record) -> None:
    """Seeded Gaussian noise on clean images; PSNR, SSIM and s/MP per method."""
    from ..bench.common import emit

    sigmas = list(sigma_first) + list(sigma_more) or [15.0, 25.0, 50.0]
    chosen = _methods(methods, denoise_bench.METHODS)
    table = _measure(denoise_bench.run, data, sigmas, chosen, weights, device, limit, protocol=protocol, grid=grid)
    click.echo(emit(f"denoise on {data.name} ({protocol} protocol)", table, as_json,
                    {"data": str(data), "sigmas": sigmas, "protocol": protocol}))
    if record:
        suffix = "" if protocol == "published" else f", {protocol} protocol"
        _record(weights, "denoise", f"{data.name} ({_images_in(table)} images{suffix})", table, ["PSNR", "SSIM", "s/MP"], "sigma")


@bench_command.command(name="denoise-real")
@_data(Path("../shared/datasets/cc15"))
@click.option("--methods", default=",".join(denoise_bench.REAL_DEFAULT), show_default=True,
              help="Comma-separated subset of: " + ", ".join(denoise_bench.REAL_METHODS) + ".")
@_WEIGHTS
@_DEVICE
@_LIMIT
@click.option("--grid", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also save a grid of centre crops (noisy | each method | clean).")
@_JSON
@_RECORD
def bench_denoise_real(data, methods, weights, device, limit, grid, as_json, record) -> None:
    """Real camera noise (DATA/noisy/NAME with DATA/clean/NAME), every method blind: our estimated level,
    CBM3D and NLM with scikit-image's estimate; PSNR, SSIM, s/MP and the mean level used."""
    from ..bench.common import emit

    chosen = _methods(methods, denoise_bench.REAL_METHODS)
    table = _measure(denoise_bench.run_real, data, chosen, weights, device, limit, grid)
    click.echo(emit(f"real noise on {data.name} (blind)", table, as_json, {"data": str(data)}))
    if record:
        _record(weights, "denoise", f"{data.name} ({_images_in(table)} images, real noise, blind)", table, ["PSNR", "SSIM", "s/MP"], None)


@bench_command.command(name="blend")
@_data(KODAK)
@click.option("--weights", type=click.Path(exists=True, path_type=Path), default=None, help="Harmoniser weights (default: shipped).")
@click.option("--ae-weights", type=click.Path(exists=True, path_type=Path), multiple=True,
              help="Autoencoder weights to compare with PCA, one per code size (repeatable; default: weights/morph.safetensors).")
@click.option("--fit", "fit_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Images to fit the PCA on (default: every other image of --data; the rest are held out).")
@click.option("--per-image", type=click.IntRange(min=1), default=2, show_default=True, help="Synthetic composites per image.")
@click.option("--figures", type=click.Path(file_okay=False, path_type=Path), default=None, help="Write picture grids (paste, morph strip) here.")
@_DEVICE
@_LIMIT
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of markdown tables.")
@click.option("--record", is_flag=True, help="Store the results in the weights' JSONs (harmoniser and each autoencoder).")
def bench_blend(data, weights, ae_weights, fit_dir, per_image, figures, device, limit, as_json, record) -> None:
    """Harmonised paste vs naive paste and Poisson blending; our autoencoder vs PCA at the same code size."""
    import json

    from ..bench import blend
    from ..bench.common import BenchDataError, Table, emit, machine
    from ..weights import WeightsError, default_weights

    ae_paths = list(ae_weights) or [default_weights("morph")]
    try:
        paste, ae = blend.run(data, weights, ae_paths, fit_dir, device, limit, per_image, figures)
    except (WeightsError, BenchDataError) as e:
        raise click.ClickException(str(e)) from None
    if as_json:
        click.echo(json.dumps({"benchmark": f"blend on {data.name}", "machine": machine(), "data": str(data),
                               "paste": paste.records(), "autoencoder_vs_pca": ae.records()}, indent=2))
    else:
        click.echo(emit(f"seamless paste on {data.name}", paste, False))
        click.echo(emit(f"autoencoder vs PCA on {data.name} (held-out images)", ae, False))
    if record:
        composites = paste.records()[0]["composites"] if paste.rows else 0
        _record(weights, "blend", f"{data.name} ({composites} composites)", paste, ["PSNR", "SSIM", "PSNR region"], None)
        for path, rec in zip(ae_paths, ae.records()):  # each autoencoder's own line
            one = Table(["method", *ae.columns], [["vs PCA", *rec.values()]])
            _record(path, "morph", f"{data.name} (held-out images)", one, ["AE PSNR", "PCA PSNR", "AE - PCA"], None)


@bench_command.command(name="large")
@click.option("--task", default="denoise", show_default=True)
@click.option("--size", default="6000x4000", show_default=True, help="WIDTHxHEIGHT of the synthetic photo.")
@click.option("--tile", "tiles", type=int, multiple=True, help="Tile sizes to try (repeatable); default 512.")
@click.option("--json", "as_json", is_flag=True)
@click.argument("extra", nargs=-1)
def bench_large(task, size, tiles, as_json, extra) -> None:
    """Time and peak memory of `restore TASK` on a large synthetic photo (EXTRA: more CLI flags)."""
    from ..bench import large
    from ..bench.common import emit

    width, height = (int(v) for v in size.lower().split("x"))
    table = large.run(task, width, height, list(tiles) or [512], list(extra))
    click.echo(emit(f"large image, {task}", table, as_json))


@bench_command.command(name="finetune")
@click.option("--task", "task_name", default="denoise", show_default=True)
@click.option("--data", type=click.Path(file_okay=False, path_type=Path), default=None, help="Folder of clean images of your kind (30% held out).")
@click.option("--text-pages", type=int, default=0, help="Instead of --data: generate N grayscale text 'scans' (a domain the shipped weights never saw).")
@click.option("--minutes", type=FiniteFloat(0), default=5.0, show_default=True)
@click.option("--steps", type=int, default=None)
@_WEIGHTS
@click.option("--json", "as_json", is_flag=True)
def bench_finetune(task_name, data, text_pages, minutes, steps, weights, as_json) -> None:
    """Held-out quality before and after fine-tuning the shipped weights on a folder."""
    import tempfile

    from ..bench import finetune
    from ..bench.common import emit
    from ..tasks import TASKS

    if (data is None) == (not text_pages):
        raise click.UsageError("give --data DIR or --text-pages N")
    with tempfile.TemporaryDirectory() as tmp:
        folder = data or finetune.text_pages(Path(tmp) / "pages", text_pages)
        table = finetune.run(TASKS[task_name], folder, minutes, steps, weights)
    click.echo(emit(f"fine-tune {task_name} on {'synthetic text pages' if text_pages else folder}", table, as_json))


def bench_command_for(bench: Bench) -> click.Command:
    """`restore bench NAME` from its declaration: run it on --data with the chosen methods, print the
    table (or JSON), and with --record store the declared columns in the measured weights' JSON."""

    def command(data, methods, device, limit, as_json, weights=None, record=False, **kwargs) -> None:
        from ..bench.common import emit

        chosen = _methods(methods, bench.methods)
        options = {name: value for cls in bench.options for name, value in vars(pop_dataclass(cls, kwargs)).items()}
        table = _measure(bench.run, data, chosen, device=device, limit=limit,
                         **({"weights": weights} if bench.weights else {}), **options)
        click.echo(emit(f"{bench.name} on {data.name}", table, as_json, {"data": str(data), **bench.details(options)}))
        if (note := bench.note(options)) is not None:
            click.echo(note, err=True)
        if record:
            r = bench.record
            key = f"{data.name} ({_images_in(table)} images{_setting(bench, options)})"
            _record(weights, r.task, key, table, list(r.columns), r.group_by)

    decorators = [
        click.command(name=bench.name, help=bench.help),
        _data(bench.default_data),
        click.option("--methods", default=",".join(bench.default_methods or bench.methods), show_default=True,
                     help=bench.methods_help),
        *([_WEIGHTS] if bench.weights else []),
        _DEVICE,
        _LIMIT,
        *(options_from(cls) for cls in bench.options),
        _JSON,
        *([_RECORD] if bench.record else []),
    ]
    for d in reversed(decorators):
        command = d(command)
    return command


for _bench in BENCHES.values():
    bench_command.add_command(bench_command_for(_bench))


@bench_command.command(name="scan")
@click.option("--data", "folders", type=click.Path(exists=True, file_okay=False, path_type=Path), multiple=True,
              help="Folders of clean photos (repeatable; default: kodak24 and cbsd68).")
@click.option("--part", "parts", type=click.Choice(("duplicates", "outliers", "speed")), multiple=True,
              help="What to measure (repeatable; default: duplicates and outliers).")
@click.option("--photos", type=click.IntRange(min=8), default=100, show_default=True,
              help="Photos in the outlier folder (planted ones included); for --part speed, photos to generate.")
@click.option("--sweep", is_flag=True, help="Duplicates: also precision and recall at other thresholds.")
@click.option("--seed", type=int, default=0, show_default=True)
@_DEVICE
@_LIMIT
@_JSON
def bench_scan(folders, parts, photos, sweep, seed, device, limit, as_json) -> None:
    """`restore scan` on generated archives: duplicate precision/recall on rescans, the rank of planted
    outliers, and the time of a scan and of its cached second run."""
    from ..bench import scan
    from ..bench.common import emit

    folders = list(folders) or [KODAK, DEFAULT_DATA]
    names = "+".join(f.name for f in folders)
    runs = {"duplicates": (f"scan duplicates: rescans of {names}",
                           lambda: scan.run_duplicates(folders, device, limit, seed, sweep)),
            "outliers": (f"scan outliers: {photos} photos from {names} with planted ones",
                         lambda: scan.run_outliers(folders, photos, device, limit, seed)),
            "speed": (f"scan speed: {photos} generated scans from {names}",
                      lambda: scan.run_speed(folders, photos, device, limit, seed))}
    for part in parts or ("duplicates", "outliers"):
        title, run = runs[part]
        click.echo(emit(title, _measure(run), as_json, {"data": [str(f) for f in folders], "seed": seed}))


def _measure(run, *args, **kwargs):
    """run(...), with missing weights for 'ours', a missing OpenCV contrib for 'fsr' or a missing optional
    baseline package answered as a one-line hint."""
    from ..bench.common import BenchDataError
    from ..bench.denoise import BaselineUnavailable
    from ..bench.fsr import FSRUnavailable
    from ..weights import WeightsError

    try:
        return run(*args, **kwargs)
    except BenchDataError as e:
        raise click.ClickException(str(e)) from None
    except WeightsError as e:
        raise click.ClickException(f"{e} (or leave 'ours' out of --methods)") from None
    except FSRUnavailable as e:
        raise click.ClickException(f"{e} (or leave fsr out of --methods)") from None
    except BaselineUnavailable as e:
        raise click.ClickException(f"{e} (or leave it out of --methods)") from None


def _setting(bench: Bench, options: dict) -> str:
    """", generator independent": the bench's details that differ from its defaults' (empty when none), so that
    --record of another setting (damage generator, protocol, seed) adds its own entry instead of replacing one."""
    fields = [f for cls in bench.options for f in dataclasses.fields(cls)]
    defaults = {f.name: f.default for f in fields if f.default is not dataclasses.MISSING}
    base, now = bench.details(defaults), bench.details(options)
    return "".join(f", {k} {v}" for k, v in now.items() if base.get(k) != v)


def _images_in(table) -> int:
    return int(table.records()[0]["images"]) if table.rows else 0


def _record(weights: Path | None, task_name: str, key: str, table, columns: list[str], group_by: str) -> None:
    """--record: the numbers go into the JSON of the weights that were measured."""
    from ..bench.common import record
    from ..weights import default_weights

    path = record(weights or default_weights(task_name), key, table, columns, group_by)
    click.echo(f"recorded in {path}", err=True)


def _methods(methods: str, known: tuple[str, ...]) -> list[str]:
    """--methods a,b,c -> [a, b, c]; an unknown name is a usage error listing the known ones."""
    chosen = [m.strip() for m in methods.split(",") if m.strip()]
    unknown = set(chosen) - set(known)
    if unknown:
        raise click.UsageError(f"unknown method(s): {', '.join(sorted(unknown))}; known: {', '.join(known)}")
    return chosen
