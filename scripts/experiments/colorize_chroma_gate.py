"""Can a photo-level gate tell when the automatic colour will be wrong (issue #27: never worse
than grey on more than 1 photo in 10)? Per photo, the best global chroma scale s* for the shipped
automatic colour (least squares on a*b*, clipped to [0, 1]) is regressed (ridge) on features of
what the colorizer predicts from the grey photo alone: its mean distribution over the ab bins, the
decoded chroma's statistics and the lightness's. Fitted on training photos the colorizer never
saw (urban100 and sunhays80 without the sweep's held-out photos), judged on the held-out photos of
the decoding sweep (colorize_auto_sweep.py); the colour is the shipped decoding times the gate.

    OMP_NUM_THREADS=1 python scripts/experiments/colorize_chroma_gate.py --data ../shared/datasets --cache /tmp/gate.npz
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone's root: runs as `python scripts/...`

from restorer import color as C
from restorer.corrupt.functional import quantise
from restorer.metrics import psnr
from restorer.resize import resize_long_side
from restorer.color_decoding import decode_auto
from restorer.tasks.colorize import predict_logits, upsample_ab
from restorer.tiling import TiledPredictor
from restorer.train.data import held_out_split, list_images, load_rgb
from restorer.weights import default_weights, load_model

SIDE = 512


def sets(data: Path) -> dict[str, tuple[str, list[Path]]]:
    """name -> (role, photos): "fit" photos the colorizer never trained on, "held-out" the sweep's."""
    urban, sun = list_images(data / "urban100"), list_images(data / "sunhays80")
    return {"urban100 rest": ("fit", [p for i, p in enumerate(urban) if i % 5]),
            "sunhays80 rest": ("fit", [p for i, p in enumerate(sun) if i % 4]),
            "bsds432 held-out": ("held-out", held_out_split(data / "bsds432", 0)[1]),
            "urban100 /5": ("held-out", urban[::5]), "sunhays80 /4": ("held-out", sun[::4])}


def features(grey: np.ndarray, logits: np.ndarray, ab: np.ndarray) -> np.ndarray:
    z = logits - logits.max(0, keepdims=True)
    p = np.exp(z)
    p /= p.sum(0, keepdims=True)
    chroma = np.hypot(ab[..., 0], ab[..., 1])
    ent = -(p * np.log(p + 1e-9)).sum(0)
    L = C.lightness_of_grey(grey[..., 0])
    stats = [chroma.mean() / 20, chroma.std() / 20, (chroma > 10).mean(), np.median(chroma) / 20, ent.mean() / 4,
             L.mean(), L.std(), (L > 0.9).mean(), (L < 0.1).mean()]
    return np.concatenate([p.mean((1, 2)), stats]).astype(np.float64)


def measure(data: Path) -> dict[str, np.ndarray]:
    model, _ = load_model(default_weights("colorize"), task="colorize")
    predict = TiledPredictor(model.float().eval(), torch.device("cpu"), tile=0)
    deepest = {}  # the encoder's last feature map, pooled: what the network thinks the scene is
    predict.model.body.encoder.register_forward_hook(lambda _m, _i, out: deepest.update(f=out[-1][0].float()))
    rows = {k: [] for k in ("set", "fit", "x", "x_enc", "s_star", "ab_dot", "ab_pow", "ab_true_pow")}
    for name, (role, paths) in sets(data).items():
        for u8 in load_rgb(paths, 0):
            clean = u8.astype(np.float32) / 255
            clean = resize_long_side(clean, SIDE) if max(clean.shape[:2]) > SIDE else clean
            grey = C.grey_of(clean)
            base = psnr(quantise(np.repeat(grey, 3, 2)), clean)
            if not np.isfinite(base):
                continue
            logits = predict_logits(grey, predict)
            small_ab = decode_auto(logits)
            ab = upsample_ab(small_ab, grey.shape)
            true_ab = C.rgb_to_lab(clean)[..., 1:]
            dot, pow_ = float((ab * true_ab).sum()), float((ab * ab).sum())
            rows["set"].append(name)
            rows["fit"].append(role == "fit")
            rows["x"].append(features(grey, logits, small_ab))
            rows["x_enc"].append(torch.cat([deepest["f"].mean((1, 2)), deepest["f"].amax((1, 2))]).numpy().astype(np.float64))
            rows["s_star"].append(float(np.clip(dot / max(pow_, 1e-9), 0, 1)))
            rows["ab_dot"].append(dot)
            rows["ab_pow"].append(pow_)
            rows["ab_true_pow"].append(float((true_ab * true_ab).sum()))
        print(f"{name}: {sum(s == name for s in rows['set'])} photos", file=sys.stderr, flush=True)
    return {k: np.array(v) for k, v in rows.items()}


def ridge(x: np.ndarray, y: np.ndarray, lam: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    mu, sd = x.mean(0), x.std(0) + 1e-6
    z = np.c_[(x - mu) / sd, np.ones(len(x))]
    reg = lam * np.eye(z.shape[1])
    reg[-1, -1] = 0
    return np.linalg.solve(z.T @ z + reg, z.T @ y), mu, sd


def predict_gate(coef, mu, sd, x: np.ndarray) -> np.ndarray:
    return np.clip(np.c_[(x - mu) / sd, np.ones(len(x))] @ coef, 0, 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--cache", type=Path, default=None)
    ap.add_argument("--lam", type=float, nargs="+", default=[1, 10, 30, 100, 300, 1000])
    ap.add_argument("--features", choices=("head", "encoder", "both"), default="head",
                    help="the colorizer's output statistics, its encoder's pooled deepest features, or both")
    args = ap.parse_args()
    if args.cache and args.cache.exists():
        m = dict(np.load(args.cache, allow_pickle=False))
    else:
        m = measure(args.data)
        if args.cache:
            np.savez(args.cache, **m)
    fit, held = m["fit"], ~m["fit"]
    m["x"] = {"head": m["x"], "encoder": m["x_enc"], "both": np.c_[m["x"], m["x_enc"]]}[args.features]

    def gain(s: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """dB over grey of the a*b* error with the chroma scaled by s (grey's error is the true a*b*'s
        power; L is exact either way), from per-photo sums: no photo is re-run."""
        err = m["ab_true_pow"][idx] - 2 * s * m["ab_dot"][idx] + s * s * m["ab_pow"][idx]
        return 10 * np.log10(np.maximum(m["ab_true_pow"][idx], 1e-9) / np.maximum(err, 1e-9))

    print("Gains over grey are in a*b* error (PSNR of the colour alone), the shipped colour at s = 1.")
    print("| gate | set | over grey (ab) | worse than grey | mean s |\n|---|---|---|---|---|")
    # 5-fold cross-validation on the fit photos chooses lambda
    folds = np.arange(fit.sum()) % 5
    xf, yf = m["x"][fit], m["s_star"][fit]
    cv = {}
    for lam in args.lam:
        pred = np.empty(len(yf))
        for f in range(5):
            coef, mu, sd = ridge(xf[folds != f], yf[folds != f], lam)
            pred[folds == f] = predict_gate(coef, mu, sd, xf[folds == f])
        cv[lam] = float(np.mean(gain(pred, np.flatnonzero(fit))))
        print(f"| ridge lambda {lam:g} (5-fold, fit photos) | fit | {cv[lam]:+.2f} | "
              f"{np.mean(gain(pred, np.flatnonzero(fit)) < 0):.2f} | {pred.mean():.2f} |")
    lam = max(cv, key=cv.get)
    coef, mu, sd = ridge(xf, yf, lam)
    gates = {"shipped (s = 1)": np.ones(len(m["x"])), f"ridge gate, lambda {lam:g}": predict_gate(coef, mu, sd, m["x"]),
             "oracle s*": m["s_star"]}
    for name, s in gates.items():
        for subset in [*sorted(set(m["set"][held])), "held-out pooled"]:
            idx = np.flatnonzero(held if subset == "held-out pooled" else m["set"] == subset)
            g = gain(s[idx], idx)
            print(f"| {name} | {subset} | {g.mean():+.2f} | {np.mean(g < 0):.2f} | {s[idx].mean():.2f} |")


if __name__ == "__main__":
    main()
