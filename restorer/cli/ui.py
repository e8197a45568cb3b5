"""`restore ui`: the local web app (gradio is imported only when it starts)."""
from __future__ import annotations

import tempfile
from pathlib import Path

import click

from ..devices import DEVICES
from ..imageio import DEFAULT_MAX_PIXELS


@click.command(name="ui")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 exposes the app to your network).")
@click.option("--port", type=click.IntRange(1, 65535), default=7860, show_default=True)
@click.option("--share", is_flag=True, help="Also open a public gradio.live link (off by default).")
@click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True, help="auto: CUDA, then MPS, then CPU.")
@click.option("--data-root", type=click.Path(exists=True, file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="The Fine-tune tab may read training folders inside this folder only.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for results and fine-tune runs (default: a new temporary folder).")
@click.option("--weights-dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Folder of <task>.safetensors weights (default: the shipped weights/).")
@click.option("--max-pixels", type=click.IntRange(min=1), default=DEFAULT_MAX_PIXELS, show_default=True, help="Refuse larger images.")
def ui_command(host: str, port: int, share: bool, device: str, data_root: Path, out: Path | None, weights_dir: Path | None, max_pixels: int) -> None:
    """Start the web UI: drag and drop photos, paint masks, compare before/after, fine-tune."""
    from ..ui.app import launch
    from ..ui.state import Settings
    from ..weights import WEIGHTS_DIR

    from ..ui.sandbox import remove_at_exit

    if out is None:
        out = Path(tempfile.mkdtemp(prefix="restorer-ui-"))
        remove_at_exit(out)
        click.echo(f"results go to {out}, removed when the app stops (keep them with --out DIR)", err=True)
    settings = Settings(
        out_dir=out,
        weights_dir=weights_dir or WEIGHTS_DIR,
        data_root=data_root.resolve(),
        device=device,
        max_pixels=max_pixels,
    )
    try:
        launch(host, port, share, settings)
    except RuntimeError as e:  # e.g. --device cuda without a GPU
        raise click.ClickException(str(e)) from None
