"""Regenerate docs/before_after.png with the shipped weights: python docs/make_figures.py"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from restorer.imageio import read_image
from restorer.restorer import Restorer
from restorer.metrics import psnr
from restorer.tasks import TASKS
from restorer.tasks.denoise import DenoiseOptions

ROOT = Path(__file__).resolve().parent.parent


def labelled(img: np.ndarray, text: str) -> Image.Image:
    im = Image.fromarray(np.clip(np.rint(img * 255), 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(im)
    draw.rectangle([0, 0, 8 * len(text) + 10, 18], fill="black")
    draw.text((5, 3), text, fill="white")
    return im


def main() -> None:
    noisy = read_image(ROOT / "examples/noisy/astronaut.png")
    clean = np.asarray(Image.open(ROOT / "examples/clean/astronaut.png"), np.float32) / 255
    out = Restorer.load(TASKS["denoise"])(noisy, DenoiseOptions()).pixels
    crop = np.s_[40:360, 120:440]
    panels = [
        labelled(noisy.pixels[crop], f"noisy (sigma 25): {psnr(noisy.pixels, clean):.1f} dB"),
        labelled(out[crop], f"restore denoise (blind): {psnr(out, clean):.1f} dB"),
        labelled(clean[crop], "original"),
    ]
    w, h = panels[0].size
    sheet = Image.new("RGB", (3 * w + 8, h), "white")
    for i, p in enumerate(panels):
        sheet.paste(p, (i * (w + 4), 0))
    sheet.save(ROOT / "docs/before_after.png", optimize=True)


if __name__ == "__main__":
    main()
