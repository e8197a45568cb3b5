"""How the outlier cues of `restore scan` were combined (restorer/scan/outliers.py): folders of training
photos with planted ones, ranked under candidate weights.

    OMP_NUM_THREADS=1 python scripts/experiments/scan_outlier_calibration.py \
        ../shared/datasets/bsds432 ../shared/datasets/urban100 ../shared/datasets/sunhays80

Each folder: ordinary photos (a random draw) and five planted ones: a blank page, a screenshot of text,
a mis-scan (bench/scan_samples.mis_scan: a strip beside the dark lid), a skewed scan on a light lid
(a variant the bench does not plant, so the border cue is not fitted to one drawing), and one of the
ordinary photos' turns. Every 10th photo of each set (the orientation net's held-out photos,
scripts/experiments/scan_orientation.py) is the only kind that is turned, and "held-out" folders hold
only those, so the upside-down cue is not read on photos it was trained on; "all" folders draw their
ordinary photos from every photo (their upright scores are then a little optimistic).
Prints, per weight setting, the share of folders where each planted kind is in the top 10, and the
share of turned photos in the top 10 when each held-out photo is the turned one in turn. --orientation
scores the turned cue with other orientation nets (several: the mean of their scores), as a check of
new nets end to end, on the same held-out photos."""
from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone's root: runs as `python scripts/...`

from restorer.bench import scan_samples as S  # noqa: E402
from restorer.bench.common import load_clean  # noqa: E402
from restorer.scan import features as F  # noqa: E402
from restorer.scan import outliers as O  # noqa: E402
from restorer.scan.codes import embedding_input, recon_input  # noqa: E402
from restorer.scan.measure import load_scanner  # noqa: E402
from restorer.scan.orientation import SIDE, WEIGHTS, load_orientation, upside_down_scores  # noqa: E402

TOP = 10
HELD_OUT_EVERY = 10  # as scan_orientation.py


def skewed_on_light_lid(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A print lying skewed and part off the scanned area, on a light lid."""
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(8, 25), rng.uniform(0.5, 0.7))
    m[:, 2] += [w * rng.uniform(0.2, 0.4), h * rng.uniform(-0.2, 0.2)]
    lid = rng.uniform(0.85, 0.97)
    out = cv2.warpAffine(img, m, (w, h), borderMode=cv2.BORDER_CONSTANT, borderValue=(lid, lid, lid))
    return np.clip(out + rng.normal(0, 0.01, out.shape), 0, 1).astype(np.float32)


def turned_scores(images: list[np.ndarray], paths: list[Path], mirror: bool) -> np.ndarray:
    """The upside-down score as `restore scan` reads it (a square of the 512 px copy), averaged over the
    nets of several weights files (an ensemble) and, with mirror, each square's mirror image."""
    nets = [load_orientation(p) for p in paths]
    return np.mean([np.concatenate([upside_down_scores(n, [F.square(F.fit_side(x, F.SHARPNESS_SIDE).astype(np.float32), n.side)
                                                           for x in images[s : s + 16]], mirror)
                                    for s in range(0, len(images), 16)]) for n in nets], axis=0)


def cue_inputs(images: list[np.ndarray], scanner) -> dict[str, np.ndarray]:
    """What outlier_scores reads, without the measurements it does not (noise, damage: the slow ones)."""
    out = {"recon": [], "stats": [], "turned": [], "border": [], "tone": []}
    for s in range(0, len(images), 16):
        rgbs = [F.fit_side(i, F.SHARPNESS_SIDE) for i in images[s : s + 16]]
        r = scanner.codes([embedding_input(x) for x in rgbs], [recon_input(x) for x in rgbs])
        out["recon"].append(r.recon_errors)
        out["stats"].append(r.code_stats)
        out["turned"].append(upside_down_scores(scanner.orientation, [F.square(x.astype(np.float32), SIDE) for x in rgbs]))
        out["border"].append(np.array([F.flat_border(x) for x in rgbs]))
        out["tone"].append(np.array([F.one_tone_share(x) for x in rgbs]))
    return {k: np.concatenate(v) for k, v in out.items()}


def scores(c: dict[str, np.ndarray], idx: list[int], weights: dict[str, float], floors: dict[str, float]) -> np.ndarray:
    cues = O.cue_scores(c["recon"][idx], c["stats"][idx], c["turned"][idx], c["border"][idx], c["tone"][idx])
    return O.combine(cues, weights, floors).scores


def rank_of(s: np.ndarray, i: int) -> int:
    return int((s > s[i]).sum()) + 1


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("folders", nargs="+", type=Path)
    ap.add_argument("--folders-per-setting", type=int, default=20)
    ap.add_argument("--cache", type=Path, help="an .npz of the cue inputs: read if it exists, else written")
    ap.add_argument("--orientation", type=Path, nargs="+", help="score the turned cue with these orientation nets "
                    "(the mean of their scores) instead of the shipped one")
    ap.add_argument("--no-mirror", action="store_true", help="... without each square's mirror image")
    ap.add_argument("--shipped-weights", action="store_true", help="only the shipped cue weights and floors")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    photos, held = [], []
    for folder in args.folders:
        for k, (_, img) in enumerate(load_clean(folder)):
            (held if k % HELD_OUT_EVERY == 0 else photos).append(F.fit_side(img, F.SHARPNESS_SIDE))
    ordinary = held + photos  # indices < len(held) are held out
    h, w = 320, 480
    plants = {"blank page": [S.blank_page(h, w, rng) for _ in range(10)],
              "text screenshot": [S.text_screenshot(h, w, rng) for _ in range(10)],
              "mis-scan": [S.mis_scan(ordinary[int(rng.integers(len(ordinary)))], rng) for _ in range(10)],
              "skewed, light lid": [skewed_on_light_lid(ordinary[int(rng.integers(len(ordinary)))], rng) for _ in range(10)]}
    scanner = load_scanner("cpu")
    every = ordinary + [S.upside_down(p) for p in held] + [p for v in plants.values() for p in v]
    if args.cache and args.cache.is_file():
        with np.load(args.cache, allow_pickle=False) as z:
            c = {k: z[k] for k in z.files}
    else:
        c = cue_inputs(every, scanner)
        if args.cache:
            np.savez(args.cache, **c)
    if args.orientation or args.no_mirror:
        c["turned"] = turned_scores(every, args.orientation or [WEIGHTS], not args.no_mirror)
    n_ord, n_held = len(ordinary), len(held)
    turned_at = n_ord  # turned held-out photo j is at n_ord + j
    plant_at = {k: n_ord + n_held + 10 * i for i, k in enumerate(plants)}
    print(f"{n_ord} ordinary photos ({n_held} held out); upside-down score of held-out photos: "
          f"upright median {np.median(c['turned'][:n_held]):.2f}, turned median "
          f"{np.median(c['turned'][turned_at:turned_at + n_held]):.2f}, told apart "
          f"{(c['turned'][turned_at:turned_at + n_held] > c['turned'][:n_held]).mean():.0%}")
    # border 1.5 was tried too (with turned 1-2, distinct 0.75-1): it cost the turned photos 6-14 of 62
    for cue, name in (("border", "flat border"), ("tone", "one-tone share")):
        q = np.quantile(c[cue][:n_ord], (0.5, 0.9, 0.99, 1))
        print(f"{name}: ordinary photos q50 {q[0]:.3f}, q90 {q[1]:.3f}, q99 {q[2]:.3f}, max {q[3]:.3f}; "
              + ", ".join(f"{k} {c[cue][plant_at[k]:plant_at[k] + 10].min():.3f}-{c[cue][plant_at[k]:plant_at[k] + 10].max():.3f}"
                          for k in plants))
    grid = {"turned": (1.0, 2.0, 3.0, 4.0), "turned floor": (0.5, 1.5), "border": (1.0,)}
    if args.shipped_weights:
        grid = {"turned": (O.WEIGHTS["turned"],), "turned floor": (O.TAIL_FLOORS["turned"],), "border": (O.WEIGHTS["border"],)}
    print("| turned | turned floor | border | folders | " + " | ".join(plants) + " | upside down | each in turn |")
    print("|---" * (len(plants) + 6) + "|")
    for wt, floor, wb in itertools.product(*grid.values()):
        weights = {**O.WEIGHTS, "turned": wt, "border": wb}
        floors = {"turned": floor}
        for kind, pool, size in (("held-out", n_held, n_held - 1), ("all", n_ord, 95)):
            frng = np.random.default_rng(1)
            hits = {k: 0 for k in [*plants, "upside down"]}
            for f in range(args.folders_per_setting):
                base = list(frng.choice(pool, size, replace=False))
                t = int(frng.integers(n_held))
                base = [b for b in base if b != t][: size - 1]
                extra = [plant_at[k] + f % 10 for k in plants] + [turned_at + t]
                s = scores(c, base + extra, weights, floors)
                for j, k in enumerate([*plants, "upside down"]):
                    hits[k] += rank_of(s, len(base) + j) <= TOP
            # each held-out photo turned in its place, among the other held-out photos and the plants
            found = 0
            for t in range(n_held):
                base = [b for b in range(n_held) if b != t] if kind == "held-out" else \
                    [b for b in list(np.random.default_rng(t).choice(n_ord, 95, replace=False)) if b != t][:94]
                s = scores(c, base + [turned_at + t] + [plant_at[k] for k in plants], weights, floors)
                found += rank_of(s, len(base)) <= TOP
            n = args.folders_per_setting
            print(f"| {wt} | {floor} | {wb} | {kind} ({size + 5}) | " + " | ".join(f"{hits[k] / n:.0%}" for k in hits)
                  + f" | {found}/{n_held} |", flush=True)


if __name__ == "__main__":
    main()
