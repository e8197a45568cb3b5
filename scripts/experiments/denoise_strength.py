"""Does `restore denoise --strength` smooth more as it grows? Blind denoising of real camera noise at a few
strengths: PSNR against the clean reference, and the roughness left (mean absolute difference between
horizontal neighbours, grain and fine detail together), beside the noisy input's and the reference's.
Measures only; the default strength (1) is not chosen here.

    python scripts/experiments/denoise_strength.py --data ../shared/datasets/cc15 --strengths 0.5 1 1.5 2
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone's root: runs as `python scripts/...`

from restorer.bench.common import plain_photo
from restorer.bench.denoise import load_pairs
from restorer.metrics import psnr
from restorer.restorer import Restorer
from restorer.tasks import TASKS
from restorer.tasks.denoise import DenoiseOptions


def roughness(img: np.ndarray) -> float:
    return float(np.abs(np.diff(img, axis=1)).mean() * 255)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, required=True, help="a folder with noisy/ and clean/ (cc15's layout)")
    ap.add_argument("--strengths", type=float, nargs="+", default=[0.5, 1.0, 1.5, 2.0])
    ap.add_argument("--limit", type=int)
    args = ap.parse_args()
    pairs = load_pairs(args.data, args.limit)
    restorer = Restorer.load(TASKS["denoise"], options=DenoiseOptions(), device="cpu")
    print("| strength | PSNR | roughness (0-255) | photos |\n|---|---|---|---|")
    print(f"| noisy input | {np.mean([psnr(n, c) for _, n, c in pairs]):.2f} | "
          f"{np.mean([roughness(n) for _, n, _ in pairs]):.2f} | {len(pairs)} |")
    for s in args.strengths:
        outs = [(restorer(plain_photo(n), DenoiseOptions(strength=s)).pixels, c) for _, n, c in pairs]
        print(f"| {s:g} | {np.mean([psnr(o, c) for o, c in outs]):.2f} | {np.mean([roughness(o) for o, _ in outs]):.2f} "
              f"| {len(outs)} |", flush=True)
    print(f"| clean reference | | {np.mean([roughness(c) for _, _, c in pairs]):.2f} | {len(pairs)} |")


if __name__ == "__main__":
    main()
