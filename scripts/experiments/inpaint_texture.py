"""Does texture copied into wide holes (patch_fill.py, `inpaint --fill texture`) beat the model's smooth fill?
Scored on photos the benchmark never uses (the 10 % of the training folder that
`restore train --data DIR --seed 0` holds out, centre crops), with the bench's masks drawn with
another seed. Per variant and mask kind: hole PSNR, and "detail" (the bench's hole_detail: the
mean gradient magnitude in the holes over the original's; a blurred patch scores well below 1).

    python scripts/experiments/inpaint_texture.py --data /work/denoise_data --limit 24 \\
        --variant guide_weight=1 --variant guide_weight=3,tone_blur=4,half_width=16 --grid /tmp/texture.png
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone's root: runs as `python scripts/...`

from restorer.bench.common import centre_crop
from restorer.bench.inpaint import FILL, bench_masks, hole_detail
from restorer.patch_fill import PatchFill
from restorer.restorer import Restorer
from restorer.tasks import TASKS
from restorer.tasks.inpaint import TEXTURE, inpaint_pixels, texture_wide_holes
from restorer.train.data import held_out_split, load_rgb



def parse_variant(text: str) -> tuple[str, PatchFill, float | None]:
    """'guide_weight=3,tone_blur=4,half_width=16' -> (text, PatchFill with those fields, the
    texture_wide_holes half-width, None for its default)."""
    fields = {f.name: f.type for f in dataclasses.fields(PatchFill)}
    values, half_width = {}, None
    for part in filter(None, text.split(",")):
        key, value = part.split("=")
        if key == "half_width":
            half_width = float(value)
        else:
            values[key] = (int if fields[key] in ("int", int) else float)(value)
    return text, dataclasses.replace(TEXTURE, **values), half_width


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="the training folder (its held-out 10 %% is used)")
    ap.add_argument("--limit", type=int, default=24)
    ap.add_argument("--side", type=int, default=512)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--kinds", default="thick,object", help="mask kinds scored (thin, medium, thick, object)")
    ap.add_argument("--variant", action="append", default=[], help="PatchFill fields, comma-separated; repeatable")
    ap.add_argument("--grid", type=Path, default=None, help="write input | ours | each variant | original for object masks")
    args = ap.parse_args()
    variants = [parse_variant(v) for v in args.variant] or [("shipped", TEXTURE, None)]
    kinds = args.kinds.split(",")
    restorer = Restorer.load(TASKS["inpaint"], None, "cpu")
    _, held = held_out_split(args.data, 0)
    scores: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    seconds: dict[str, list[float]] = defaultdict(list)
    rows = []
    images = [centre_crop(u8, args.side).astype(np.float32) / 255 for u8 in load_rgb(held[: args.limit], 64)]
    for i, clean in enumerate(images):
        h, w = clean.shape[:2]
        for kind, hole in bench_masks(h, w, i, seed=args.seed):
            if kind not in kinds or not hole.any():
                continue
            damaged = np.where(hole[..., None], FILL, clean).astype(np.float32)
            t = time.perf_counter()
            ours = inpaint_pixels(damaged, hole, restorer.predict)
            seconds["ours"].append(time.perf_counter() - t)
            outs = {"ours": ours}
            for name, cfg, half_width in variants:
                t = time.perf_counter()
                outs[name] = np.where(hole[..., None], texture_wide_holes(damaged, hole, ours, cfg, half_width), damaged)
                seconds[name].append(time.perf_counter() - t + seconds["ours"][-1])
            for name, out in outs.items():
                err = float(np.mean((out[hole] - clean[hole]) ** 2))
                scores[(name, kind)].append((10 * np.log10(1 / max(err, 1e-12)), hole_detail(out, clean, hole)))
            if kind == "object" and len(rows) < 6 and args.grid:
                side = args.side  # every panel padded to the same square, so the columns line up
                pad = lambda im: np.pad(im, ((0, side - h), (0, side - w), (0, 0)))  # noqa: E731
                rows.append(np.concatenate([pad(damaged), *map(pad, outs.values()), pad(clean)], axis=1))
        print(f"{i + 1}/{len(images)}", file=sys.stderr, flush=True)
    names = ["ours"] + [n for n, _, _ in variants]
    print(f"{'method':40s} " + " ".join(f"{k + ' PSNR/detail':>22s}" for k in kinds) + "   s/mask")
    for name in names:
        cells = []
        for kind in kinds:
            arr = np.array(scores[(name, kind)])
            cells.append(f"{arr[:, 0].mean():12.2f} / {arr[:, 1].mean():5.2f}   ")
        print(f"{name:40s} " + " ".join(cells) + f"   {np.mean(seconds[name]):.2f}")
    if args.grid and rows:
        grid = np.concatenate(rows, axis=0)
        cv2.imwrite(str(args.grid), cv2.cvtColor(np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8), cv2.COLOR_RGB2BGR))


if __name__ == "__main__":
    main()
