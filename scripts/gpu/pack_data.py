"""Pack training photos for a lent GPU machine, which has no ../shared and takes at most 64 MiB
of working tree: the trainer's seed-0 split of bsds432 (training part and held-out part apart),
urban100 and sunhays80 without the photos the colorize sweeps hold out (every 5th / 4th), as
lossy WebP (quality 90; sunhays80 shrunk to 640 px), which halves them to about 30 MB.

    python scripts/gpu/pack_data.py ../shared/datasets .gpu     # then: carry .gpu (ignored in .git/info/exclude)
    bash scripts/gpu/finetune_on_gpu.sh 7 .gpu/train .gpu/val
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone's root: runs as `python scripts/...`

from restorer.train.data import held_out_split, list_images

SHRINK = {"sunhays80": 640}  # long side, px


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("datasets", type=Path, help="the folder holding bsds432/, urban100/ and sunhays80/")
    ap.add_argument("out", type=Path)
    args = ap.parse_args()
    train, val = held_out_split(args.datasets / "bsds432", 0)
    groups = {
        "train/bsds432": ("bsds432", train), "val": ("bsds432", val),
        "train/urban100": ("urban100", [p for i, p in enumerate(list_images(args.datasets / "urban100")) if i % 5]),
        "train/sunhays80": ("sunhays80", [p for i, p in enumerate(list_images(args.datasets / "sunhays80")) if i % 4]),
    }
    for folder, (name, paths) in groups.items():
        (args.out / folder).mkdir(parents=True, exist_ok=True)
        for p in paths:
            with Image.open(p) as im:
                im = im.convert("RGB")
                side = SHRINK.get(name)
                if side and max(im.size) > side:
                    im.thumbnail((side, side), Image.Resampling.LANCZOS)
                im.save(args.out / folder / f"{p.stem}.webp", "WEBP", quality=90, method=4)
        print(f"{folder}: {len(paths)} photos")


if __name__ == "__main__":
    main()
