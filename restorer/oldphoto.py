"""The whole old-photo restoration: restore a faded colour photo's colour, detect the damage,
inpaint it, denoise, and colorize a black-and-white photo (or, left black-and-white, put it back on its
tone). A recipe over the task definitions: each stage is a Task from TASKS run through its own apply,
with its own weights."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from .companion import find_companion
from .imageio import Photo
from .restorer import Restorer
from .tasks import TASKS
from .tasks.denoise import DenoiseOptions
from .tasks.inpaint import InpaintOptions, load_mask
from .see_through import SeeThrough, see_through
from .tasks.segment import SegmentOptions, labels_of, mask_photo, overlay
from .tasks.unfade import UnfadeOptions
from .tasks.upscale import SCALES as UPSCALE_SCALES
from .tasks.upscale import UpscaleOptions
from .unfade import looks_faded
from .weights import WeightsError

REQUIRED_STAGES = ("segment", "inpaint", "denoise")  # in the order they run; unfade (first) and colorize
# (last) are optional, upscale asked for
GREY_TINT = 0.06  # monochrome photos whose channels differ by less than this fraction of the luminance: grey
TONES = ("colour", "grey", "sepia", "tinted")
CAST_CHROMA = 0.02  # median max - min over the channels of a faded print: >= 0.047 on 37 held-out ones, 0 on grey
INTACT_MARGIN = 3  # px around the damage left out when reading the photo's tone
LUMA = np.array([0.299, 0.587, 0.114])  # Rec. 601 luminance weights, for reading and keeping a print's tone
MONOCHROME_SPREAD = 0.03  # channels this close (RMS, relative) to fixed multiples of the luminance: black-and-white
MASK_TAG = "_1_mask"  # --keep-stages writes the damage as photo_1_mask.png; --mask FOLDER reads it back by that name
SEE_THROUGH = SeeThrough()  # chosen on held-out crops: scripts/experiments/oldphoto_threshold.py --see-through
# --keep-stages: each stage's result, named photo<tag>.<format> (None: the photo's own format);
# _0_unfaded only where that stage ran (colour photos)
STAGE_OUTPUTS: dict[str, str | None] = {"_0_unfaded": None, MASK_TAG: "PNG", f"{MASK_TAG}_overlay": "PNG",
                                        "_2_inpainted": None, "_3_denoised": None}


@dataclass
class OldPhotoOptions:
    threshold: float = field(default=0.35, metadata={
        "help": "Damage probability above which a pixel is repaired (lower: more is repaired; 0.35 was best for the "
                "restored photo on held-out crops, where `restore segment` cuts at 0.5 for the best mask).",
        "min": 0.0, "max": 1.0})
    dilate: int = field(default=1, metadata={
        "help": "Grow the damage (detected, or the mask given) by this many pixels before inpainting (covers soft "
                "edges); 0: inpaint exactly the mask.", "min": 0})
    no_see_through: bool = field(default=False, metadata={
        "help": "Fill every damaged area from its surroundings, even where the photo shows through a translucent "
                "mark (by default wide stains keep the photo's detail under them and only get their tone repaired)."})
    sigma: float | None = field(default=None, metadata={
        "help": "Noise level for the denoising stage (0-255 scale); omit to estimate it per photo.", "min": 0.0, "max": 75.0})
    no_sharpen: bool = field(default=False, metadata={
        "help": "Leave a soft scan soft: the denoising stage only removes grain (by default a scan whose edges read "
                "soft is also sharpened, as `restore denoise --scan` does)."})
    no_colorize: bool = field(default=False, metadata={
        "help": "Leave black-and-white photos black-and-white (on their own tone: marks left in place keep no colour)."})
    no_unfade: bool = field(default=False, metadata={
        "help": "Leave a colour photo's colour as it is (by default a colour photo that looks faded, with "
                "lifted blacks and dimmed whites, has its cast, contrast and black level restored first)."})
    keep_tone: bool = field(default=False, metadata={
        "help": "Keep a toned print's tone (sepia, cyanotype) instead of colourising it; neutral grey photos are "
                "still colourised."})
    upscale: int | None = field(default=None, metadata={
        "help": "Enlarge the restored photo this many times as the last stage (the upscaler's real mode).",
        "choices": UPSCALE_SCALES})
    keep_stages: bool = field(default=False, metadata={
        "help": "Also write each stage's result: <name>_0_unfaded (colour photos), <name>_1_mask.png (white = "
                "damage; edit it and give it back as --mask), <name>_1_mask_overlay.png (the damage in red over "
                "the photo), <name>_2_inpainted, <name>_3_denoised."})


@dataclass
class StageWeights:
    segment_weights: Path | None = field(default=None, metadata={
        "help": "Damage detector weights (default: weights/segment.safetensors).", "exists": True})
    inpaint_weights: Path | None = field(default=None, metadata={
        "help": "Inpainting weights (default: weights/inpaint.safetensors).", "exists": True})
    denoise_weights: Path | None = field(default=None, metadata={
        "help": "Denoising weights (default: weights/denoise.safetensors).", "exists": True})
    colorize_weights: Path | None = field(default=None, metadata={
        "help": "Colorization weights (default: weights/colorize.safetensors; the stage is skipped without them).",
        "exists": True})
    upscale_weights: Path | None = field(default=None, metadata={
        "help": "Upscaling weights, with --upscale (default: weights/upscale.safetensors).", "exists": True})
    unfade_weights: Path | None = field(default=None, metadata={
        "help": "Colour restoration weights (default: weights/unfade.safetensors; the stage is skipped without them).",
        "exists": True})

    def for_stage(self, name: str) -> Path | None:
        """The weights given for stage `name` (a task name); None: its default weights."""
        return getattr(self, f"{name}_weights")


def is_monochrome(pixels: np.ndarray) -> bool:
    """One channel, or three in nearly fixed proportions: gray, or gray under one tint (sepia, cyanotype).
    Chroma is taken relative to luminance, as a tint scales with the brightness it tints."""
    if pixels.shape[2] == 1:
        return True
    rgb = pixels.reshape(-1, 3).astype(np.float64)
    y = rgb @ LUMA
    residual = np.sqrt(((rgb - y[:, None] * _luma_multiples(rgb, y)) ** 2).mean(axis=0))
    return bool(residual.max() < MONOCHROME_SPREAD * max(float(y.mean()), 1e-3))


def _luma_multiples(rgb: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Each of the N x 3 pixels' channels' best fixed multiple of their luminance y (least squares)."""
    return rgb.T @ y / max(float(y @ y), 1e-12)


def channel_scale(pixels: np.ndarray) -> np.ndarray:
    """A monochrome print's tone: each of the 3 channels' best fixed multiple of the luminance."""
    rgb = pixels.reshape(-1, 3).astype(np.float64)
    return _luma_multiples(rgb, rgb @ LUMA)


def on_tone(pixels: np.ndarray, seen: np.ndarray, print_tone: str | None = None) -> np.ndarray:
    """A monochrome print's restored pixels put back on its tone, read on `seen` (its intact pixels): each channel
    that fixed multiple of the pixel's luminance (exactly grey for a grey print). Marks the repair left or missed
    (a brown stain on a black-and-white print) keep no colour of their own; their lightness stays. A colour
    photo's (or a one-channel photo's) pixels are returned as they are. print_tone: tone(seen), when already read."""
    if pixels.shape[-1] != 3:
        return pixels
    print_tone = print_tone or tone(seen)
    if print_tone == "colour":
        return pixels
    scale = np.ones(3) if print_tone == "grey" else channel_scale(seen)
    y = pixels @ LUMA.astype(pixels.dtype)
    return np.clip(y[..., None] * scale.astype(pixels.dtype), 0, 1)


def tone(pixels: np.ndarray) -> str:
    """colour, or a monochrome photo (is_monochrome) that is grey, sepia (warm) or tinted (any other
    tint: cyanotype, a colour cast); the tint is each channel's mean over the luminance's. The one
    reading of a photo's tone: `restore scan` reports it, `oldphoto --keep-tone` keeps all but grey."""
    if not is_monochrome(pixels):
        return "colour"
    if pixels.shape[2] == 1:
        return "grey"
    means = pixels.reshape(-1, 3).mean(axis=0).astype(np.float64)
    tint = means / max(float(means @ LUMA), 1e-3)
    if tint.max() - tint.min() < GREY_TINT:
        return "grey"
    return "sepia" if tint[0] > tint[2] else "tinted"


def is_toned(pixels: np.ndarray) -> bool:
    """Black-and-white under a tint (sepia, cyanotype), not neutral grey."""
    return tone(pixels) in ("sepia", "tinted")


def colorizes(pixels: np.ndarray, options: OldPhotoOptions, print_tone: str | None = None) -> bool:
    """Whether the colorize stage runs on this photo (when its weights are there). print_tone: tone(pixels), when
    already read (a 24 MP photo's takes seconds)."""
    if options.no_colorize:
        return False
    t = print_tone or tone(pixels)
    return t == "grey" or (t != "colour" and not options.keep_tone)


def unfades(pixels: np.ndarray, options: OldPhotoOptions, print_tone: str | None = None) -> bool:
    """Whether the unfade stage runs on this photo (when its weights are there): colour photos that look
    faded (unfade.looks_faded; the model also recolours photos that never faded) with colour in most of
    their pixels, as a faded print's cast is everywhere (a grey print with stains the detector missed
    has its colour in the stains only, and unfading it would tint all of it). print_tone: tone(pixels), when already read."""
    if options.no_unfade or (print_tone or tone(pixels)) != "colour" or not looks_faded(pixels):
        return False
    rgb = pixels.reshape(-1, pixels.shape[-1])[::4]
    return bool(np.median(rgb.max(axis=1) - rgb.min(axis=1)) >= CAST_CHROMA)


def intact(pixels: np.ndarray, damage: np.ndarray) -> np.ndarray:
    """The pixels away from the damage (bool HxW, grown by INTACT_MARGIN px for halos and soft edges), as
    an N x 1 x C array to read the photo's tone from; all of them when too few are left."""
    size = 2 * INTACT_MARGIN + 1
    near = cv2.dilate(damage.astype(np.uint8), np.ones((size, size), np.uint8)).astype(bool)
    return pixels if (~near).mean() < 0.2 else pixels[~near][:, None, :]


@dataclass
class OldPhoto:
    options: OldPhotoOptions
    stages: dict[str, Restorer]  # segment, inpaint, denoise, and unfade and colorize when available
    notes: list[str] = field(default_factory=list)  # stages skipped, and why

    @classmethod
    def build(cls, options: OldPhotoOptions, load_stage: Callable[..., Restorer],
              optional_errors: tuple[type[Exception], ...] = (WeightsError,)) -> OldPhoto:
        """The pipeline with every stage loaded by `load_stage(task)` (the denoise stage's with `options=` its
        options, which name the alternates it may pick: Task.alternates), the one place stages are loaded.
        An error from a required stage propagates; unfade and colorize are optional: one of `optional_errors`
        while loading one (no weights) skips it with a note."""
        stages = {}
        for name in REQUIRED_STAGES:  # a sharpening denoise stage's options name the soft-scan weights it may blend in
            sharpens = name == "denoise" and not options.no_sharpen
            stages[name] = load_stage(TASKS[name], options=denoise_options(options)) if sharpens else load_stage(TASKS[name])
        notes = []
        if not options.no_unfade:
            try:
                stages["unfade"] = load_stage(TASKS["unfade"])
            except optional_errors as e:
                notes.append(f"unfade skipped: {e}")
        colorize = TASKS.get("colorize")
        if options.no_colorize:
            pass
        elif colorize is None:
            notes.append("colorize: not available in this version; black-and-white photos stay so")
        else:
            try:
                stages["colorize"] = load_stage(colorize)
            except optional_errors as e:
                notes.append(f"colorize skipped: {e}")
        if options.upscale:
            stages["upscale"] = load_stage(TASKS["upscale"])
        return cls(options, stages, notes)

    @classmethod
    def load(cls, options: OldPhotoOptions, weights: StageWeights, device: str = "auto", tile: int | None = None) -> OldPhoto:
        """Each stage from the weights `weights` names for it (default: the shipped ones); WeightsError
        when a required stage has none."""
        return cls.build(options, lambda task, **kw: Restorer.load(task, weights.for_stage(task.name), device, tile, **kw))

    @property
    def device(self) -> str:
        return str(self.stages["segment"].predict.device)

    def __call__(self, photo: Photo, damage: np.ndarray | None = None) -> dict[str, Photo]:
        """{"": the restored photo, and with keep_stages each stage's result under its tag}.
        damage: bool HxW, what to repair instead of what the detector finds (a mask the user gave or edited)."""
        o, s = self.options, self.stages
        detect = (lambda p: s["segment"](p, SegmentOptions(threshold=o.threshold))) if damage is None else (
            lambda p: mask_photo(p, damage))
        mask = detect(photo)
        # The photo's tone is read where it is intact: brown stains do not make a black-and-white print colour.
        seen = intact(photo.pixels, labels_of(mask) > 0)
        print_tone = tone(seen)  # read once: each reading is a float64 pass over every intact pixel
        unfaded = s["unfade"](photo, UnfadeOptions()) if "unfade" in s and unfades(seen, o, print_tone) else None
        if unfaded is not None:  # the detector, inpainter and denoiser learnt on photos of normal colour and contrast
            photo, mask = unfaded, detect(unfaded)
        inpainted = s["inpaint"].apply_after(photo, InpaintOptions(auto=True, dilate=o.dilate, fill="smooth"), {"segment": mask})
        if not o.no_see_through:
            inpainted = inpainted.with_pixels(see_through(photo.pixels, inpainted.pixels, labels_of(mask) > 0, SEE_THROUGH))
        result = denoised = s["denoise"](inpainted, denoise_options(o))
        if "colorize" in s and colorizes(seen, o, print_tone):
            colorize = s["colorize"]
            result = colorize(denoised, colorize.task.options())
        else:  # a print left black-and-white (or toned) goes back on its tone; a colour photo stays as it is
            result = result.with_pixels(on_tone(result.pixels, seen, print_tone))
        if o.upscale:
            result = s["upscale"](result, UpscaleOptions(scale=o.upscale, mode="real"))
        stages = dict(zip(STAGE_OUTPUTS, (unfaded, mask, overlay(photo, mask), inpainted, denoised))) if o.keep_stages else {}
        return {"": result, **{tag: stage for tag, stage in stages.items() if stage is not None}}


def denoise_options(options: OldPhotoOptions) -> DenoiseOptions:
    """The denoise stage's options: a scan's grain, sharpened where the scan reads soft unless --no-sharpen."""
    return DenoiseOptions(sigma=options.sigma, scan=not options.no_sharpen)


def read_damage(photo: Photo, where: Path) -> np.ndarray:
    """--mask: the bool damage mask for `photo` (white = damage) from a file, or from a folder holding
    photo_1_mask.png (as --keep-stages writes it) or photo.png. One of another size is an error naming
    the file: stretched, a mask made for another scan or crop would repair the wrong places."""
    path = find_companion(photo, where, "mask", tags=(MASK_TAG, ""))
    return load_mask(path, photo.height, photo.width, resize=False)
