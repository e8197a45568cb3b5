"""One photo's measurements (Measurement) and the Scanner that makes them: the CPU part per
photo as it is read (prepare), the model part in batches (finish), so only small working
copies of a batch are held, never the full-size photos."""
from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from ..imageio import Photo, rgb_of
from ..oldphoto import tone
from ..tasks.base import Predictor
from . import features as F
from .codes import CodeReader, embedding_input, recon_input
from .damage import damage_fraction, damage_input
from .orientation import OrientationNet, load_orientation, upside_down_scores

# Bump when a measurement changes meaning: cached results of older versions are then measured again.
MEASURE_VERSION = 3  # 2: upside_down (orientation.py), flat_border, one_tone; 3: damage at DAMAGE_PROBABILITY


@dataclass
class Measurement:
    width: int
    height: int
    noise: float  # estimated noise level, 0-255 scale
    damage: float  # share of the photo the damage detector marks, 0-1
    tone: str  # oldphoto.TONES
    sharpness: float  # variance of the Laplacian (8-bit grey, features.SHARPNESS_SIDE)
    recon_error: float  # the autoencoder's mean squared reconstruction error
    upside_down: float  # orientation.upside_down_scores: positive = looks upside down
    flat_border: float  # features.flat_border: share of the photo that is an even area at its edge
    one_tone: float  # features.one_tone_share: largest share of pixels of (nearly) one grey level
    thumbnail: str  # base64 JPEG
    embedding: np.ndarray  # unit vector, codes.py
    code_stats: np.ndarray

    @property
    def megapixels(self) -> float:
        return self.width * self.height / 1e6

    @classmethod
    def scalar_names(cls) -> list[str]:
        return [f.name for f in fields(cls) if f.type != "np.ndarray"]

    @classmethod
    def array_names(cls) -> list[str]:
        return [f.name for f in fields(cls) if f.type == "np.ndarray"]


@dataclass
class Prepared:
    """What is kept of a photo between reading it and the batch's model passes."""

    scalars: dict
    orient_square: np.ndarray  # the orientation net's square
    damage_crop: np.ndarray  # damage.damage_input
    embed_square: np.ndarray
    recon_square: np.ndarray


class Scanner:
    def __init__(self, segment: Predictor, codes: CodeReader, orientation: OrientationNet | None = None) -> None:
        self.segment = segment
        self.codes = codes
        # the shipped net by default, on the autoencoder's device (callers that build a Scanner from their
        # own loaded models, as the UI does, need not know of it)
        self.orientation = orientation if orientation is not None else load_orientation(device=codes.device)

    @staticmethod
    def prepare(photo: Photo, orient_side: int) -> Prepared:
        """Static, so a scan whose photos are all cached never loads a model; orient_side is the
        orientation net's (orientation.weights_side() for the shipped one)."""
        px = photo.pixels
        small = F.fit_side(px, F.SHARPNESS_SIDE)  # everything but noise and damage reads this copy
        rgb = rgb_of(small)
        scalars = {"width": photo.width, "height": photo.height, "noise": F.noise_level(px), "tone": tone(small),
                   "sharpness": F.sharpness(rgb), "thumbnail": F.thumbnail(rgb), "flat_border": F.flat_border(rgb),
                   "one_tone": F.one_tone_share(rgb)}
        orient = F.square(rgb.astype(np.float32), orient_side)
        return Prepared(scalars, orient, damage_input(px), embedding_input(rgb), recon_input(rgb))

    def finish(self, batch: list[Prepared]) -> list[Measurement]:
        readings = self.codes([p.embed_square for p in batch], [p.recon_square for p in batch])
        side = self.orientation.side  # a square prepared for another net's side is resampled, not refused
        turned = upside_down_scores(self.orientation, [p.orient_square if len(p.orient_square) == side
                                                       else F.square(p.orient_square, side) for p in batch])
        return [
            Measurement(**p.scalars, damage=damage_fraction(p.damage_crop, self.segment),
                        recon_error=float(readings.recon_errors[i]), embedding=readings.embeddings[i],
                        code_stats=readings.code_stats[i], upside_down=float(turned[i]))
            for i, p in enumerate(batch)
        ]

    def measure(self, photos: list[Photo]) -> list[Measurement]:
        return self.finish([self.prepare(p, self.orientation.side) for p in photos])


def load_scanner(device: str = "auto", segment_weights: Path | None = None, autoencoder_weights: Path | None = None) -> Scanner:
    """The damage detector and the autoencoder (weights/segment and weights/morph by default), and the
    orientation net (orientation.WEIGHTS)."""
    from ..restorer import Restorer
    from ..tasks import TASKS

    segment = Restorer.load(TASKS["segment"], segment_weights, device)
    morph = Restorer.load(TASKS["morph"], autoencoder_weights, device)
    return Scanner(segment.predict, CodeReader(morph.predict.model, morph.predict.device))


def cache_version(segment_weights: Path | None = None, autoencoder_weights: Path | None = None) -> str:
    """What cached measurements depend on: MEASURE_VERSION and the models' checksums (read from their
    JSON, so a fully cached scan loads no model; the orientation net's small file is hashed)."""
    import hashlib

    from ..weights import default_weights, read_info
    from .orientation import WEIGHTS

    sums = [read_info(p).meta.get("sha256", "?")[:16] for p in (segment_weights or default_weights("segment"),
                                                               autoencoder_weights or default_weights("morph"))]
    sums.append(hashlib.sha256(WEIGHTS.read_bytes()).hexdigest()[:16] if WEIGHTS.is_file() else "?")
    return f"{MEASURE_VERSION}:{':'.join(sums)}"
