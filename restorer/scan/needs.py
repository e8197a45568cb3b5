"""What a photo needs, from its measurements, and the one command that gives it."""
from __future__ import annotations

import shlex
from pathlib import Path

from .damage import DAMAGED_FRACTION
from .features import BLURRED_SHARPNESS, NOISY_LEVEL, SMALL_MEGAPIXELS
from .measure import Measurement

# The task suggested for each photo, in the order of the plan files: oldphoto does all three of
# repair, denoise and colorize, so a photo needing it needs no other; upscale comes last because it
# enlarges whatever is left (noise and damage included), so a small photo needing more gets a note.
PLAN_TASKS = ("oldphoto", "denoise", "colorize", "upscale")


def needs_of(m: Measurement) -> list[str]:
    """Labels, most important first: damaged, noisy, black-and-white / sepia / tinted, blurred, small."""
    needs = []
    if m.damage > DAMAGED_FRACTION:
        needs.append("damaged")
    if m.noise > NOISY_LEVEL:
        needs.append("noisy")
    if m.tone != "colour":
        needs.append("black-and-white" if m.tone == "grey" else m.tone)
    if m.sharpness < BLURRED_SHARPNESS:
        needs.append("blurred")
    if m.megapixels < SMALL_MEGAPIXELS:
        needs.append("small")
    return needs


def task_for(m: Measurement) -> str | None:
    """damaged, or noisy and monochrome: oldphoto (repair, denoise, colorize in one); noisy: denoise;
    monochrome: colorize; small: upscale; otherwise nothing to run (blurred photos have no task yet)."""
    damaged, noisy, mono = m.damage > DAMAGED_FRACTION, m.noise > NOISY_LEVEL, m.tone != "colour"
    if damaged or (noisy and mono):
        return "oldphoto"
    if noisy:
        return "denoise"
    if mono:
        return "colorize"
    if m.megapixels < SMALL_MEGAPIXELS:
        return "upscale"
    return None


def command_for(m: Measurement, path: Path) -> str:
    task = task_for(m)
    return f"restore {task} {shlex.quote(str(path))}" if task else ""


def notes_of(m: Measurement) -> list[str]:
    """What no command fixes yet."""
    notes = []
    if m.sharpness < BLURRED_SHARPNESS:
        notes.append("blurred: no deblurring task yet")
    if m.megapixels < SMALL_MEGAPIXELS and task_for(m) != "upscale":
        notes.append(f"small ({m.megapixels:.2f} MP): restore upscale on the result")
    return notes
