"""Plausible automatic colour and hint propagation for colorize (issue #27), measured on held-out
photos of the training sets only: the trainer's held-out split of bsds432 (the weights never saw
it), every 5th photo of urban100 and every 4th of sunhays80 (never trained on), each shrunk to a
long side of at most 512 px to keep the sweep in CPU minutes.

--part decode scores decodings of the automatic colour (colorize.Decoding: temperature T, prior
correction alpha, chroma scale) by PSNR over grey, share of photos worse than grey, mean Delta E
on a*b* and the share of pixels painted a wrong hue (bench.colorize.wrong_hue: PSNR forgives it);
--part hints scores the hint propagation (color_propagate.Propagation: prior weight and variance cap)
by the gain over the automatic colour with 1, 5 and 20 ground-truth hint points (the bench's).
The network runs once per photo; every setting reuses its logits.

    OMP_NUM_THREADS=1 python scripts/experiments/colorize_auto_sweep.py --part decode \\
        --decode 0.6:0:1:0,0.6:0:1:1,0.6:0.3:1:2
    OMP_NUM_THREADS=1 python scripts/experiments/colorize_auto_sweep.py --part hints --prior 1e-5 1e-4 --cap 16 64
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone's root: runs as `python scripts/...`

from restorer import color as C
from restorer.bench.colorize import HINT_SEED, colour_errors, true_hints
from restorer.color_hints import Hints
from restorer.color_propagate import Propagation
from restorer.corrupt.functional import quantise
from restorer.metrics import psnr
from restorer.resize import resize_long_side
from restorer.color_decoding import Decoding, colour_distribution, decode_auto
from restorer.tasks.colorize import follow_hints, predict_logits
from restorer.tiling import TiledPredictor
from restorer.train.data import held_out_split, list_images, load_rgb
from restorer.weights import default_weights, load_model

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets"
SIDE = 512


def photos(data: Path, seed: int, limit: int | None) -> dict[str, list[np.ndarray]]:
    sets = {"bsds432 held-out": held_out_split(data / "bsds432", seed)[1],
            "urban100 /5": list_images(data / "urban100")[::5],
            "sunhays80 /4": list_images(data / "sunhays80")[::4]}
    out = {}
    for name, paths in sets.items():
        imgs = [a.astype(np.float32) / 255 for a in load_rgb(paths[:limit], 0)]
        out[name] = [resize_long_side(a, SIDE) if max(a.shape[:2]) > SIDE else a for a in imgs]
    return out


def hint_sweep(data: Path, seed: int, limit: int | None, predict: TiledPredictor, points: list[int], settings: list,
               colour: Callable[[np.ndarray, np.ndarray, np.ndarray, Hints, object], np.ndarray],
               columns: str, label: Callable[[object], str], surface_side: int | None = None) -> None:
    """Prints, per setting and number of ground-truth hint points, the gain over the automatic colour per set
    and pooled, and the wrong-hue share. colour(grey, automatic ab, distribution, hints, setting) -> ab; the
    setting None is Levin alone (the shipped propagation before these sweeps). surface_side: the distribution
    from a second prediction with that long side (default: the automatic colour's own)."""
    gain = {(s, n): [] for s in settings for n in points}
    wrong, absolute = {k: [] for k in gain}, {k: [] for k in gain}
    for name, imgs in photos(data, seed, limit).items():
        for i, clean in enumerate(imgs):
            grey = C.grey_of(clean)
            if not np.isfinite(psnr(quantise(np.repeat(grey, 3, 2)), clean)):
                continue  # a grey photo: nothing to colour
            logits = predict_logits(grey, predict)
            auto = decode_auto(logits)
            probs = colour_distribution(predict_logits(grey, predict, surface_side) if surface_side else logits)
            base = psnr(quantise(C.colorize_grey(grey, follow_hints(grey, auto, Hints.none()))), clean)
            for n in points:
                pins = true_hints(clean, n, HINT_SEED + i)
                for s in settings:
                    out = quantise(C.colorize_grey(grey, colour(grey, auto, probs, pins, s)))
                    absolute[s, n].append(psnr(out, clean))
                    gain[s, n].append((name, absolute[s, n][-1] - base))
                    wrong[s, n].append(colour_errors(out, clean)[1])
        print(f"done {name}", file=sys.stderr, flush=True)
    sets = sorted({g[0] for v in gain.values() for g in v})
    print(f"| {columns} | hints | " + " | ".join(sets) + " | pooled gain over automatic | wrong hue | pooled PSNR |")
    print("|" + "---|" * (columns.count("|") + 5 + len(sets)))
    for s in settings:
        for n in points:
            per = [np.mean([g for k, g in gain[s, n] if k == set_]) for set_ in sets]
            print(f"| {label(s)} | {n} | " + " | ".join(f"{v:+.2f}" for v in per)
                  + f" | {np.mean([g for _, g in gain[s, n]]):+.3f} | {np.mean(wrong[s, n]):.1%}"
                  f" | {np.mean(absolute[s, n]):.2f} |",
                  flush=True)


def _head(label: str, key: tuple) -> str:
    """A row's first columns: the set, the decoding, the propagation and the number of hints."""
    d, how, n = key
    return (f"| {label} | {d.temperature:g} | {d.alpha:g} | {d.chroma:g} | {d.shrink:g} | "
            f"{f'{how.prior:g} / {how.variance_cap:g}' if how else '-'} | {n}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA, help="folder holding bsds432, urban100 and sunhays80")
    ap.add_argument("--weights", type=Path, default=None, help="default: the shipped colorize weights")
    ap.add_argument("--part", choices=("decode", "hints"), default="decode")
    ap.add_argument("--decode", default="0.6:0:1:0", help="T:ALPHA:CHROMA:SHRINK,... (--part decode; the first is the hints' automatic colour)")
    ap.add_argument("--prior", type=float, nargs="+", default=[1e-4], help="prior weights (--part hints)")
    ap.add_argument("--cap", type=float, nargs="+", default=[64.0], help="variance caps (--part hints)")
    ap.add_argument("--points", type=int, nargs="+", default=[1, 5, 20])
    ap.add_argument("--limit", type=int, default=None, help="photos per set")
    ap.add_argument("--raw", action="store_true", help="--part hints: the network's colour alone, hints not propagated "
                    "afterwards (only weights that read hints follow them then)")
    ap.add_argument("--untold", action="store_true", help="--part hints: weights that read hints are not given them "
                    "(the hints are only propagated over their automatic colour)")
    args = ap.parse_args()
    model, info = load_model(args.weights or default_weights("colorize"), task="colorize")
    predict = TiledPredictor(model.float().eval(), torch.device("cpu"), tile=0)

    decodes = [Decoding(*(float(v) for v in d.split(":"))) for d in args.decode.split(",")]
    keys = ([(d, None, 0) for d in decodes] if args.part == "decode"
            else [(decodes[0], Propagation(p, c), n) for p in args.prior for c in args.cap for n in [0, *args.points]])
    print(f"| set | T | alpha | chroma | shrink | prior / cap | hints | over grey | worse than grey | ΔE ab | wrong hue | photos |\n|{'---|' * 12}",
          flush=True)
    every: list[tuple[str, float, dict]] = []  # per photo: (set, the original's colourfulness, {key: (gain, ΔE, wrong hue)})
    for name, imgs in photos(args.data, info.meta["training"]["config"]["seed"], args.limit).items():
        for i, clean in enumerate(imgs):
            grey = C.grey_of(clean)
            base = psnr(quantise(np.repeat(grey, 3, 2)), clean)
            if not np.isfinite(base):  # a grey photo: nothing to colour, and any gain is -inf
                continue
            logits = {0: predict_logits(grey, predict)}
            every.append((name, C.colourfulness(clean), {}))
            for k in keys:
                d, how, n = k
                pins = true_hints(clean, n, HINT_SEED + i) if n else Hints.none()
                if n not in logits:  # weights that read hints (colour_hint_maps) see them; older ones do not
                    told = predict.in_channels > 1 and not args.untold
                    logits[n] = predict_logits(grey, predict, hints=pins) if told else logits[0]
                ab = follow_hints(grey, decode_auto(logits[n], d), pins if not args.raw else Hints.none(), how or Propagation())
                out = quantise(C.colorize_grey(grey, ab))
                every[-1][2][k] = (psnr(out, clean) - base, *colour_errors(out, clean))
        _print_rows(name, [e for e in every if e[0] == name], keys)
    # Pooled over every set, and over the most colourful third of the photos: fading saturated objects
    # (red doors, caps) costs there, which the pooled mean can hide (docs/history/colorize.md, 2026-12-07).
    cut = np.quantile([e[1] for e in every], 2 / 3)
    _print_rows("pooled", every, keys)
    _print_rows("most colourful third", [e for e in every if e[1] >= cut], keys)


def _print_rows(label: str, chosen: list[tuple[str, float, dict]], keys: list) -> None:
    """One row per setting over the `chosen` photos: gain over grey, share worse than grey, ΔE, wrong hue."""
    for k in keys:
        g, e, w = (np.array([scores[k][j] for _, _, scores in chosen]) for j in range(3))
        print(f"{_head(label, k)} | {g.mean():+.3f} | {(g < 0).mean():.3f} | {e.mean():.2f} | {w.mean():.1%} | {len(g)} |",
              flush=True)

if __name__ == "__main__":
    main()
