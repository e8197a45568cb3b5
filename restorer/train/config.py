"""Training options: one dataclass, from which the CLI builds its flags."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


def _opt(default, help: str, **extra):
    return field(default=default, metadata={"help": help, **extra})


@dataclass
class TrainConfig:
    data: Path = _opt(None, "Folder of clean training images (searched recursively).", required=True)
    val: Path | None = _opt(None, "Folder of validation images; default: a held-out 10% of --data.")
    minutes: float | None = _opt(None, "Stop after this many minutes of this run (adds to earlier runs with --resume).")
    steps: int | None = _opt(None, "Stop at this total number of steps.")
    from_weights: Path | None = _opt(None, "Fine-tune from these weights (e.g. weights/denoise.safetensors).", flag="--from")
    out: Path | None = _opt(None, "Run folder for checkpoint, log, curve and the new weights <out>/<task>.safetensors; default: runs/<task>.")
    resume: bool = _opt(False, "Continue from <out>/checkpoint.pt after an interruption.")
    continue_training: bool = _opt(
        False,
        "With --from: continue that file's training (its step count, minutes and LR schedule), as --resume "
        "would from a checkpoint rebuilt from it; the optimiser starts fresh. A calibration folded into the "
        "weights (segment) is taken out first and redone at the end.",
        flag="--continue",
    )
    batch_size: int = _opt(16, "Crops per step.")
    patch: int | None = _opt(None, "Crop size in pixels; default: the task's.")
    lr: float = _opt(2e-4, "Peak learning rate (Adam, cosine decay over the run).")
    loss: str | None = _opt(
        None,
        "Train with another of the task's losses: mse (denoise, inpaint) learns the mean, which PSNR rewards, "
        "where the default L1 learns the median; a short MSE run can finish an L1 one; psnr (denoise) weighs "
        "every crop's error in dB, so lightly noisy crops count as much as heavy ones; decoded (colorize) adds the squared "
        "error of the colour the distribution decodes to (decoded-only: that alone; decoded-neutral: neutral pixels weigh more); "
        "repair-weighted (segment) weighs each pixel's mistake by what it costs the restored photo.",
    )
    ema: float = _opt(0.999, "Validate and save an exponential moving average of the weights with this decay per step; 0: the last step's weights.", min=0.0, max=0.9999)
    freeze_bn: bool | None = _opt(
        None,
        "Hold BatchNorm statistics at their --from/--resume values: for finishing a model with smaller "
        "batches than it was trained with, whose statistics would be noisier. Default: on when fine-tuning "
        "--from weights (not with --continue), off otherwise.",
    )
    train_new_only: bool = _opt(
        False,
        "With --from weights grown into the task's model (e.g. denoise --refine-blocks): train only the weights "
        "the file lacked; the rest stay as given, and a step runs the backward pass of the new part only.",
    )
    shrink: float = _opt(
        1.0,
        "Shrink each drawn training photo by a random factor between this and 1 before cropping (area "
        "averaging, as DnCNN's training scales of 0.7-1): cleaner targets and more content per crop. 1: never.",
        min=0.1,
        max=1.0,
    )
    seed: int = _opt(0, "Seed for the split, crops and corruptions.")
    device: str = _opt("auto", "auto, cpu, cuda or mps.", choices=("auto", "cpu", "cuda", "mps"))
    val_every: int = _opt(200, "Validate every N steps.")
    checkpoint_minutes: float = _opt(5.0, "Save a checkpoint at least this often.")
    workers: int = _opt(0, "Data-loading worker processes (0 = in the training process).")
    masks: Path | None = _opt(
        None,
        "Train on your own labels instead of generated corruptions (segment): a folder with one mask per --data "
        "image, matched by file stem (photo.jpg <- masks/photo.png); index PNGs, 0 = background, 1..N-1 = classes "
        "(binary masks may be black/white).",
        exists=True,
    )
    classes: int = _opt(2, "Classes in --masks, background included (2 = binary: damage-style Dice + BCE).", min=2)

    def __post_init__(self) -> None:
        if self.freeze_bn is None:
            # A fine-tune's batches (a few crops of one folder) would replace the trained statistics: from the
            # shipped denoiser, 150 steps on text pages lost 2.8 dB with them and gained 0.3 frozen
            # (docs/history/general.md). --continue goes on with the file's own training, as it was.
            self.freeze_bn = self.from_weights is not None and not self.continue_training

    def budget_fraction(self, step: int, minutes_done: float, minutes_before: float) -> float:
        """How far through its budget the run is, in [0, 1]; drives the LR schedule."""
        fracs = []
        if self.steps:
            fracs.append(step / self.steps)
        if self.minutes:
            fracs.append(minutes_done / (minutes_before + self.minutes))
        return min(1.0, max(fracs)) if fracs else 0.0

    def finished(self, step: int, minutes_this_run: float) -> bool:
        if self.steps is not None and step >= self.steps:
            return True
        return self.minutes is not None and minutes_this_run >= self.minutes
