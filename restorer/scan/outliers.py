"""How unusual each photo is, relative to the rest of the collection. Six cues, each a robust z-score
over the collection (median and MAD, so the outliers themselves do not hide):

- flat / detail: the autoencoder's log reconstruction error, either way: far too good is a blank or
  flat page, far too bad is detail unlike any photo (a screenshot of text);
- distinct: mean distance to the NEIGHBOURS nearest photos in the space of the code's per-channel mean
  and spread (and the error), each robustly standardised;
- turned: the orientation net's upside-down score (orientation.py), against the collection's: an
  archive whose photos all look a little "turned" (close-ups, textures) does not flag them all;
- border: the share of the photo that is one flat, even area at its edge (features.flat_border): a
  mis-scan, a cut-off or skewed scan beside the lid;
- one tone: the largest share of pixels of (nearly) one grey level (features.one_tone_share): a
  screenshot, a graphic, a page, a clipped exposure.

Each cue is divided by its own 90th percentile over the collection (so a heavy-tailed cue does not
crowd the others out) and weighted (WEIGHTS); the score is the largest, so one strong cue suffices,
and its cue is the reason given. Unweighted, 1 = as unusual as the 10th most unusual photo in 100 on
that cue; the weight of "turned" (4) ranks a photo that looks upside down above one that is as
unusual on another cue, because the net's score is the surer cue (docs/scan_results.md).
The weights and spread floors were chosen on folders built from the training photos
(scripts/experiments/scan_outlier_calibration.py, docs/scan_results.md)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_PHOTOS = 8  # fewer and "unlike the rest" means little: no scores
NEIGHBOURS = 5
TAIL = 0.9  # each cue is scaled by this quantile of its scores over the collection
TAIL_FLOOR = 0.5  # ... or by this, when the quantile is smaller (a collection where nothing stands out)
# "turned" is weighted up (WEIGHTS), so its floor is higher: in a collection whose photos mostly look
# equally upright (a few landscapes among close-ups), small differences must not outrank a mis-scan.
TAIL_FLOORS = {"turned": 1.5}
BLOCK = 1024
# The least spread each cue's z-score assumes, in the cue's own units: a collection of near-identical
# photos (or ones all with no border) must not turn a small difference into a large z.
BORDER_SPREAD = 0.05  # share of the photo
TURNED_SPREAD = 0.5  # orientation score (a logit difference)
ONE_TONE_SPREAD = 0.05  # share of the photo
# Chosen on folders of training photos (scripts/experiments/scan_outlier_calibration.py; the orientation
# net's held-out photos turned, each in turn, among 61 others and five planted): a turned photo reached
# the top 10 in 17/62 at weight 1, 42 at 2, 45 at 3, 50 at 4 (floor 1.5); at floor 0.5 and weight 4,
# 55, but ordinary photos that look turned then pushed the screenshot of text out of the top 10 in
# 1 of 20 folders of 100; at 4 and 1.5 every other planted kind stayed in the top 10 of every folder.
# Border 1.5 (against 1) cost the turned ones 6-14 of 62.
WEIGHTS = {"flat": 1.0, "detail": 1.0, "distinct": 1.0, "turned": 4.0, "border": 1.0, "one tone": 1.0}
# The unweighted score from which the report gives a photo's reason: twice as unusual, on its cue, as
# the 10th most unusual photo in 100 (the weights order the photos; they do not make one more unusual).
# A reason is a prompt to look, as the ranking is.
UNUSUAL = 2.0
REASONS = {
    "flat": "reconstructs far too easily (blank or flat page?)",
    "detail": "detail unlike a photo (text, graphics?)",
    "distinct": "unlike the other photos",
    "turned": "probably upside down",
    "border": "mostly an even area at the edge (mis-scan, cut off?)",
    "one tone": "much of it one exact tone (screenshot, graphic, clipped exposure?)",
}


@dataclass
class OutlierScores:
    scores: np.ndarray  # N, nan when the collection is too small: the order of the ranking
    reasons: list[str]  # N, keys of REASONS ("" when there is no score)
    plain: np.ndarray  # N, the reason's cue scaled but not weighted: compared with UNUSUAL


def robust_z(v: np.ndarray, min_spread: float = 1e-6) -> np.ndarray:
    med = np.median(v, axis=0)
    mad = np.median(np.abs(v - med), axis=0) * 1.4826
    return np.clip((v - med) / np.maximum(mad, min_spread), -50, 50)


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


def cue_scores(recon_errors: np.ndarray, code_stats: np.ndarray, upside_down: np.ndarray,
               flat_border: np.ndarray, one_tone: np.ndarray) -> dict[str, np.ndarray]:
    """Each cue's robust z-score over the collection (needs at least two photos)."""
    n = len(recon_errors)
    log_err = np.log(np.asarray(recon_errors, np.float64) + 1e-8)
    z_err = robust_z(log_err)
    space = robust_z(np.column_stack([code_stats, log_err]).astype(np.float64))
    distinct = robust_z(mean_neighbour_distance(np.clip(space, -20, 20), min(NEIGHBOURS, n - 1)))
    return {"flat": -z_err, "detail": z_err, "distinct": distinct,
            "turned": robust_z(np.asarray(upside_down, np.float64), TURNED_SPREAD),
            "border": robust_z(np.asarray(flat_border, np.float64), BORDER_SPREAD),
            "one tone": robust_z(np.asarray(one_tone, np.float64), ONE_TONE_SPREAD)}


def combine(cues: dict[str, np.ndarray], weights: dict[str, float] = WEIGHTS,
            floors: dict[str, float] = TAIL_FLOORS) -> OutlierScores:
    """The largest weighted cue, each scaled by its TAIL quantile over the collection."""
    names = list(cues)
    plain = np.stack([cues[k] / max(float(np.quantile(cues[k], TAIL)), floors.get(k, TAIL_FLOOR)) for k in names])
    scaled = plain * np.array([weights[k] for k in names])[:, None]
    best = scaled.argmax(axis=0)
    return OutlierScores(scaled.max(axis=0), [names[b] for b in best], plain[best, np.arange(plain.shape[1])])


def outlier_scores(recon_errors: np.ndarray, code_stats: np.ndarray, upside_down: np.ndarray,
                   flat_border: np.ndarray, one_tone: np.ndarray) -> OutlierScores:
    n = len(recon_errors)
    if n < MIN_PHOTOS:
        return OutlierScores(np.full(n, np.nan), [""] * n, np.full(n, np.nan))
    return combine(cue_scores(recon_errors, code_stats, upside_down, flat_border, one_tone))


def measured_outlier_scores(ms: list) -> OutlierScores:
    """outlier_scores of a list of measure.Measurement."""
    if not ms:
        return OutlierScores(np.zeros(0), [], np.zeros(0))
    return outlier_scores(np.array([m.recon_error for m in ms]), np.stack([m.code_stats for m in ms]),
                          np.array([m.upside_down for m in ms]), np.array([m.flat_border for m in ms]),
                          np.array([m.one_tone for m in ms]))
