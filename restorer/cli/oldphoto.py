"""`restore oldphoto PATH...`: detect damage, inpaint it, denoise, colorize if black-and-white."""
from __future__ import annotations

from pathlib import Path

import click

from ..oldphoto import STAGE_OUTPUTS, OldPhotoOptions, StageWeights
from .options import options_from, pop_dataclass
from .run import BatchArgs, batch_options, run_photos


@click.command(name="oldphoto")
@batch_options()
@options_from(StageWeights)
@options_from(OldPhotoOptions)
@click.option("--mask", type=click.Path(exists=True, path_type=Path), default=None,
              help="The damage to repair (white), instead of what the detector finds: one mask file, or a folder "
                   "with one per photo named like it (photo.jpg <- masks/photo_1_mask.png, as --keep-stages writes "
                   "it, or masks/photo.png). Each must be its photo's size; --dilate still grows it.")
def oldphoto_command(mask: Path | None, **kwargs) -> None:
    """Restore old photos in one go: find the damage (scratches, dust, cracks, tears,
    stains), inpaint it, denoise, and colorize black-and-white photos.

    PATH: image files and/or folders (outputs mirror their layout).

    To correct what is repaired: run with --keep-stages, edit photo_1_mask.png
    (white = damage; photo_1_mask_overlay.png shows it in red over the photo)
    in any paint program, then run again with --mask on the edited mask or its folder.
    """
    args = pop_dataclass(BatchArgs, kwargs)
    weights = pop_dataclass(StageWeights, kwargs)
    options = pop_dataclass(OldPhotoOptions, kwargs)

    def load():
        from ..oldphoto import OldPhoto, read_damage

        pipeline = OldPhoto.load(options, weights, args.device, args.tile)
        for note in pipeline.notes:
            click.echo(note, err=True)
        process = pipeline if mask is None else lambda photo: pipeline(photo, read_damage(photo, mask))
        return process, pipeline.device

    run_photos("oldphoto", args, load, extras=STAGE_OUTPUTS if options.keep_stages else {})
