"""Pack training photos for a lent GPU machine, which has no ../shared and takes at most 64 MiB
of working tree: the trainer's seed-0 split of bsds432 (training part and held-out part apart),
urban100 and sunhays80 without the photos the colorize sweeps hold out (every 5th / 4th), as
lossy WebP (quality 90; sunhays80 shrunk to 640 px), which halves them to about 30 MB.

    python scripts/gpu/pack_data.py ../shared/datasets .gpu     # then: carry .gpu (ignored in .git/info/exclude)
    bash scripts/gpu/finetune_on_gpu.sh 7 .gpu/train .gpu/val

--hold-out LINKS SEED also keeps out of train/ the photos `restore train --data LINKS --seed SEED`
holds out (LINKS: a folder of links to the three sets), written to held_out/, so a denoiser trained
on train/ is scored on them as `scripts/experiments/denoise_heldout.py --links LINKS --split-seed SEED`.
--jpeg keeps the JPEG files as they are (a denoiser should not learn WebP's smoothing) and writes
shrunk ones as JPEG quality 95 without chroma subsampling; --long-side then shrinks urban100 and
sunhays80 further and --val-limit writes fewer validation photos, to fit the 64 MiB. For
denoise_colorize_on_gpu.sh (40 MB of photos):

    python scripts/gpu/pack_data.py ../shared/datasets .gpu --hold-out /work/denoise_data 5 --jpeg --long-side 448 --val-limit 16
    bash scripts/gpu/denoise_colorize_on_gpu.sh 7.6 .gpu/train .gpu/held_out .gpu/val
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone's root: runs as `python scripts/...`

from restorer.train.data import held_out_split, list_images

SHRINK = {"sunhays80": 640}  # long side, px


def save(p: Path, folder: Path, side: int | None, jpeg: bool) -> None:
    with Image.open(p) as im:
        shrink = bool(side) and max(im.size) > side
        if jpeg and im.format == "JPEG" and not shrink:
            shutil.copyfile(p, folder / f"{p.stem}.jpg")
            return
        im = im.convert("RGB")
        if shrink:
            im.thumbnail((side, side), Image.Resampling.LANCZOS)
        if jpeg:
            im.save(folder / f"{p.stem}.jpg", "JPEG", quality=95, subsampling=0)
        else:
            im.save(folder / f"{p.stem}.webp", "WEBP", quality=90, method=4)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("datasets", type=Path, help="the folder holding bsds432/, urban100/ and sunhays80/")
    ap.add_argument("out", type=Path)
    ap.add_argument("--hold-out", nargs=2, metavar=("LINKS", "SEED"), default=None,
                    help="also hold out what this folder of links' split with this seed holds out")
    ap.add_argument("--jpeg", action="store_true", help="keep JPEG files as they are instead of WebP")
    ap.add_argument("--long-side", type=int, default=None, help="shrink urban100 and sunhays80 to this long side (px)")
    ap.add_argument("--val-limit", type=int, default=None, help="write at most this many photos to val/ and held_out/")
    args = ap.parse_args()
    train, val = held_out_split(args.datasets / "bsds432", 0)
    groups = {
        "train/bsds432": ("bsds432", train), "val": ("bsds432", val),
        "train/urban100": ("urban100", [p for i, p in enumerate(list_images(args.datasets / "urban100")) if i % 5]),
        "train/sunhays80": ("sunhays80", [p for i, p in enumerate(list_images(args.datasets / "sunhays80")) if i % 4]),
    }
    if args.hold_out:
        kept = held_out_split(Path(args.hold_out[0]), int(args.hold_out[1]))[1]
        real = {os.path.realpath(p) for p in kept}
        for folder, (name, paths) in groups.items():
            if folder.startswith("train/"):
                groups[folder] = (name, [p for p in paths if os.path.realpath(p) not in real])
        groups["held_out"] = ("", kept)
    shrink = {**SHRINK, "urban100": args.long_side, "sunhays80": args.long_side} if args.long_side else SHRINK
    for folder, (name, paths) in groups.items():
        (args.out / folder).mkdir(parents=True, exist_ok=True)
        if not folder.startswith("train/"):
            paths = paths[: args.val_limit]
        for p in paths:
            save(p, args.out / folder, shrink.get(name or Path(os.path.realpath(p)).parent.name), args.jpeg)
        print(f"{folder}: {len(paths)} photos")


if __name__ == "__main__":
    main()
