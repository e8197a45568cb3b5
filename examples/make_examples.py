"""Regenerate examples/ from scikit-image's bundled sample images (needs scikit-image).

Clean originals go to examples/clean/, noisy versions to examples/noisy/, a
damaged black-and-white print to examples/old/ and a hole mask to examples/masks/
(both drawn by restorer's own damage and mask generators, the benchmarks' ones).
Seeded, so the files are reproducible: python examples/make_examples.py
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageCms
from skimage import data

from restorer.bench.oldphoto import damaged_bw
from restorer.corrupt.masks import random_mask

HERE = Path(__file__).parent
SOURCES = {"astronaut": data.astronaut, "coffee": data.coffee, "chelsea": data.chelsea, "camera": data.camera}


def noisy_version(name: str, img: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, str, dict]:
    f = img.astype(np.float64) / 255
    if name == "coffee":  # camera-like: shot noise plus read noise, saved as a camera JPEG with EXIF and ICC
        photons = 60.0
        f = rng.poisson(f * photons) / photons + rng.normal(0, 4 / 255, f.shape)
        exif = Image.Exif()
        exif[0x010F], exif[0x0110], exif[0x0132] = "restorer examples", "sample camera", "2026:11:22 10:00:00"
        icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
        return f, "jpg", {"quality": 95, "exif": exif.tobytes(), "icc_profile": icc}
    sigma = {"astronaut": 25, "chelsea": 15, "camera": 25}[name]
    return f + rng.normal(0, sigma / 255, f.shape), "png", {}


def main() -> None:
    rng = np.random.default_rng(2026)
    (HERE / "clean").mkdir(exist_ok=True)
    (HERE / "noisy").mkdir(exist_ok=True)
    for name, load in SOURCES.items():
        img = load()
        Image.fromarray(img).save(HERE / "clean" / f"{name}.png")
        noisy, ext, save_kw = noisy_version(name, img, rng)
        u8 = np.clip(np.rint(noisy * 255), 0, 255).astype(np.uint8)
        Image.fromarray(u8).save(HERE / "noisy" / f"{name}.{ext}", **save_kw)
    # an old print: the astronaut in black-and-white, scratched, dusty, stained, with film grain
    (HERE / "old").mkdir(exist_ok=True)
    damaged, _ = damaged_bw(data.astronaut().astype(np.float32) / 255, np.random.default_rng(7))
    Image.fromarray(np.rint(damaged * 255).astype(np.uint8)).save(HERE / "old" / "astronaut.png")
    # brush strokes to fill on the clean cat (white = fill), matched to clean/chelsea.png by name
    (HERE / "masks").mkdir(exist_ok=True)
    h, w = data.chelsea().shape[:2]
    holes = random_mask(h, w, np.random.default_rng(3), "medium")
    Image.fromarray(holes.astype(np.uint8) * 255).save(HERE / "masks" / "chelsea.png")


if __name__ == "__main__":
    main()
