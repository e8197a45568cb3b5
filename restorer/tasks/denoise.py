"""Denoising: a U-Net with a noise-level input (as FFDNet), so one model
serves every strength, and the level can be given or estimated."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import partial

import cv2
import numpy as np

from ..corrupt import functional as F
from ..corrupt.camera import camera_noise
from ..ensemble import averaged_over_views, views_field
from ..imageio import Photo, rgb_of
from ..models import cpu_unet
from ..noise_estimate import NoiseReading, estimate_level, neighbour_correlation
from ..softness import edge_spread
from .base import Predictor, Sample, Task, TrainingHooks, mse_loss, psnr_loss

MAX_SIGMA = 75.0  # 0-255 scale; the range the model is trained on
SOFT_FROM, SOFT_FULL = 0.6, 1.2  # px of edge spread: a scan's sharpening ramp (SCAN_WEIGHTS, below)


@dataclass
class DenoiseOptions:
    sigma: float | None = field(
        default=None,
        metadata={
            "help": "Noise level on the 0-255 scale (e.g. 15 light, 25 medium, 50 heavy). "
            "Omit it to estimate the level per image (printed for each) from its weakly textured "
            "7x7 patches at full and half resolution, which also sees camera noise; the photo then runs "
            "on the weights fine-tuned on camera noise and 8-bit files (weights/denoise_camera.safetensors), "
            "or again on the Gaussian-noise weights when the noise it removed was white (uncorrelated, as "
            "synthetic noise is) and at most 60, told the level read away from clipped areas; a given sigma "
            "of 70 or more runs the camera weights, below that the weights fine-tuned on Gaussian noise as 8-bit "
            "files hold it. Float pixels outside [0, 1] (the Python API; no file holds them) run the weights "
            "trained on unclipped noise.",
            "min": 0.0,
            "max": MAX_SIGMA,
        },
    )
    strength: float = field(
        default=1.0,
        metadata={"help": "Scales the noise level the model is told, given or estimated: below 1 keeps more "
                          "grain and detail, above 1 smooths more (0-2).", "min": 0.0, "max": 2.0},
    )
    views: int = views_field(1, "Average the denoiser over this many mirrored/turned views (1-8): each costs one "
                             "more pass; 8 gains about 0.17 dB on the benchmarks for eight times the time.")
    scan: bool = field(default=False, metadata={
        "help": "The photo is a scan of a print (oldphoto's denoise stage): its film grain is white, so it runs on the "
                f"weights for Gaussian noise in files, and where its strongest edges read soft (spread over {SOFT_FROM:g} "
                f"px) it is also sharpened, up to fully from {SOFT_FULL:g} px, by the weights trained on soft scans "
                "(weights/denoise_scan.safetensors)."})


def _model_input(rgb: np.ndarray, sigma: float) -> np.ndarray:
    """HxWx3 image + its noise level -> 4xHxW: colour channels and a constant level map."""
    h, w = rgb.shape[:2]
    level = np.full((1, h, w), sigma, np.float32)
    return np.concatenate([rgb.transpose(2, 0, 1), level], axis=0)


def make_sample(clean: np.ndarray, rng: np.random.Generator) -> Sample:
    """Noise as files hold it. Most inputs are clipped and rounded to 8 bits (some to 16):
    Gaussian noise of a known level (told as given: a user's --sigma is the nominal level),
    and camera noise (signal-dependent, channel- and spatially correlated, often JPEG'd; told
    as blind estimation measures). A share stays unclipped float noise, the
    published AWGN protocol."""
    bits, gray, clean = _bits_and_grey(clean, rng)
    kind = rng.random()
    if kind < 0.6:
        sigma = rng.uniform(0, MAX_SIGMA) / 255
        noisy = _gaussian(clean, sigma, gray, rng)
        if kind >= 0.2:
            noisy = F.quantise(noisy, bits)
    else:
        noisy = camera_noise(clean, rng, bits)
        if gray:
            noisy = np.repeat(noisy.mean(axis=2, keepdims=True), 3, axis=2)
        sigma = estimate_level(noisy)
    return _sample(noisy, sigma, clean)


def _told(sigma: float, options: DenoiseOptions) -> float:
    """The level the model is told: the noise level scaled by --strength, within its training range."""
    return min(sigma * options.strength, MAX_SIGMA / 255)


def _bits_and_grey(clean: np.ndarray, rng: np.random.Generator) -> tuple[int, bool, np.ndarray]:
    """The file's bit depth (16 for a share of samples), and whether the photo is grey (then made so)."""
    bits = 16 if rng.random() < 0.15 else 8
    gray = rng.random() < 0.1  # grayscale photos: the same noise in all three channels
    return bits, gray, _grey(clean) if gray else clean


def _grey(rgb: np.ndarray) -> np.ndarray:
    """A grey print of the photo: the channels' mean in all three."""
    return np.repeat(rgb.mean(axis=2, keepdims=True), 3, axis=2)


def _gaussian(clean: np.ndarray, sigma: float, gray: bool, rng: np.random.Generator) -> np.ndarray:
    noisy = F.gaussian_noise(clean[..., :1] if gray else clean, sigma, rng)
    return np.repeat(noisy, 3, axis=2) if gray else noisy


def _sample(noisy: np.ndarray, sigma: float, clean: np.ndarray) -> Sample:
    return {"input": _model_input(noisy, sigma), "target": np.ascontiguousarray(clean.transpose(2, 0, 1))}


GAUSSIAN_FILE_MAX_SIGMA = 35.0  # the shipped run's range; on held-out files its weights still led the camera ones up to 60


def make_gaussian_file_sample(clean: np.ndarray, rng: np.random.Generator) -> Sample:
    """Gaussian noise of a known level as an 8-bit (some 16-bit) file holds it, clipped and rounded:
    the case the weights for a given sigma serve (`restore train denoise --noise gaussian-files`)."""
    bits, gray, clean = _bits_and_grey(clean, rng)
    sigma = rng.uniform(0, GAUSSIAN_FILE_MAX_SIGMA) / 255
    return _sample(F.quantise(_gaussian(clean, sigma, gray, rng), bits), sigma, clean)


SCAN_GRAIN_MAX = 20.0  # 0-255 scale: film grain as a scan shows it (the oldphoto bench's grain is 10)


def make_scan_sample(clean: np.ndarray, rng: np.random.Generator, soft: float = 0.5) -> Sample:
    """A print as its scan holds it, for oldphoto's denoise stage: mostly black-and-white, softened by the
    print and the scanner's optics a `soft` share of the time (Gaussian, sigma 0.3-1.0 px, as the detector's scans),
    film grain (white, the same in every channel of a grey print), an 8-bit file, JPEG half the time (quality
    60-95). The target is the sharp photo; blind, the model is told the level the estimator reads, as oldphoto
    runs it (`restore train denoise --noise scan`)."""
    gray = rng.random() < 0.6
    clean = _grey(clean) if gray else clean
    shown = cv2.GaussianBlur(clean, (0, 0), rng.uniform(0.3, 1.0)) if rng.random() < soft else clean
    noisy = F.quantise(_gaussian(shown, rng.uniform(0, SCAN_GRAIN_MAX) / 255, gray, rng))
    if rng.random() < 0.5:
        noisy = F.jpeg_artifacts(noisy, int(rng.integers(60, 96)))
    # a grey print's channels are equal: reading one costs a third and reads the same level
    return _sample(noisy, estimate_level(noisy[..., :1] if gray else noisy), clean)


NOISE_SAMPLES = {"mixed": make_sample, "gaussian-files": make_gaussian_file_sample, "scan": make_scan_sample}


@dataclass
class DenoiseTrainingOptions:
    """`restore train denoise` flags for what the training samples hold."""

    noise: str = field(default="mixed", metadata={
        "help": "[denoise] mixed: Gaussian (float and as files hold it) and camera noise, the blind weights' "
                "diet; gaussian-files: Gaussian noise of a known level up to sigma 35, clipped and rounded as "
                "8/16-bit files hold it, for the weights a given sigma runs; scan: film grain on soft, "
                "JPEG'd scans of prints, sharp targets, for oldphoto's denoise stage.",
        "choices": tuple(NOISE_SAMPLES)})
    scan_soft: float = field(default=0.5, metadata={
        "help": "[denoise] With --noise scan: the share of samples softened before the grain (0: sharp scans only).",
        "min": 0.0, "max": 1.0})
    refine_blocks: int = field(default=0, metadata={
        "help": "[denoise] Add a refinement stage of this many residual blocks (behind a 2x pixel unshuffle) after "
                "the U-Net, reading its answer and the input: capacity at full detail. With --from weights that lack "
                "one it is grown onto them and starts as exactly them (0: none added).",
        "min": 0})
    refine_channels: int = field(default=48, metadata={"help": "[denoise] Channels of the refinement stage's blocks.",
                                                       "min": 8})

    def task(self, task: Task) -> Task:
        refine = {"refine_blocks": self.refine_blocks, "refine_channels": self.refine_channels}
        model = replace(task.model, args={**task.model.args, **refine}) if self.refine_blocks else task.model
        sample = NOISE_SAMPLES[self.noise]
        if sample is make_scan_sample:
            sample = partial(sample, soft=self.scan_soft)
            sample.__name__ = f"make_scan_sample(soft={self.scan_soft:g})"  # the run's record names its diet
        return replace(task, make_sample=sample, model=model)


def apply(photo: Photo, options: DenoiseOptions, predict: Predictor, alternates: dict[str, Predictor] | None = None) -> Photo:
    """alternates (Task.alternates): {"white": the Gaussian-files weights} for a blind run: the photo runs
    on them instead when what `predict` removes from its centre looks like light white noise (is_white);
    {"soft": the soft-scan weights} for a scan: their answer blended in as far as it reads soft (sharpening);
    {"float": the AWGN weights}: pixels outside [0, 1] run on them, given or blind (is_unclipped)."""
    pixels = photo.pixels
    rgb = rgb_of(pixels)
    unclipped = (alternates or {}).get("float") if is_unclipped(pixels) else None
    if options.sigma is not None:
        sigma = options.sigma / 255
    else:  # unclipped float noise is synthetic, white: the one-scale estimate reads it (estimate_level's docstring)
        reading = NoiseReading(pixels)  # one draw of patches for every reading below
        sigma = reading.sigma() if unclipped is not None else reading.level()
    x = _model_input(rgb, _told(sigma, options))
    predict = unclipped or predict
    white = (alternates or {}).get("white") if unclipped is None else None
    out, picked = None, False
    if white is not None and options.sigma is None and sigma * 255 <= WHITE_MAX_LEVEL:
        crop = _centre(rgb.shape, WHITE_CHECK_SIDE)  # a probe: a small crop tells, not a second pass
        probe = predict(x[:, crop[0], crop[1]]).transpose(1, 2, 0)
        picked = is_white(rgb[crop], probe, sigma)
        if picked:  # white noise, clipped by the file: read again where the clipping cannot have shrunk it
            level = reading.clipped()
            picked = level * 255 <= WHITE_PASS_MAX_LEVEL
            if picked:
                sigma = level
                x[3] = _told(sigma, options)
        if not picked and probe.shape[:2] == rgb.shape[:2] and options.views == 1:
            out = probe  # the probe was the whole photo
    if out is None:
        out = averaged_over_views(white if picked else predict, x, options.views).transpose(1, 2, 0)
    soft = (alternates or {}).get("soft") if options.scan and unclipped is None else None
    spread, share = sharpening(rgb, sigma) if soft is not None else (float("nan"), 0.0)
    if share > 0:
        out = out + share * (averaged_over_views(soft, x, options.views).transpose(1, 2, 0) - out)
    if pixels.shape[2] == 1:
        out = out.mean(axis=2, keepdims=True)
    how = ("given" if options.sigma is not None else "estimated") + (", white" if picked else "") + \
        (", unclipped float" if unclipped is not None else "")
    strength = f", strength {options.strength:g}" if options.strength != 1 else ""
    scan = f"; scan edges {spread:.2f} px, sharpened {share:.0%}" if soft is not None else ""
    note = f"noise level {sigma * 255:.1f} ({how}{strength}){scan}"
    return replace(photo.with_pixels(np.clip(out, 0, 1)), notes=(*photo.notes, note))


# A blind run's second pick (issue #24): the camera weights lose to the Gaussian-files weights on Gaussian
# files and win on camera noise. What the camera weights removed tells the two apart: white noise leaves a
# residual whose neighbours do not correlate (at most 0.05 from sigma 15 on 20 held-out photos), a camera's
# demosaiced noise one that does (median 0.50); the threshold was set before that run. Levels (0-255 scale,
# docs/history/denoise.md): the probe is tried where estimate_level reads up to WHITE_MAX_LEVEL (it reads
# clipped files low), and the white pass runs where the clipped reading is at most WHITE_PASS_MAX_LEVEL: the
# Gaussian-files weights lead the camera ones to a known 60, and at 75 (read as 66) the pass lost 0.19 dB.
WHITE_CORRELATION = 0.1
WHITE_MAX_LEVEL = 70.0
WHITE_PASS_MAX_LEVEL = 60.0
# px: the camera weights' probe runs on a centre crop at most this size. On 61 held-out photos a 256 px crop
# decided as the whole photo did (docs/history/denoise.md); a white 500 px file then costs 1.26 passes, not 2.
WHITE_CHECK_SIDE = 256


def _centre(shape: tuple[int, ...], side: int) -> tuple[slice, slice]:
    h, w = shape[:2]
    y, x = max(0, (h - side) // 2), max(0, (w - side) // 2)
    return slice(y, y + side), slice(x, x + side)


def is_white(noisy: np.ndarray, denoised: np.ndarray, level: float) -> bool:
    """Whether what a blind run removed (noisy - denoised, HxWx3; level on the 0-1 scale) is light white noise."""
    return level * 255 <= WHITE_MAX_LEVEL and neighbour_correlation(noisy - denoised) < WHITE_CORRELATION


# Blind runs (no --sigma: a user's real photo, its level estimated) use weights fine-tuned on camera
# noise and clipped 8-bit files as well as Gaussian: on 20 held-out training photos, blind, they gain
# 0.78 dB on camera noise and 0.27 at files sigma 50 and lose 0.04-0.07 at 15-25. A known sigma runs the
# task's own weights (since 2026-12-04 fine-tuned on Gaussian noise as 8-bit files hold it, up to sigma
# 35), which lead the camera weights on held-out files from sigma 15 to 60 (+0.16 at 50, +0.09 at 60) and
# trail at 75 (-0.07): from CAMERA_FROM_SIGMA the camera weights run (docs/history/denoise.md).
BLIND_WEIGHTS = "denoise_camera"
TASK_WEIGHTS = "denoise"
CAMERA_FROM_SIGMA = 70.0
# Float pixels outside [0, 1] hold noise that was never clipped, which no 8-bit file holds (the Python API,
# the published AWGN protocol). The weights above learnt clipped files and lose up to 1.2 dB on it (CBSD68
# sigma 50), so such photos run the AWGN weights, trained on exactly that (shipped as denoise until 2026-12-04).
FLOAT_WEIGHTS = "denoise_float"


def is_unclipped(pixels: np.ndarray) -> bool:
    """Whether some pixel lies outside [0, 1], which no clipped file can hold."""
    return bool(pixels.size) and (float(pixels.min()) < 0 or float(pixels.max()) > 1)


def weights_variant(options: DenoiseOptions) -> str | None:
    if options.scan:  # film grain is white: the Gaussian-files weights, as oldphoto has always run them
        return None
    return BLIND_WEIGHTS if options.sigma is None or options.sigma >= CAMERA_FROM_SIGMA else None


def alternates(options: DenoiseOptions) -> dict[str, str]:
    """A blind run may go again on the task's own (Gaussian-files) weights (apply, is_white); a scan may
    be sharpened by the soft-scan weights (apply, sharpening); any run on unclipped float pixels goes on
    the AWGN weights (is_unclipped). Loaded when first used."""
    if options.scan:
        return {"float": FLOAT_WEIGHTS, "soft": SCAN_WEIGHTS}
    return {"float": FLOAT_WEIGHTS} | ({"white": TASK_WEIGHTS} if options.sigma is None else {})


# A scan (--scan, oldphoto) whose strongest edges read soft also runs on weights fine-tuned on soft, grainy,
# JPEG'd scans of prints (--noise scan --scan-soft 0.5), which undo the softness and lose 0.3 dB on sharp scans.
# Their answer is blended in by the edge spread (restorer/softness.py): none up to SOFT_FROM px, all from
# SOFT_FULL. On 61 held-out photos, each scanned sharp and soft: +0.30 dB, the sharp half unchanged; the ramp
# was chosen on them and on oldphoto's held-out score, which a steeper one lowered by 0.02 dB (docs/history/oldphoto.md).
SCAN_WEIGHTS = "denoise_scan"
SPREAD_CHECK_SIDE = 768  # px: the spread is read on a centre crop at most this size (a 24 MP scan reads no slower)


def sharpening(rgb: np.ndarray, level: float) -> tuple[float, float]:
    """(edge spread in px, the share of the soft-scan weights' answer blended in) for a scan whose grain
    has this level (0-1 scale)."""
    crop = _centre(rgb.shape, SPREAD_CHECK_SIDE)
    spread = edge_spread(rgb[crop], noise=level)
    share = 0.0 if np.isnan(spread) else float(np.clip((spread - SOFT_FROM) / (SOFT_FULL - SOFT_FROM), 0, 1))
    return spread, share


TASK = Task(
    name="denoise",
    summary="Remove noise from photos (known or estimated noise level).",
    options=DenoiseOptions,
    model=cpu_unet(4, 3),
    make_sample=make_sample,
    apply=apply,
    losses={"mse": mse_loss, "psnr": psnr_loss},
    weights_variant=weights_variant,
    alternates=alternates,
    training=TrainingHooks(model_options=DenoiseTrainingOptions),
)
