"""How unusual each photo is, relative to the rest of the collection. Three measures, each a
robust z-score over the collection (median and MAD, so the outliers themselves do not hide):

- reconstruction: the autoencoder's log reconstruction error, either way: far too good is a blank
  or flat page, far too bad is detail unlike any photo (a screenshot of text);
- distance to the code distribution: mean distance to the NEIGHBOURS nearest photos in the space of
  the code's per-channel mean and spread (and the error), each robustly standardised;
- up/down: the photo's top-minus-bottom profile (features.up_down_profile) against the collection's
  mean one; a photo pointing the other way is probably upside down.

Each measure is divided by its own 90th percentile, so heavy-tailed measures do not crowd the
others out; the score is the largest, and its measure is the reason given. 1 = as unusual as the
10th most unusual photo in 100 on that measure."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_PHOTOS = 8  # fewer and "unlike the rest" means little: no scores
NEIGHBOURS = 5
TAIL = 0.9  # each measure is scaled by this quantile of its scores over the collection
BLOCK = 1024
# The score from which the report gives a photo's reason: twice as unusual, on its measure, as the 10th
# most unusual photo in 100. In 100 bsds432 photos with four planted ones, two ordinary photos scored
# above it (docs/scan_results.md): a reason is a prompt to look, as the ranking is.
UNUSUAL = 2.0
REASONS = {
    "flat": "reconstructs far too easily (blank or flat page?)",
    "detail": "detail unlike a photo (text, graphics?)",
    "distinct": "unlike the other photos",
    "turned": "probably upside down",
}


@dataclass
class OutlierScores:
    scores: np.ndarray  # N, nan when the collection is too small
    reasons: list[str]  # N, keys of REASONS ("" when there is no score)


def robust_z(v: np.ndarray) -> np.ndarray:
    med = np.median(v, axis=0)
    mad = np.median(np.abs(v - med), axis=0) * 1.4826
    return np.clip((v - med) / np.maximum(mad, 1e-6), -50, 50)


def mean_neighbour_distance(x: np.ndarray, k: int) -> np.ndarray:
    """Mean Euclidean distance of each row to its k nearest other rows."""
    out = np.empty(len(x))
    sq = (x**2).sum(axis=1)
    for start in range(0, len(x), BLOCK):
        d2 = sq[start : start + BLOCK, None] + sq[None] - 2 * x[start : start + BLOCK] @ x.T
        for r in range(len(d2)):
            d2[r, start + r] = np.inf
        out[start : start + BLOCK] = np.sqrt(np.maximum(np.sort(d2, axis=1)[:, :k], 0)).mean(axis=1)
    return out


def outlier_scores(recon_errors: np.ndarray, code_stats: np.ndarray, profiles: np.ndarray) -> OutlierScores:
    n = len(recon_errors)
    if n < MIN_PHOTOS:
        return OutlierScores(np.full(n, np.nan), [""] * n)
    log_err = np.log(np.asarray(recon_errors, np.float64) + 1e-8)
    z_err = robust_z(log_err)
    space = robust_z(np.column_stack([code_stats, log_err]).astype(np.float64))
    distinct = robust_z(mean_neighbour_distance(np.clip(space, -20, 20), min(NEIGHBOURS, n - 1)))
    up = profiles.astype(np.float64).mean(axis=0)
    turned = robust_z(-(profiles @ up) / max(float(np.linalg.norm(up)), 1e-8))
    measures = {"flat": -z_err, "detail": z_err, "distinct": distinct, "turned": turned}
    scaled = np.stack([m / max(float(np.quantile(m, TAIL)), 0.5) for m in measures.values()])
    best = scaled.argmax(axis=0)
    names = list(measures)
    return OutlierScores(scaled.max(axis=0), [names[b] for b in best])
