"""A mask of a few small holes for `restore bench large --task inpaint`: five 9 px scratches up to
200 px long and a 50 px disc, seeded, white on black, any size (docs/BENCHMARKS.md, #29).

    python scripts/figures/few_holes_mask.py 6000x4000 /tmp/holes_6000x4000.png
"""
from __future__ import annotations

import argparse

import cv2
import numpy as np


def few_holes(width: int, height: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    mask = np.zeros((height, width), np.uint8)
    for _ in range(5):
        x, y = int(rng.integers(200, width - 200)), int(rng.integers(200, height - 200))
        angle, length = rng.uniform(0, np.pi), rng.uniform(80, 200)
        end = (int(x + length * np.cos(angle)), int(y + length * np.sin(angle)))
        cv2.line(mask, (x, y), end, 255, thickness=9)
    cv2.circle(mask, (width // 2, height // 2), 25, 255, thickness=-1)
    return mask


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("size", help="WIDTHxHEIGHT")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))
    cv2.imwrite(args.out, few_holes(width, height, args.seed))


if __name__ == "__main__":
    main()
