"""Non-local hint spreading for colorize (issue #27), measured on the held-out photos of
colorize_auto_sweep.py (never Kodak24 or CBSD68). Rejected after its one benchmark run (it leaked a red
hat's colour onto a face and a cap's onto a wooden wall, and lost with 1-5 hints on Kodak24:
docs/history/colorize.md), so it lives here and not in the package.

Levin's propagation (color_propagate.py) carries a hint only through connected pixels of similar
lightness, so a hint on one patch of sky or lawn does not reach the next patch. Here a hint also
reaches, wherever they are, pixels the colorizer sees as the same kind of thing (edit propagation
in feature space, An and Pellacini 2008): the feature is the network's own distribution over ab
bins, compared by the Bhattacharyya coefficient, times a lightness similarity. Each pixel gets a
non-local guess (the hints' colours or corrections, weighted) with a confidence; the guess enters
the sparse solve as a pull of weight `lam` x confidence, beside Levin's smoothness and the hints.

    OMP_NUM_THREADS=1 python scripts/experiments/colorize_hint_nonlocal.py --limit 10 \\
        --gamma 8 --sigma-l 15 --lam 0 1e-3 1e-2 --mode colour
"""
from __future__ import annotations

import argparse
import itertools
import sys
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from colorize_auto_sweep import DATA, photos  # noqa: E402

from restorer import color as C  # noqa: E402
from restorer.bench.colorize import HINT_SEED, true_hints  # noqa: E402
from restorer.color_hints import Hints  # noqa: E402
from restorer.color_propagate import hint_pixels  # noqa: E402
from restorer.corrupt.functional import quantise  # noqa: E402
from restorer.metrics import psnr  # noqa: E402
from restorer.color_decoding import AUTO, colour_distribution, decode_auto  # noqa: E402
from restorer.tasks.colorize import follow_hints, predict_logits  # noqa: E402
from restorer.tiling import TiledPredictor  # noqa: E402
from restorer.weights import default_weights, load_model  # noqa: E402



@dataclass(frozen=True)
class NonLocal:
    """Hints also reaching, wherever they are, pixels the colorizer sees as the same kind of thing
    (edit propagation in feature space, An and Pellacini 2008): weight Bhattacharyya(p_x, p_hint)^gamma
    x exp(-(L_x - L_hint)^2 / (2 sigma_l^2)), p the network's distribution over ab bins. lam: how hard
    the resulting guess pulls (against edge weights <= 1); 0: off. mode: the guess is the hints' colour
    or their correction to the automatic colour."""

    gamma: float = 8.0
    sigma_l: float = 15.0
    lam: float = 0.0
    mode: str = "colour"
    # >0: also x exp(-d^2 / (2 r^2)), d the distance to the hint, r = reach x diagonal / sqrt(hint groups): the
    # more places hinted, the nearer each one's say (a stroke is one group); 0: anywhere
    reach: float = 0.0
    # a pseudo-weight of "no hint" in each pixel's guess: where the best match is weak, the guess stays
    # near the automatic colour instead of taking the hints' colour whole (the pull alone cannot do
    # that: against the prior of Propagation any pull wins); 0: the hints' weighted mean everywhere
    kappa: float = 0.0


NONLOCAL_MAX_SOURCES = 256  # hint cells of the prediction grid compared with every pixel (strokes are subsampled)
_CHUNK = 32  # hint cells weighed at a time: memory stays a few working-size planes


def _hint_cells(hints: Hints, ab: np.ndarray, lightness: np.ndarray, grid: tuple[int, int],
                full_shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """The hints grouped by cell of the prediction grid: cell index, mean lightness, mean correction
    to the automatic colour and mean hint colour (at most NONLOCAL_MAX_SOURCES cells), and how many
    separate places they are (hint_groups, of all cells)."""
    pw = grid[1]
    cy, cx = hint_pixels(hints, grid, full_shape)
    cells, inverse = np.unique(cy * pw + cx, return_inverse=True)
    ys, xs = hint_pixels(hints, lightness.shape, full_shape)
    count = np.bincount(inverse)

    def mean(v: np.ndarray) -> np.ndarray:
        return np.bincount(inverse, v) / count

    light = mean(lightness[ys, xs])
    corr = np.stack([mean(hints.ab[:, k] - ab[ys, xs, k]) for k in range(2)], 1)
    colour = np.stack([mean(hints.ab[:, k]) for k in range(2)], 1)
    groups = hint_groups(cells, grid)
    if len(cells) > NONLOCAL_MAX_SOURCES:
        keep = np.random.default_rng(0).choice(len(cells), NONLOCAL_MAX_SOURCES, replace=False)
        cells, light, corr, colour = cells[keep], light[keep], corr[keep], colour[keep]
    return cells, light, corr, colour, groups


def hint_groups(cells: np.ndarray, grid: tuple[int, int]) -> int:
    """How many separate places were hinted: groups of hinted cells of the prediction grid that touch
    (a stroke is one place, as is a tight cluster of points)."""
    marked = np.zeros(grid, np.uint8)
    marked.flat[cells] = 1
    return max(cv2.connectedComponents(cv2.dilate(marked, np.ones((3, 3), np.uint8)), connectivity=8)[0] - 1, 1)


def nonlocal_guess(lightness: np.ndarray, ab: np.ndarray, probs: np.ndarray, hints: Hints,
                   full_shape: tuple[int, ...], nl: NonLocal) -> tuple[np.ndarray, np.ndarray]:
    """(HxW pull weight, HxWx2 guessed correction) at the working size of `lightness` and `ab`;
    probs: Q x h x w, the network's distribution on its prediction grid."""
    h, w = lightness.shape
    q, ph, pw = probs.shape
    cells, light, corr, colour, groups = _hint_cells(hints, ab, lightness, (ph, pw), full_shape)
    value = (colour if nl.mode == "colour" else corr).astype(np.float32)
    root = np.sqrt(probs.reshape(q, -1))
    gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
    spread = 2 * (nl.reach * float(np.hypot(h, w))) ** 2 / groups
    total, strongest = np.zeros((h, w), np.float32), np.zeros((h, w), np.float32)
    summed = np.zeros((h, w, 2), np.float32)
    for start in range(0, len(cells), _CHUNK):
        part = slice(start, start + _CHUNK)
        bc = np.clip(root.T @ root[:, cells[part]], 0, 1).reshape(ph, pw, -1).astype(np.float32)
        weight = cv2.resize(bc, (w, h), interpolation=cv2.INTER_LINEAR).reshape(h, w, -1)
        weight = np.clip(weight, 0, 1) ** nl.gamma
        weight *= np.exp(-((lightness[..., None] - light[part].astype(np.float32)) ** 2) / (2 * nl.sigma_l**2))
        if nl.reach > 0:
            hy = ((cells[part] // pw + 0.5) * h / ph).astype(np.float32)
            hx = ((cells[part] % pw + 0.5) * w / pw).astype(np.float32)
            weight *= np.exp(-((gy[..., None] - hy) ** 2 + (gx[..., None] - hx) ** 2) / spread)
        total += weight.sum(-1)
        strongest = np.maximum(strongest, weight.max(-1))
        summed += weight @ value[part]
    if nl.mode == "colour":  # the weighted mean of the hints' colours and the automatic colour (kappa)
        guess = (summed + nl.kappa * ab) / np.maximum(total + nl.kappa, 1e-12)[..., None] - ab
    else:
        guess = summed / np.maximum(total + nl.kappa, 1e-12)[..., None]
    return (nl.lam * strongest).astype(np.float32), guess.astype(np.float32)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--limit", type=int, default=10)
    ap.add_argument("--points", type=int, nargs="+", default=[1, 5, 20])
    ap.add_argument("--gamma", type=float, nargs="+", default=[8.0])
    ap.add_argument("--sigma-l", type=float, nargs="+", default=[15.0])
    ap.add_argument("--lam", type=float, nargs="+", default=[0.0, 1e-2])
    ap.add_argument("--mode", nargs="+", default=["colour"], choices=("colour", "correction"))
    ap.add_argument("--reach", type=float, nargs="+", default=[0.0], help="spatial reach, a share of the diagonal (0: anywhere)")
    ap.add_argument("--kappa", type=float, nargs="+", default=[0.0], help="pseudo-weight of the automatic colour in the guess")
    args = ap.parse_args()
    model, info = load_model(default_weights("colorize"), task="colorize")
    predict = TiledPredictor(model.float().eval(), torch.device("cpu"), tile=0)
    settings = [NonLocal(g, s, lam, m, r, k) for g, s, lam, m, r, k in
                itertools.product(args.gamma, args.sigma_l, args.lam, args.mode, args.reach, args.kappa)
                if lam > 0 or (g, s, m, r, k) == (args.gamma[0], args.sigma_l[0], args.mode[0], args.reach[0], args.kappa[0])]
    print("| set | gamma | sigma L | lam | mode | reach | kappa | gain over automatic, " + " / ".join(map(str, args.points))
          + " hints | photos |\n|---|---|---|---|---|---|---|---|---|", flush=True)
    pooled: dict[NonLocal, list[np.ndarray]] = {s: [] for s in settings}
    for name, imgs in photos(args.data, info.meta["training"]["config"]["seed"], args.limit).items():
        gains: dict[NonLocal, list[list[float]]] = {s: [] for s in settings}
        for i, clean in enumerate(imgs):
            grey = C.grey_of(clean)
            if not np.isfinite(psnr(quantise(np.repeat(grey, 3, 2)), clean)):
                continue
            logits = predict_logits(grey, predict)
            ab, probs = decode_auto(logits, AUTO), colour_distribution(logits)
            auto = psnr(quantise(C.colorize_grey(grey, follow_hints(grey, ab, true_hints(clean, 0, 0)))), clean)
            for s in settings:
                row = []
                for n in args.points:
                    pins = true_hints(clean, n, HINT_SEED + i)
                    out = quantise(C.colorize_grey(grey, follow_hints(grey, ab, pins, guide=lambda *a, s=s: nonlocal_guess(*a[:2], probs, a[2], a[3], s))))
                    row.append(psnr(out, clean) - auto)
                gains[s].append(row)
        for s in settings:
            g = np.array(gains[s])
            pooled[s].append(g)
            print(f"| {name} | {s.gamma:g} | {s.sigma_l:g} | {s.lam:g} | {s.mode} | {s.reach:g} | {s.kappa:g} | "
                  + " / ".join(f"{v:+.2f}" for v in g.mean(0)) + f" | {len(g)} |", flush=True)
    for s in settings:
        g = np.concatenate(pooled[s])
        print(f"| pooled | {s.gamma:g} | {s.sigma_l:g} | {s.lam:g} | {s.mode} | {s.reach:g} | {s.kappa:g} | "
              + " / ".join(f"{v:+.2f}" for v in g.mean(0)) + f" | {len(g)} |", flush=True)


if __name__ == "__main__":
    main()
