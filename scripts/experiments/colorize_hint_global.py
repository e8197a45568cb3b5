"""Hints that also correct the whole photo's colour (issue #27): the hints say how far off the automatic
colour is in saturation (and hue) everywhere, not only near them. A global gain c on the automatic ab is
fitted to the hinted pixels by ridge least squares toward c = 1,

    scale:   c = (sum m.h + ridge) / (sum |m|^2 + ridge)          (real, held to 0..--clip)
    complex: c = (sum conj(m) h + ridge) / (sum |m|^2 + ridge)    (a chroma gain and a hue turn)

m the automatic ab and h the hint's ab at the hinted pixels (ridge in (ab units)^2). With --pull 0 the
automatic colour is multiplied by c before Levin's solve spreads what is left of the hints; otherwise c
enters the solve as a uniform pull of weight `pull` toward the correction (c - 1) m, so away from every
hint the photo takes the globally corrected colour; near hints Levin's spreading wins. --mode
scale-far and complex-far keep Levin's result where the hints reach (their reach r: Levin's solve with
a correction of 1 at every hint) and scale the rest: ab = (auto + d) (1 + (c - 1)(1 - r)).
Held-out photos only (colorize_auto_sweep.photos: the bsds432 held-out split, urban100 /5, sunhays80 /4).

    OMP_NUM_THREADS=1 python scripts/experiments/colorize_hint_global.py --limit 10 --mode scale complex \\
        --pull 0 1e-4 --ridge 100 1000 --clip 1 1.5 2
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone's root: runs as `python scripts/...`
sys.path.insert(0, str(Path(__file__).resolve().parent))

from colorize_auto_sweep import DATA, hint_sweep  # noqa: E402

from restorer.color_hints import Hints  # noqa: E402
from restorer.color_propagate import hint_correction, hint_pixels, working_lightness  # noqa: E402
from restorer.tasks.colorize import follow_hints, upsample_ab  # noqa: E402
from restorer.tiling import TiledPredictor  # noqa: E402
from restorer.weights import default_weights, load_model  # noqa: E402


def global_gain(auto: np.ndarray, hints: Hints, mode: str, ridge: float, clip: float = 2.0) -> complex:
    """The gain c (complex; real for `scale`) that best maps the automatic ab onto the hints' ab."""
    m = auto[..., 0] + 1j * auto[..., 1]
    h = hints.ab[:, 0] + 1j * hints.ab[:, 1]
    c = (np.sum(np.conj(m) * h) + ridge) / (np.sum(np.abs(m) ** 2) + ridge)
    if mode.startswith("scale"):
        return complex(np.clip(c.real, 0.0, clip))
    return c * min(1.0, clip / max(abs(c), 1e-9))


def hinted(ab: np.ndarray, hints: Hints, full_shape: tuple[int, ...]) -> np.ndarray:
    """N x 2: `ab` (any size) at the hints' pixels of a photo of full_shape."""
    return ab[hint_pixels(hints, ab.shape, full_shape)]


def scaled(ab: np.ndarray, c: complex) -> np.ndarray:
    z = c * (ab[..., 0] + 1j * ab[..., 1])
    return np.stack([z.real, z.imag], -1).astype(np.float32)


def far_scaled(grey: np.ndarray, auto: np.ndarray, hints: Hints, mode: str, ridge: float, clip: float) -> np.ndarray:
    """follow_hints with the photo beyond the hints' reach scaled by the hints' global gain."""
    small = working_lightness(grey[..., 0])
    ab = upsample_ab(auto, small.shape)
    d = hint_correction(small, ab, hints, grey.shape)
    ones = Hints(hints.ys, hints.xs, np.zeros_like(hints.ab))
    reach = np.clip(-hint_correction(small, np.ones_like(ab), ones, grey.shape)[..., :1], 0, 1)
    c = global_gain(hinted(ab, hints, grey.shape), hints, mode.removesuffix("-far"), ridge, clip)
    z = (ab[..., 0] + d[..., 0]) + 1j * (ab[..., 1] + d[..., 1])
    z = z * (1 + (c - 1) * (1 - reach[..., 0]))
    out = upsample_ab(np.stack([z.real, z.imag], -1).astype(np.float32), grey.shape)
    out[hints.ys, hints.xs] = hints.ab
    return out


def global_guide(mode: str, ridge: float, pull: float, clip: float):
    """follow_hints' guide: a uniform pull toward the globally corrected colour."""
    def guide(lightness: np.ndarray, ab: np.ndarray, hints: Hints, full_shape: tuple[int, ...]):
        c = global_gain(hinted(ab, hints, full_shape), hints, mode, ridge, clip)
        return np.full(lightness.shape, pull, np.float64), scaled(ab, c) - ab
    return guide


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA, help="folder holding bsds432, urban100 and sunhays80")
    ap.add_argument("--mode", nargs="+", default=["scale"], choices=("scale", "complex", "scale-far", "complex-far"))
    ap.add_argument("--pull", type=float, nargs="+", default=[1e-4])
    ap.add_argument("--ridge", type=float, nargs="+", default=[100.0])
    ap.add_argument("--clip", type=float, nargs="+", default=[2.0], help="the largest gain the hints may ask of the photo")
    ap.add_argument("--surfaces", action="store_true", help="hints also stop at the colorizer's surfaces (the shipped "
                    "Propagation.surface_gamma); the first row stays Levin alone")
    ap.add_argument("--points", type=int, nargs="+", default=[1, 5, 20])
    ap.add_argument("--limit", type=int, default=None, help="photos per set")
    args = ap.parse_args()
    model, info = load_model(default_weights("colorize"), task="colorize")
    predict = TiledPredictor(model.float().eval(), torch.device("cpu"), tile=0)
    settings = [None] + [(m, r, p, c) for m in args.mode for r in args.ridge for p in args.pull for c in args.clip]

    def colour(grey, auto, probs, pins, s):
        if s is None or not len(pins):
            return follow_hints(grey, auto, pins)
        seen = probs if args.surfaces else None
        if s[0].endswith("-far"):
            return far_scaled(grey, auto, pins, s[0], s[1], s[3])
        if not s[2]:  # pull 0: scale the automatic colour first
            start = scaled(auto, global_gain(hinted(auto, pins, grey.shape), pins, s[0], s[1], s[3]))
            return follow_hints(grey, start, pins, probs=seen)
        return follow_hints(grey, auto, pins, guide=global_guide(*s), probs=seen)

    hint_sweep(args.data, info.meta["training"]["config"]["seed"], args.limit, predict, args.points, settings, colour,
               "mode | ridge | pull | clip", lambda s: " | ".join(map(str, s)) if s else "Levin alone (shipped) | - | - | -")

if __name__ == "__main__":
    main()
