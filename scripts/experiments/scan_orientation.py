"""Train the orientation net of `restore scan` (restorer/scan/orientation.py): is a photo upside down?

    OMP_NUM_THREADS=1 python scripts/experiments/scan_orientation.py ../shared/datasets/bsds432 \
        ../shared/datasets/urban100 ../shared/datasets/sunhays80 --minutes 14 --out restorer/scan/orientation.safetensors

Training photos only (the benchmark sets are for the final measurement). Every 10th photo of each set
is held out: the net never trains on it, and the log reports, on those, how often the photo is told
from its turn (accuracy) and how often the turned photo would rank in the top 10 of ~95 upright
ones on this cue alone. Each sample: turned a few degrees (--tilt; none by default), a random crop
(--crop-min, 60 %, to 100 % of each side), mirrored half the time, another exposure, gamma and colour
balance, grey a quarter of the time (archives hold many black and white prints), squeezed to a --side
px square (64 by default); the loss is the logistic loss of "the square as is looks more upright than
its turn". With --turns 4 (RotNet's pretext task), the square must also look more upright than its two
quarter turns: a softmax over the four turns' uprightness, the upright one the answer (with 2 turns that
is the logistic loss above). The score `restore scan` reads is the same either way."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone's root: runs as `python scripts/...`

from restorer.bench.common import load_clean  # noqa: E402
from restorer.scan.features import fit_side  # noqa: E402
from restorer.scan.orientation import SIDE, WIDTHS, OrientationNet, save_orientation  # noqa: E402

HELD_OUT_EVERY = 10
SOURCE_SIDE = 256  # px: photos are shrunk to this long side before cropping
BATCH = 64
LR = 2e-3


def squared(img: np.ndarray, side: int) -> np.ndarray:
    return cv2.resize(img, (side, side), interpolation=cv2.INTER_AREA).astype(np.float32)


def sample(img: np.ndarray, rng: np.random.Generator, side: int, crop_min: float = 0.6, tilt: float = 0.0) -> np.ndarray:
    h, w = img.shape[:2]
    if tilt:  # a print laid a little askew
        m = cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(-tilt, tilt), 1.0)
        img = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)
    ch, cw = int(h * rng.uniform(crop_min, 1)), int(w * rng.uniform(crop_min, 1))
    y, x = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
    v = squared(img[y : y + ch, x : x + cw], side)
    if rng.random() < 0.5:
        v = v[:, ::-1]
    v = np.clip(v ** rng.uniform(0.7, 1.4) * rng.uniform(0.8, 1.2) * rng.uniform(0.93, 1.07, 3), 0, 1).astype(np.float32)
    if rng.random() < 0.25:
        v = np.repeat(v.mean(axis=2, keepdims=True), 3, axis=2)
    return v


def tensor(squares: list[np.ndarray]) -> torch.Tensor:
    return torch.from_numpy(np.stack(squares).transpose(0, 3, 1, 2).copy())


def turns_loss(net: OrientationNet, x: torch.Tensor, turns: int) -> torch.Tensor:
    """Softmax cross-entropy of "the square as is is the upright one" over its `turns` turns (one batch, as
    OrientationNet.forward, so BatchNorm cannot tell them apart). 2 turns: softplus(net(x)), net's own score."""
    k = (0, 2) if turns == 2 else (0, 1, 2, 3)
    h = net.upright(torch.cat([torch.rot90(x, t, (2, 3)) for t in k])).view(len(k), len(x))
    return (torch.logsumexp(h, 0) - h[0]).mean()


def held_out_check(net: OrientationNet, held: torch.Tensor) -> tuple[float, float]:
    """(share told apart from their turn, share of turned ones above all but 6 of ~95 upright ones)."""
    net.eval()
    with torch.no_grad():
        s = net(held).numpy()  # positive = looks turned; the turned photo's score is -s
    net.train()
    above = np.array([(np.delete(s, i) >= -s[i]).mean() for i in range(len(s))])
    return float((s < 0).mean()), float((above < 7 / 95).mean())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("folders", nargs="+", type=Path)
    ap.add_argument("--minutes", type=float, default=14)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--side", type=int, default=SIDE)
    ap.add_argument("--widths", type=int, nargs="+", default=list(WIDTHS))
    ap.add_argument("--crop-min", type=float, default=0.6, help="random crops keep this share of each side or more")
    ap.add_argument("--tilt", type=float, default=0.0, help="random turns up to this many degrees either way")
    ap.add_argument("--weight-decay", type=float, default=1e-3)
    ap.add_argument("--turns", type=int, choices=(2, 4), default=2,
                    help="2: upright against its 180-degree turn; 4: against its quarter turns as well")
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    train, held = [], []
    for folder in args.folders:
        for k, (_, img) in enumerate(load_clean(folder)):
            (held if k % HELD_OUT_EVERY == 0 else train).append(fit_side(img, SOURCE_SIDE))
    held_t = tensor([squared(i, args.side) for i in held])
    print(f"{len(train)} training photos, {len(held)} held out", flush=True)
    widths = tuple(args.widths)
    net = OrientationNet(args.side, widths)
    opt = torch.optim.AdamW(net.parameters(), LR, weight_decay=args.weight_decay)
    start, step, total = time.monotonic(), 0, args.minutes * 60
    while (frac := (time.monotonic() - start) / total) < 1:
        for g in opt.param_groups:
            g["lr"] = LR * 0.5 * (1 + np.cos(np.pi * frac))
        x = tensor([sample(train[i], rng, args.side, args.crop_min, args.tilt) for i in rng.integers(0, len(train), BATCH)])
        loss = turns_loss(net, x, args.turns)
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        if step % 200 == 0:
            acc, top = held_out_check(net, held_t)
            print(f"step {step} {time.monotonic() - start:.0f} s loss {loss.item():.3f} held out: told apart {acc:.2f}, "
                  f"turned in top 10 {top:.2f}", flush=True)
    acc, top = held_out_check(net, held_t)
    print(f"final: {step} steps, held out: told apart {acc:.2f}, turned in top 10 {top:.2f}", flush=True)
    save_orientation(net, args.out, args.side, widths)


if __name__ == "__main__":
    main()
