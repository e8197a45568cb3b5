"""`restore oldphoto PATH...`: detect damage, inpaint it, denoise, colorize if black-and-white."""
from __future__ import annotations

import click

from ..oldphoto import STAGE_OUTPUTS, OldPhotoOptions, StageWeights
from .options import options_from, pop_dataclass
from .run import BatchArgs, batch_options, run_photos


@click.command(name="oldphoto")
@batch_options()
@options_from(StageWeights)
@options_from(OldPhotoOptions)
def oldphoto_command(**kwargs) -> None:
    """Restore old photos in one go: find the damage (scratches, dust, cracks, tears,
    stains), inpaint it, denoise, and colorize black-and-white photos.

    PATH: image files and/or folders (outputs mirror their layout).
    """
    args = pop_dataclass(BatchArgs, kwargs)
    weights = pop_dataclass(StageWeights, kwargs)
    options = pop_dataclass(OldPhotoOptions, kwargs)

    def load():
        from ..oldphoto import OldPhoto

        pipeline = OldPhoto.load(options, weights, args.device, args.tile)
        for note in pipeline.notes:
            click.echo(note, err=True)
        return pipeline, pipeline.device

    run_photos("oldphoto", args, load, extras=STAGE_OUTPUTS if options.keep_stages else {})
