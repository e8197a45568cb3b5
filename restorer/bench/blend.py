"""Blending benchmarks.

Paste: seeded synthetic composites (a region of a clean photo recoloured, hard
or soft edge, restorer/corrupt/harmonize.py); PSNR/SSIM against the clean photo
of our harmonised result, the naive paste, a Poisson blend by OpenCV
(seamlessClone, NORMAL_CLONE) and by our exact solver (restorer/poisson.py, the
harmoniser's starting point), all measured in the same run.

Autoencoder vs PCA: reconstruction PSNR on held-out images at the same code
size. Our code keeps C numbers per m x m x 3 block (m = the model's downsampling);
PCA keeps the top C components of non-overlapping m x m x 3 patches, fitted on
other images, so both hold exactly as many numbers per image.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import torch

from ..corrupt.functional import quantise
from ..corrupt.harmonize import synthetic_composite
from ..restorer import Restorer
from ..metrics import psnr, ssim_map
from ..patch_pca import fit_pca, pca_reconstruct
from ..poisson import poisson_blend
from ..tasks import TASKS
from ..tasks.blend import harmonise, seam_band
from ..tasks.morph import load_morph, morph_frames
from .common import Table, load_clean, save_grid, timed

MARGIN = 8  # composites keep this far from the border (seamlessClone needs room around its mask)


def _u8(img: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(img * 255), 0, 255).astype(np.uint8)


def opencv_poisson(fg: np.ndarray, bg: np.ndarray, band: np.ndarray) -> np.ndarray:
    """Pérez et al. 2003 via cv2.seamlessClone: fg's gradients inside `band`, bg's values on its boundary."""
    x, y, w, h = cv2.boundingRect(band.astype(np.uint8))
    mask = band.astype(np.uint8) * 255
    out = cv2.seamlessClone(_u8(fg), _u8(bg), mask, (x + w // 2, y + h // 2), cv2.NORMAL_CLONE)
    return out.astype(np.float32) / 255


def _region_psnr(out: np.ndarray, clean: np.ndarray, band: np.ndarray) -> float:
    err = float(np.mean((out[band].astype(np.float64) - clean[band]) ** 2))
    return float("inf") if err == 0 else float(10 * np.log10(1.0 / err))


def paste_table(images, restorer: Restorer, per_image: int, seed: int = 0, keep: list | None = None) -> Table:
    table = Table(["method", "PSNR", "SSIM", "PSNR region", "s/image", "composites"])
    scores: dict[str, list[tuple[float, ...]]] = defaultdict(list)
    for i, (_, clean) in enumerate(images):
        for k in range(per_image):
            comp, region, alpha, shifted = synthetic_composite(clean, np.random.default_rng(seed * 100_003 + i * 1009 + k), MARGIN)
            band = seam_band(region, alpha)
            fns: dict[str, Callable[[], np.ndarray]] = {
                "ours": lambda: harmonise(shifted, comp, alpha, restorer.predict),
                "poisson (opencv)": lambda: opencv_poisson(shifted, comp, band),
                # our exact solver alone: the harmoniser's starting point, so its row shows what the U-Net adds
                "poisson (exact)": lambda: poisson_blend(shifted, comp, band),
                "naive paste": lambda: comp,
            }
            outs = {}
            for name, fn in fns.items():
                out, secs = timed(fn)
                out = np.where(band[..., None], quantise(out), clean)  # every method may change the band only
                outs[name] = out
                scores[name].append((psnr(out, clean), float(ssim_map(out, clean).mean()), _region_psnr(out, clean, band), secs))
            if keep is not None and i == 0 and k == 0:
                keep.extend([outs["naive paste"], outs["poisson (opencv)"], outs["ours"], clean])
    for name, rows in scores.items():
        arr = np.array(rows)
        table.add(name, *(float(v) for v in arr.mean(axis=0)), len(rows))
    return table


@torch.inference_mode()
def ae_reconstruct(model: torch.nn.Module, img: np.ndarray) -> np.ndarray:
    m = int(model.multiple)
    h, w = img.shape[0] // m * m, img.shape[1] // m * m
    device = next(model.parameters()).device
    x = torch.from_numpy(np.ascontiguousarray(img[:h, :w].transpose(2, 0, 1)))[None].to(device)
    return model(x)[0].float().cpu().numpy().transpose(1, 2, 0)


def autoencoder_table(held_out: list[np.ndarray], fit: list[np.ndarray], ae_weights: list[Path], device: str) -> Table:
    table = Table(["code", "block", "numbers/block", "regulariser", "AE PSNR", "PCA PSNR", "AE - PCA", "images"])
    for path in ae_weights:
        model = load_morph(path, device)
        m, k = int(model.multiple), int(model.code_channels)
        mean, comps = fit_pca(fit, m, k)
        ae, pca = [], []
        for img in held_out:
            h, w = img.shape[0] // m * m, img.shape[1] // m * m
            ref = img[:h, :w]
            ae.append(psnr(quantise(ae_reconstruct(model, img)), ref))
            pca.append(psnr(quantise(pca_reconstruct(img, mean, comps, m)), ref))
        table.add(path.stem, f"{m}x{m}x3", k, model.regulariser, float(np.mean(ae)), float(np.mean(pca)),
                  float(np.mean(ae) - np.mean(pca)), len(held_out))
    return table


def _save_strip(path: Path, tiles: list[np.ndarray], long_side: int = 384) -> None:
    """One row of same-size tiles, the long side of each `long_side` px."""
    h, w = tiles[0].shape[:2]
    save_grid(path, [tiles], round(long_side * w / max(h, w)))


def run(data: Path, weights: Path | None, ae_weights: list[Path], fit_dir: Path | None, device: str,
        limit: int | None, per_image: int, figures: Path | None = None) -> tuple[Table, Table]:
    images = load_clean(data, limit)
    restorer = Restorer.load(TASKS["blend"], weights, device)
    keep: list[np.ndarray] = []
    paste = paste_table(images, restorer, per_image, keep=keep if figures else None)
    if fit_dir is not None:  # PCA fitted elsewhere, every image of --data held out
        fit, held_out = [img for _, img in load_clean(fit_dir)], [img for _, img in images]
    else:  # alternate images: even ones fit the PCA, odd ones are held out for both
        fit, held_out = [img for _, img in images[0::2]], [img for _, img in images[1::2]]
    ae = autoencoder_table(held_out, fit, ae_weights, device)
    if figures is not None:
        _save_strip(figures / "blend_paste.png", keep)  # naive | Poisson | ours | original
        model = load_morph(ae_weights[0], device)
        a, b = images[0][1], images[min(1, len(images) - 1)][1]
        strip = morph_frames(model, a, cv2.resize(b, (a.shape[1], a.shape[0]), interpolation=cv2.INTER_AREA),
                             [1.0, 0.75, 0.5, 0.25, 0.0])
        _save_strip(figures / "blend_morph.png", [a, *strip, cv2.resize(b, (a.shape[1], a.shape[0]))], long_side=256)
    return paste, ae
