"""Denoising weights scored on held-out training photos under each input users have, so weights
are chosen before any benchmark number is seen: Gaussian noise of known level as 8-bit files
(files), the same noise unclipped (published), and camera noise from restorer/corrupt/camera.py
told the blind estimate (camera). The photos are those every given weights file's training
held out (the intersection of their runs' splits), centre crops of --crop px.

    python scripts/experiments/denoise_heldout.py weights/denoise.safetensors weights/denoise_camera.safetensors \\
        --links /work/denoise_data --limit 20
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone's root: runs as `python scripts/...`

from restorer.bench.common import Table, centre_crop, plain_photo
from restorer.bench.denoise import noisy_version
from restorer.corrupt.camera import camera_noise
from restorer.corrupt.functional import quantise
from restorer.metrics import psnr
from restorer.resize import shrunk
from restorer.restorer import Restorer
from restorer.tasks import TASKS
from restorer.tasks.denoise import DenoiseOptions
from restorer.train.data import held_out_split, list_images, load_rgb
from restorer.weights import read_info

PROTOCOLS = ("files", "published")


def training_runs(meta: dict) -> list[dict]:
    t = meta.get("training", {})
    return [r for run in t.get("runs", []) for r in training_runs({"training": run})] or ([t] if "config" in t else [])


def held_out_everywhere(weights: list[Path], links: Path | None = None) -> list[Path]:
    """Photos of any of the runs' folders that no run behind any weights file trained on.
    links: the folder to use for a run whose record names its folder only in words (the camera
    weights' "bsds432 + urban100 + sunhays80 (a folder of links)")."""
    pool: set[str] = set()
    trained: set[str] = set()
    for w in weights:
        for run in training_runs(read_info(w).meta):
            cfg = run["config"]
            data = Path(cfg["data"])
            if not data.is_dir() and links is not None and "folder of links" in str(data):
                data = links
            if not data.is_dir():
                sys.exit(f"{w}: its training folder {data} is not here (a folder of links: --links DIR)")
            if "split_seed" in cfg:  # given one seed's split of `data` as folders (--data, --val): that split
                train, _ = held_out_split(data, cfg["split_seed"])
            elif cfg.get("val"):  # given --val, the trainer trains on all of --data
                train = list_images(data)
            else:
                train, _ = held_out_split(data, cfg.get("seed", 0))
            trained |= {os.path.realpath(p) for p in train}
            pool |= {os.path.realpath(p) for p in list_images(data)}
    return sorted(Path(p) for p in pool - trained)


def add_photo_arguments(ap: argparse.ArgumentParser) -> None:
    """--links and --split-seed: which held-out photos a script scores on (held_out_photos)."""
    ap.add_argument("--links", type=Path, default=None,
                    help="a folder of links to bsds432, urban100 and sunhays80, for weights trained on one")
    ap.add_argument("--split-seed", type=int, default=None,
                    help="score on the photos this seed's split of --links holds out (a run with another seed "
                         "trained on the photos every earlier run held out); earlier weights may have trained on them")


def held_out_photos(weights: list[Path], links: Path | None, split_seed: int | None) -> list[Path]:
    """The photos no run behind `weights` trained on, or those `split_seed`'s split of `links` holds out."""
    if split_seed is not None:
        if links is None:
            sys.exit("--split-seed needs --links: the folder that seed's split was drawn from")
        return sorted(held_out_split(links, split_seed)[1])
    paths = held_out_everywhere(weights, links)
    if not paths:
        sys.exit("no photo is held out by every run behind these weights: score on one run's held-out photos "
                 "with --split-seed SEED")
    return paths


def held_out_crops(paths: list[Path], crop: int, shrink: float = 1.0) -> list[np.ndarray]:
    """Centre crops of the photos, HxWx3 float32 in [0, 1] (photos under 64 px skipped), each photo first
    shrunk by `shrink` (area averaging; not below the crop): a cleaner target, with less JPEG and grain."""
    return [centre_crop(shrunk(img, shrink, min_side=crop), crop).astype(np.float32) / 255 for img in load_rgb(paths, 64)]


def seeded_noisy(clean: np.ndarray, i: int, sigma: float, protocol: str) -> np.ndarray:
    """The i-th photo's noisy version: the same noise in every script that scores these photos."""
    return noisy_version(clean, sigma, np.random.default_rng(i * 1009 + int(sigma)), protocol)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("weights", type=Path, nargs="+")
    ap.add_argument("--sigma", type=float, nargs="+", default=[15, 25, 50])
    ap.add_argument("--limit", type=int, default=24)
    ap.add_argument("--crop", type=int, default=256)
    ap.add_argument("--shrink", type=float, default=1.0,
                    help="score on the photos shrunk by this factor first: cleaner targets than the native JPEGs")
    add_photo_arguments(ap)
    args = ap.parse_args()
    paths = held_out_photos(args.weights, args.links, args.split_seed)[: args.limit]
    photos = held_out_crops(paths, args.crop, args.shrink)
    # gains over the first weights print to four decimals (Table), enough for a rule of +0.02 dB
    table = Table(["weights", "protocol", "sigma", "PSNR", "blind PSNR", "gain over the first", "blind gain", "images"])
    first: dict[tuple[str, float], tuple[float, float]] = {}
    for w in args.weights:
        restorer = Restorer.load(TASKS["denoise"], w, "cpu")
        run = lambda x, s: quantise(restorer(plain_photo(x), DenoiseOptions(sigma=s)).pixels)
        for protocol in PROTOCOLS:
            for sigma in args.sigma:
                known, blind = [], []
                for i, clean in enumerate(photos):
                    noisy = seeded_noisy(clean, i, sigma, protocol)
                    known.append(psnr(run(noisy, sigma), clean))
                    blind.append(psnr(run(noisy, None), clean))
                scores = float(np.mean(known)), float(np.mean(blind))
                was = first.setdefault((protocol, sigma), scores)
                table.add(str(w), protocol, sigma, *scores, scores[0] - was[0], scores[1] - was[1], len(photos))
        cam = []
        for i, clean in enumerate(photos):
            noisy = camera_noise(clean, np.random.default_rng(50_000 + i))
            cam.append(psnr(run(noisy, None), clean) - psnr(noisy, clean))
        gain = float(np.mean(cam))
        was = first.setdefault(("camera", 0), (float("nan"), gain))
        table.add(str(w), "camera (gain over input)", "-", float("nan"), gain, float("nan"), gain - was[1], len(photos))
    print(f"{len(photos)} held-out photos\n")
    print(table.markdown())


if __name__ == "__main__":
    main()
