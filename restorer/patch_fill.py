"""Exemplar fill for wide holes: texture copied from the known part of the photo instead of
smoothed across the hole. Wexler, Shechtman and Irani (2007)'s coarse-to-fine EM over a
PatchMatch nearest-neighbour field (Barnes et al. 2009), vectorised in numpy: every hole
pixel becomes a weighted vote of the known patches that best match the patches around it.

Patches are compared by a few principal components of the level's known patches (a linear
filter bank), not by their raw pixels: the distance is then a short gather per candidate."""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

TELEA_RADIUS = 3  # OpenCV's neighbourhood radius for the Telea fill


def telea_fill(rgb: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """The holes filled by OpenCV's Telea method (radius TELEA_RADIUS), other pixels kept: fast,
    but it smears streaks inward from the border. The holes are greyed first: OpenCV leaves hole
    pixels on the image's outermost rows and columns as they were, which would leak what lies under
    the hole. texture_fill's start without a guide, and its fallback."""
    u8 = np.clip(np.rint(np.where(hole[..., None], 0.5, rgb) * 255), 0, 255).astype(np.uint8)
    filled = cv2.inpaint(u8, hole.astype(np.uint8), TELEA_RADIUS, cv2.INPAINT_TELEA).astype(np.float32) / 255
    return np.where(hole[..., None], filled, rgb)


@dataclass(frozen=True)
class PatchFill:
    radius: int = 2  # patches of (2 * radius + 1)^2 pixels: 5x5 matched 7x7 on held-out photos, 1.6x faster
    dims: int = 12  # principal components a patch is compared by
    coarsest: int = 24  # px: the pyramid stops before the photo's short side gets below this
    em_coarse: int = 4  # EM iterations (match, then vote) at the coarsest level, fewer further up
    em_fine: int = 0  # ... and at the finest (at least one wherever a level searches)
    # The finest levels that search nothing, only vote once with their parent's match, doubled: on
    # held-out photos 1 (with 4 / 0) was as good as 0 (with 6 / 2) and 2.7x faster (docs/history/inpaint.md)
    copy_levels: int = 1
    copy_radius: int = 2  # those levels' votes: patches of (2 * copy_radius + 1)^2 pixels each
    sharpness: float = 0.5  # votes weighted by exp(-d / (sharpness * median d)): low = the best match wins
    guide_weight: float = 1.0  # how much a match must agree with the guide's local colour (1: like a patch's mean)
    guide_fine: float = 1.0  # the guide's weight at the finest level, relative to guide_weight at the coarsest
    guide_blur: float = 2.0  # px: the guide's colour is compared after this Gaussian blur, at every level
    tone_blur: float = 0.0  # px: >0 moves the result's local mean (this blur) onto the guide's, keeping its texture

    def __post_init__(self) -> None:
        if not 0 <= self.copy_radius <= self.radius:  # a vote reads only pixels of the matched (known) patch
            raise ValueError(f"copy_radius must be between 0 and radius ({self.radius}), not {self.copy_radius}")


def _down(img: np.ndarray, hole: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Half size; known pixels averaged without the hole's content, any hole pixel makes a hole."""
    h, w = hole.shape
    size = ((w + 1) // 2, (h + 1) // 2)
    known = (~hole).astype(np.float32)
    num = cv2.resize(img * known[..., None], size, interpolation=cv2.INTER_AREA)
    den = cv2.resize(known, size, interpolation=cv2.INTER_AREA)
    small_hole = den < 0.999
    return np.where(small_hole[..., None], 0.5, num / np.maximum(den, 1e-6)[..., None]).astype(np.float32), small_hole


def _basis(img: np.ndarray, sources: np.ndarray, r: int, dims: int, rng: np.random.Generator) -> np.ndarray:
    """(dims, 2r+1, 2r+1, 3) principal directions of up to 4000 known patches."""
    ys, xs = np.nonzero(sources)
    pick = rng.choice(len(ys), size=min(4000, len(ys)), replace=False)
    k = 2 * r + 1
    offs = np.arange(-r, r + 1)
    patches = img[ys[pick, None, None] + offs[None, :, None], xs[pick, None, None] + offs[None, None, :]]
    flat = patches.reshape(len(pick), -1).astype(np.float64)
    flat -= flat.mean(0)
    _, vecs = np.linalg.eigh(flat.T @ flat)  # the covariance's eigenvectors: a tenth of the SVD's time
    return vecs[:, ::-1][:, :dims].T.reshape(-1, k, k, 3).astype(np.float32)


def _describe(img: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """(H*W, dims): each pixel's patch projected on the basis (correlation, as cv2.filter2D does)."""
    out = np.empty(img.shape[:2] + (len(basis),), np.float32)
    for i, b in enumerate(basis):
        out[..., i] = sum(cv2.filter2D(img[..., c], -1, b[..., c], borderType=cv2.BORDER_REFLECT) for c in range(3))
    return out.reshape(-1, len(basis))


class _Level:
    """One pyramid level: which centres may be copied from (sources) and which must be matched (targets)."""

    def __init__(self, img: np.ndarray, hole: np.ndarray, cfg: PatchFill, rng: np.random.Generator):
        self.img, self.hole, self.cfg, self.rng = img, hole, cfg, rng
        h, w = hole.shape
        r = cfg.radius
        inside = np.zeros((h, w), bool)
        inside[r : h - r, r : w - r] = True
        k = 2 * r + 1
        known = cv2.erode((~hole).astype(np.uint8), np.ones((k, k), np.uint8), borderType=cv2.BORDER_CONSTANT, borderValue=1)
        self.sources = inside & (known > 0)  # centres whose whole patch is known
        near = cv2.dilate(hole.astype(np.uint8), np.ones((k, k), np.uint8)) > 0
        # every pixel within r of the image's edge is still covered by some centre r pixels in
        self.targets = np.flatnonzero((near & inside).ravel())
        self.source_list = np.flatnonzero(self.sources.ravel())
        self.w = w
        # fixed for the level, used by every EM iteration: a target's place in `targets` (-1: none),
        # and the hole pixels with each one's place among them (the votes are summed hole-sized)
        self.target_index = np.full(hole.size, -1, np.int64)
        self.target_index[self.targets] = np.arange(len(self.targets))
        self.holes = np.flatnonzero(hole.ravel())
        self.hole_slot = np.full(hole.size, -1, np.int64)
        self.hole_slot[self.holes] = np.arange(len(self.holes))

    def random_sources(self, n: int) -> np.ndarray:
        return self.source_list[self.rng.integers(len(self.source_list), size=n)]

    def valid(self, y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        h, w = self.hole.shape
        y, x = np.clip(y, 0, h - 1), np.clip(x, 0, w - 1)
        flat = y * w + x
        return flat, self.sources.ravel()[flat]


def _distance(desc: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d = desc[a] - desc[b]
    return np.einsum("ij,ij->i", d, d)


def _improve(level: _Level, desc: np.ndarray, nnf: np.ndarray, dist: np.ndarray, max_radius: int) -> None:
    """One PatchMatch pass in place: propagation from the four neighbours at a few steps, then random search."""
    w = level.w
    t = level.targets
    ty, tx = t // w, t % w
    index = level.target_index

    def offer(cand: np.ndarray, ok: np.ndarray) -> None:
        d = np.full(len(t), np.inf, np.float32)
        d[ok] = _distance(desc, t[ok], cand[ok])
        better = d < dist
        nnf[better], dist[better] = cand[better], d[better]

    for step in (4, 2, 1):
        for dy, dx in ((0, 1), (1, 0), (0, -1), (-1, 0)):
            ny, nx = ty - dy * step, tx - dx * step
            inb = (ny >= 0) & (ny < level.hole.shape[0]) & (nx >= 0) & (nx < w)
            n = np.where(inb, index[np.where(inb, ny * w + nx, 0)], -1)
            has = n >= 0
            src = nnf[np.maximum(n, 0)]
            cand, ok = level.valid(src // w + dy * step, src % w + dx * step)
            offer(cand, ok & has)
    radius = float(max_radius)
    while radius >= 1:
        sy, sx = nnf // w, nnf % w
        jy = np.rint(level.rng.uniform(-radius, radius, len(t))).astype(np.int64)
        jx = np.rint(level.rng.uniform(-radius, radius, len(t))).astype(np.int64)
        cand, ok = level.valid(sy + jy, sx + jx)
        offer(cand, ok)
        radius /= 2


def _vote(level: _Level, nnf: np.ndarray, dist: np.ndarray, radius: int | None = None) -> np.ndarray:
    """The image with each hole pixel the weighted mean of what the matched patches covering it say
    (their central (2 * radius + 1)^2 pixels; default: the whole patch)."""
    img, w = level.img, level.w
    r = level.cfg.radius if radius is None else radius
    scale = max(float(np.median(dist)) * level.cfg.sharpness, 1e-8)
    weight = np.exp(-(dist - dist.min()) / scale).astype(np.float64)
    flat_img = img.reshape(-1, 3)
    holes, slot = level.holes, level.hole_slot
    wsum, total = np.zeros(len(holes)), np.zeros((len(holes), 3))
    for dy in range(-r, r + 1):  # a row of offsets at a time: memory stays 2r+1 times the targets
        offsets = dy * w + np.arange(-r, r + 1)[:, None]
        dest = slot[level.targets[None, :] + offsets].ravel()
        keep = dest >= 0
        dest, src = dest[keep], (nnf[None, :] + offsets).ravel()[keep]
        wk = np.broadcast_to(weight, (len(offsets), len(weight))).ravel()[keep]
        wsum += np.bincount(dest, wk, minlength=len(holes))
        votes = flat_img[src] * wk[:, None].astype(np.float32)
        total += np.stack([np.bincount(dest, votes[:, c], minlength=len(holes)) for c in range(3)], axis=1)
    out = flat_img.copy()
    voted = wsum > 0
    out[holes[voted]] = (total[voted] / wsum[voted, None]).astype(np.float32)
    return out.reshape(img.shape)


def _upsample_nnf(coarse: _Level, nnf: np.ndarray, dist: np.ndarray, fine: _Level) -> tuple[np.ndarray, np.ndarray]:
    """Each fine target starts from its coarse parent's match, doubled, and that match's distance; a random
    source (at the parent level's median distance) where that is not valid."""
    cw, fw = coarse.w, fine.w
    parent = np.full(coarse.hole.size, -1, np.int64)
    parent[coarse.targets] = np.arange(len(nnf))
    ty, tx = fine.targets // fw, fine.targets % fw
    py, px = np.minimum(ty // 2, coarse.hole.shape[0] - 1), np.minimum(tx // 2, cw - 1)
    k = parent[py * cw + px]
    p = nnf[np.maximum(k, 0)]
    cand, ok = fine.valid((p // cw) * 2 + ty % 2, (p % cw) * 2 + tx % 2)
    ok &= k >= 0
    fine_dist = np.where(ok, dist[np.maximum(k, 0)], np.median(dist)).astype(np.float32)
    return np.where(ok, cand, fine.random_sources(len(fine.targets))), fine_dist


def texture_fill(rgb: np.ndarray, hole: np.ndarray, guide: np.ndarray | None = None,
                 cfg: PatchFill = PatchFill(), seed: int = 0) -> np.ndarray:
    """HxWx3 float32 in [0, 1] with the holes filled by copied texture; other pixels untouched.
    guide: a smooth fill of the holes (the model's) whose local colour every match must also
    follow, and the coarsest level's start; without one, OpenCV Telea starts and nothing guides."""
    rgb = rgb.astype(np.float32)
    if not hole.any():
        return rgb
    rng = np.random.default_rng(seed)
    pyramid = [(np.where(hole[..., None], 0.5, rgb).astype(np.float32), hole)]
    guides = [None if guide is None else np.where(hole[..., None], guide, rgb).astype(np.float32)]
    while min(pyramid[-1][1].shape) // 2 >= cfg.coarsest and (~pyramid[-1][1]).sum() > 16 * (2 * cfg.radius + 1) ** 2:
        pyramid.append(_down(*pyramid[-1]))
        g = guides[-1]
        guides.append(None if g is None else cv2.resize(g, pyramid[-1][1].shape[::-1], interpolation=cv2.INTER_AREA))
    img, small_hole = pyramid[-1]
    img = telea_fill(img, small_hole) if guides[-1] is None else np.where(small_hole[..., None], guides[-1], img)
    prev: tuple[_Level, np.ndarray, np.ndarray] | None = None
    n = len(pyramid)
    for i in range(n - 1, -1, -1):
        base, lhole = pyramid[i]
        if prev is not None:
            up = cv2.resize(img, lhole.shape[::-1], interpolation=cv2.INTER_LINEAR)
            img = np.where(lhole[..., None], up, base)
        level = _Level(img, lhole, cfg, rng)
        if not len(level.source_list) or not len(level.targets):  # too little known image to copy from
            return telea_fill(rgb, hole)
        if prev is None:
            nnf, dist = level.random_sources(len(level.targets)), None
        else:
            nnf, dist = _upsample_nnf(*prev, level)
        em = cfg.em_fine + round((cfg.em_coarse - cfg.em_fine) * i / max(n - 1, 1))
        if i < cfg.copy_levels and dist is not None:  # this level's patches copied where the parent matched
            level.img = img = _vote(level, nnf, dist, cfg.copy_radius)
            prev = (level, nnf, dist)
            continue
        em = max(em, 1)
        basis = _basis(img, level.sources, cfg.radius, cfg.dims, rng)
        reach = max(lhole.shape) if prev is None else 8  # finer levels refine the parent's match nearby
        extra = None
        if guides[i] is not None:
            blurred = cv2.GaussianBlur(guides[i], (0, 0), cfg.guide_blur)
            share = cfg.guide_fine + (1 - cfg.guide_fine) * i / max(n - 1, 1)
            extra = blurred.reshape(-1, 3) * (share * cfg.guide_weight * (2 * cfg.radius + 1))
        for _ in range(em):
            desc = _describe(level.img, basis)
            if extra is not None:
                desc = np.concatenate([desc, extra], axis=1)
            dist = _distance(desc, level.targets, nnf)
            _improve(level, desc, nnf, dist, reach)
            level.img = _vote(level, nnf, dist)
            reach = max(reach // 2, 4)
        img = level.img
        prev = (level, nnf, dist)
    if guides[0] is not None and cfg.tone_blur > 0:
        img = img + cv2.GaussianBlur(guides[0] - img, (0, 0), cfg.tone_blur)
    return np.where(hole[..., None], np.clip(img, 0, 1), rgb)

