"""Benchmarks that print tables: quality and speed against classical baselines, measured in the same run.

BENCHES lists the declared ones (restorer/bench/base.py); `restore bench` generates a command for each.
Add one by declaring BENCH in its module and listing it here."""
from __future__ import annotations

from . import colorize, colorize_reference, inpaint, oldphoto, segment, unfade, upscale
from .base import Bench

BENCHES: dict[str, Bench] = {
    b.name: b for b in (inpaint.BENCH, colorize.BENCH, colorize_reference.BENCH, segment.BENCH, oldphoto.BENCH,
                        upscale.BENCH, unfade.BENCH)}
