"""Could a hint reach look-alike surfaces elsewhere in the photo (issue #27's non-local room)? Only if some feature
of the grey photo tells the distant pixels of a hint's true colour from the rest. For random anchor pixels of
held-out photos (colorize_auto_sweep.photos: never trained on, never the benchmark), the pixels whose true colour is
within Delta E TAU (a*b*) of the anchor's, outside the anchor's own connected piece of them (what local spreading
reaches), are scored against the rest by each feature's similarity to the anchor: the colorizer's distribution over
ab bins (Bhattacharyya coefficient), its decoder's and its full-resolution head's features (cosine), each alone and
times a lightness match; AUC, and the share of the anchor's colour among the 2 % most similar distant pixels.

    OMP_NUM_THREADS=1 python scripts/experiments/colorize_hint_features.py --limit 10
"""
from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone's root: runs as `python scripts/...`
sys.path.insert(0, str(Path(__file__).resolve().parent))

from colorize_auto_sweep import DATA, photos  # noqa: E402

from restorer import color as C  # noqa: E402
from restorer.color_decoding import colour_distribution  # noqa: E402
from restorer.color_propagate import surface_roots  # noqa: E402
from restorer.resize import resize_long_side  # noqa: E402
from restorer.tasks.colorize import PREDICT_SIDE, model_input  # noqa: E402
from restorer.weights import default_weights, load_model  # noqa: E402

TAU = 10.0  # Delta E: "the anchor's colour"
SIGMA_L = 8.0  # the lightness match (L units), as the non-local round's best setting
TOP = 0.02
COLOURED = 15.0  # anchors of at least this chroma are also scored apart: where a person would put a hint


def auc(score: np.ndarray, label: np.ndarray) -> float:
    """Probability that a positive outranks a negative (ties broken by order)."""
    ranks = np.empty(len(score))
    ranks[np.argsort(score, kind="stable")] = np.arange(1, len(score) + 1)
    pos = label.sum()
    return float((ranks[label].sum() - pos * (pos + 1) / 2) / (pos * (len(label) - pos)))


def unit_rows(t: torch.Tensor, shape: tuple[int, int]) -> np.ndarray:
    """CxhxW features -> (H*W) x C unit vectors at `shape`."""
    t = torch.nn.functional.interpolate(t[None], size=shape, mode="bilinear", align_corners=False)[0]
    v = t.reshape(t.shape[0], -1).T.numpy()
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-8)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--limit", type=int, default=10, help="photos per held-out set")
    ap.add_argument("--anchors", type=int, default=20, help="random anchors per photo")
    args = ap.parse_args()
    torch.set_grad_enabled(False)
    model = load_model(default_weights("colorize"))[0].eval()
    inner = {}
    model.body.decoder.register_forward_hook(lambda m, i, o: inner.__setitem__("decoder", o))
    model.head[-2].register_forward_hook(lambda m, i, o: inner.__setitem__("head", o))
    rng = np.random.default_rng(0)
    res = defaultdict(list)
    for imgs in photos(args.data, 0, args.limit).values():
        for img in imgs:
            small = resize_long_side(img, PREDICT_SIDE) if max(img.shape[:2]) > PREDICT_SIDE else img
            lab = C.rgb_to_lab(small)
            h, w = lab.shape[:2]
            logits = model(torch.from_numpy(model_input(C.lightness_of_grey(C.grey_of(small)[..., 0])))[None])[0]
            # the distributions and their roots exactly as the shipped surface walls read them
            roots = surface_roots(colour_distribution(logits.numpy()), (h, w))
            feats = {"bins (BC)": roots.reshape(roots.shape[0], -1).T,
                     "decoder": unit_rows(inner["decoder"][0], (h, w)), "head": unit_rows(inner["head"][0], (h, w))}
            lightness, ab = lab[..., 0].ravel(), lab[..., 1:].reshape(-1, 2)
            for _ in range(args.anchors):
                a = int(rng.integers(h * w))
                label = np.linalg.norm(ab - ab[a], axis=1) < TAU
                if not 0.02 <= label.mean() <= 0.98:
                    continue
                _, piece = cv2.connectedComponents(label.reshape(h, w).astype(np.uint8), connectivity=8)
                far = piece.ravel() != piece.ravel()[a]
                if label[far].sum() < 20:
                    continue
                light = np.exp(-((lightness - lightness[a]) ** 2) / (2 * SIGMA_L**2))
                kinds = ("all", "coloured") if np.linalg.norm(ab[a]) >= COLOURED else ("all",)
                add = lambda key, value: [res[(*key, k)].append(value) for k in kinds]  # noqa: E731
                add(("share of the anchor's colour among the distant pixels", "(base rate)"), label[far].mean())
                add(("lightness alone", "AUC"), auc(light[far], label[far]))
                for name, f in feats.items():
                    for gated in (False, True):
                        s = (f @ f[a]) * (light if gated else 1)
                        s, lf = s[far], label[far]
                        key = name + (" x lightness" if gated else "")
                        add((key, "AUC"), auc(s, lf))
                        add((key, f"top {TOP:.0%} precision"), lf[np.argsort(-s)[: max(int(len(s) * TOP), 1)]].mean())
    print(f"{len(res['lightness alone', 'AUC', 'all'])} anchors, {len(res['lightness alone', 'AUC', 'coloured'])} "
          f"of chroma >= {COLOURED:g}")
    print("| feature | measure | all anchors | coloured anchors |\n|---|---|---|---|")
    for name, measure in dict.fromkeys(k[:2] for k in res):
        print(f"| {name} | {measure} | {np.mean(res[name, measure, 'all']):.3f} | {np.mean(res[name, measure, 'coloured']):.3f} |")


if __name__ == "__main__":
    main()
