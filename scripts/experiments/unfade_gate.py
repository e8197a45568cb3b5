"""How oldphoto's unfade gate (restorer/unfade.looks_faded) was chosen: on held-out photos of the
training folder (the trainer's split, seed 0), each as is and faded by restorer/corrupt/fading.py,
the share of untouched photos the gate passes (false positives: unfade would recolour them) and of
visibly faded ones (Delta E > 5 from the original) it passes, for a few black/white cuts.

    python scripts/experiments/unfade_gate.py --data /work/denoise_data --photos 80
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone's root: runs as `python scripts/...`

from restorer.corrupt.fading import fade
from restorer.corrupt.functional import quantise
from restorer.metrics import delta_e
from restorer.train.data import held_out_split, load_rgb
from restorer.unfade import GATE_PERCENTILES

CUTS = [(0.02, 0.98), (0.03, 0.97), (0.04, 0.95), (0.05, 0.93)]


def ends(img: np.ndarray) -> tuple[float, float]:
    """(darkest channel's low percentile, brightest channel's high percentile), as looks_faded reads them."""
    low, high = np.percentile(img[::2, ::2].reshape(-1, 3), GATE_PERCENTILES, axis=0)
    return float(low.min()), float(high.max())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--photos", type=int, default=80)
    args = ap.parse_args()
    _, val = held_out_split(args.data, seed=0)
    untouched, faded = [], []
    for i, raw in enumerate(load_rgb(val[: args.photos], min_size=32)):
        img = raw.astype(np.float32) / 255
        untouched.append(ends(img))
        f = quantise(fade(img, np.random.default_rng(i)))
        if delta_e(f, img) > 5:
            faded.append(ends(f))
    u, f = np.array(untouched), np.array(faded)
    print(f"{len(u)} untouched, {len(f)} visibly faded")
    print("| black > | white < | untouched passed | faded passed |\n|---|---|---|---|")
    for black, white in CUTS:
        pass_u = ((u[:, 0] > black) & (u[:, 1] < white)).mean()
        pass_f = ((f[:, 0] > black) & (f[:, 1] < white)).mean()
        print(f"| {black} | {white} | {pass_u:.3f} | {pass_f:.3f} |")


if __name__ == "__main__":
    main()
