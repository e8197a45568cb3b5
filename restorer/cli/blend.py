"""`restore blend`: seamless paste (`--paste FG --mask M --onto BG`) or a
latent morph between two photos (`A B --alpha a | --frames N`). It takes two
or three photos, so it is its own thin command over pure functions rather
than the per-file batch command of the other tasks."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click
import numpy as np

from ..devices import DEVICES
from ..batch import same_file
from ..imageio import DEFAULT_MAX_PIXELS, ImageReadError, ImageWriteError, Photo, read_image, write_animation, write_image
from ..tasks.blend import PasteOptions
from ..tasks.morph import MorphOptions
from .options import FiniteFloat, options_from, pop_dataclass

DEFAULT_OUT = Path("restored")
ANIMATIONS = (".gif", ".webp")


@dataclass(frozen=True)
class Outputs:
    """Where blend may write: never over one of its own input photos unless --in-place,
    never over an existing file unless --overwrite (also one that appears while it runs)."""

    inputs: tuple[Path, ...]
    overwrite: bool = False
    in_place: bool = False

    def check(self, path: Path) -> None:
        if any(same_file(path, p) for p in self.inputs if p is not None):
            if not self.in_place:
                raise click.ClickException(f"{path}: is one of the input photos; use a different -o, or --in-place "
                                           "to replace it")
        elif path.exists() and not self.overwrite:
            raise click.ClickException(f"{path}: exists (use --overwrite to replace it)")

    def write(self, photo: Photo, path: Path, **kw) -> None:
        self.check(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_image(photo, path, replace=self.overwrite or self.in_place, **kw)


def paste(fg_path: Path, options: PasteOptions, out: Path | None, outputs: Outputs, weights, device, tile,
          max_pixels: int) -> Path:
    from ..restorer import Restorer
    from ..tasks import TASKS
    from ..tasks.blend import load_matte, parse_at, paste_photo

    if options.mask is None or options.onto is None:
        raise click.UsageError("--paste needs --mask M and --onto BG")
    at = parse_at(options.at)
    target = out or DEFAULT_OUT / f"{options.onto.stem}_blend{options.onto.suffix}"
    outputs.check(target)
    fg, bg = read_image(fg_path, max_pixels), read_image(options.onto, max_pixels)
    matte = load_matte(options.mask, fg.height, fg.width)
    restorer = Restorer.load(TASKS["blend"], weights, device, tile)
    try:
        result = paste_photo(fg, bg, matte, at, restorer.predict)
    except ValueError as e:
        raise click.ClickException(f"{fg_path} onto {options.onto}: {e}") from None
    outputs.write(result, target)
    return target


def morph(a_path: Path, b_path: Path, options: MorphOptions, alpha: float | None, frames: int | None,
          fps: float, out: Path | None, outputs: Outputs, weights, device, max_pixels: int) -> Path:
    from ..tasks.morph import load_morph, morph_frames

    a, b = read_image(a_path, max_pixels), read_image(b_path, max_pixels)
    stem = f"{a_path.stem}_{b_path.stem}_morph"
    if frames is None:
        target = out or DEFAULT_OUT / f"{stem}{a_path.suffix}"
    else:
        target = out or DEFAULT_OUT / f"{stem}.gif"
        if target.suffix.lower() not in ANIMATIONS:
            raise click.UsageError(f"-o {target}: with --frames the output is an animation (.gif or .webp)")
    outputs.check(target)
    model = load_morph(weights, device)
    alphas = [alpha if alpha is not None else 0.5] if frames is None else list(np.linspace(1.0, 0.0, frames))
    images = morph_frames(model, a.pixels, b.pixels, [float(x) for x in alphas], options.size)
    as_a = lambda img: a.with_pixels(img if a.channels == 3 else img.mean(axis=2, keepdims=True))
    if frames is None:
        outputs.write(as_a(images[0]), target)
        return target
    folder = target.with_suffix("")  # the frames beside the animation: <name>/frame_001.png ...
    paths = [folder / f"frame_{i + 1:03d}.png" for i in range(len(images))]
    for p in paths:
        outputs.check(p)
    for p, img in zip(paths, images):
        outputs.write(as_a(img), p, format="PNG")
    write_animation(images, target, fps, replace=outputs.overwrite or outputs.in_place)
    return target


@click.command(name="blend")
@click.argument("photos", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--paste", "paste_fg", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Photo to paste from (with --mask and --onto).")
@options_from(PasteOptions)
@click.option("--alpha", type=FiniteFloat(0, 1), default=None,
              help="Morph: weight of A's code, z = a*z(A) + (1-a)*z(B) (default 0.5).")
@click.option("--frames", type=click.IntRange(min=2), default=None, help="Morph: write N frames from A to B and an animation.")
@click.option("--fps", type=FiniteFloat(0.1), default=8.0, show_default=True, help="Animation frame rate.")
@options_from(MorphOptions)
@click.option("-o", "--out", type=click.Path(path_type=Path), default=None,
              help="Output file (paste: restored/<BG>_blend.<ext>; morph: restored/<A>_<B>_morph.<ext>, "
              "with --frames a .gif or .webp, its frames in a folder of the same name).")
@click.option("--overwrite", is_flag=True, help="Replace existing outputs.")
@click.option("--in-place", is_flag=True, help="Allow -o to name one of the input photos (it is replaced).")
@click.option("--max-pixels", type=click.IntRange(min=1), default=DEFAULT_MAX_PIXELS, show_default=True,
              help="Refuse larger images (decompression-bomb guard).")
@click.option("--weights", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Weights (default: weights/blend.safetensors for --paste, weights/morph.safetensors for a morph).")
@click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True)
@click.option("--tile", type=click.IntRange(min=0), default=None, help="Paste: tile size for bounded memory (0 = whole crop).")
def blend_command(photos, paste_fg, alpha, frames, fps, out, overwrite, in_place, max_pixels, weights, device, tile,
                  **kwargs) -> None:
    """Paste one photo into another seamlessly, or morph between two.

    \b
    restore blend --paste FG.jpg --mask M.png --onto BG.jpg [--at X,Y] [-o OUT]
    restore blend A.jpg B.jpg [--alpha 0.5 | --frames N] [-o OUT]

    The paste is harmonised (colour, tone and seam) by a U-Net; pixels of the
    background away from the pasted region are kept bit for bit. The morph mixes
    the two photos' codes in our autoencoder, at --size px (B is resized to A).
    """
    from ..weights import WeightsError

    paste_options, morph_options = pop_dataclass(PasteOptions, kwargs), pop_dataclass(MorphOptions, kwargs)
    try:
        if paste_fg is not None:
            if photos:
                raise click.UsageError("--paste takes no PHOTOS arguments (the background is --onto)")
            if alpha is not None or frames is not None:
                raise click.UsageError("--alpha and --frames are for a morph, not --paste")
            outputs = Outputs((paste_fg, paste_options.onto, paste_options.mask), overwrite, in_place)
            written = paste(paste_fg, paste_options, out, outputs, weights, device, tile, max_pixels)
        else:
            if len(photos) != 2:
                raise click.UsageError("give two photos A B to morph, or --paste FG --mask M --onto BG")
            if alpha is not None and frames is not None:
                raise click.UsageError("give --alpha or --frames, not both")
            outputs = Outputs(tuple(photos), overwrite, in_place)
            written = morph(photos[0], photos[1], morph_options, alpha, frames, fps, out, outputs, weights, device,
                            max_pixels)
    except (ImageReadError, ImageWriteError, WeightsError, ValueError, RuntimeError) as e:
        raise click.ClickException(str(e).splitlines()[0] if str(e) else type(e).__name__) from None
    click.echo(f"written {written}", err=True)
