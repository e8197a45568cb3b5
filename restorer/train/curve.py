"""Loss and validation curves as a PNG, drawn with Pillow (no plotting dependency).
Every point is drawn as a dot, so a run of a few steps still shows something, and the
validation panel has a dashed line at the starting weights' score: what a fine-tune
has to beat."""
from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

from ..atomic import write_atomically

W, H, PAD = 420, 260, 44


def _panel(draw: ImageDraw.ImageDraw, x0: int, title: str, pts: list[tuple[float, float]], colour: str,
           reference: float | None = None) -> None:
    draw.rectangle([x0 + PAD, PAD, x0 + W - 10, H - PAD], outline="black")
    draw.text((x0 + PAD, 10), title, fill="black")
    draw.text((x0 + W // 2 - 10, H - 16), "step", fill="black")
    if not pts:
        draw.text((x0 + PAD + 10, H // 2), "no points yet", fill="grey")
        return
    xs, ys = [p[0] for p in pts], [p[1] for p in pts] + ([reference] if reference is not None else [])
    xmin, xmax, ymin, ymax = min(xs), max(xs), min(ys), max(ys)
    if ymax - ymin < 1e-9:
        ymin, ymax = ymin - 0.5 * (abs(ymin) * 0.01 + 1e-3), ymax + 0.5 * (abs(ymax) * 0.01 + 1e-3)
    xmax = xmax if xmax > xmin else xmin + 1
    sx = lambda v: x0 + PAD + (v - xmin) / (xmax - xmin) * (W - PAD - 20) + 5
    sy = lambda v: H - PAD - 5 - (v - ymin) / (ymax - ymin) * (H - 2 * PAD - 10)
    if reference is not None:
        y = sy(reference)
        for x in range(x0 + PAD, x0 + W - 10, 8):
            draw.line([(x, y), (x + 4, y)], fill="#7f8c8d", width=1)
        draw.text((x0 + W - 120, y + 3), f"start: {reference:.4g}", fill="#7f8c8d")
    if len(pts) > 1:
        draw.line([(sx(x), sy(y)) for x, y in pts], fill=colour, width=2)
    for x, y in pts:
        draw.ellipse([sx(x) - 2.5, sy(y) - 2.5, sx(x) + 2.5, sy(y) + 2.5], fill=colour)
    draw.text((x0 + 2, PAD), f"{ymax:.4g}", fill="black")
    draw.text((x0 + 2, H - PAD - 12), f"{ymin:.4g}", fill="black")
    draw.text((x0 + PAD, H - PAD + 5), f"{xmin:.0f}", fill="black")
    draw.text((x0 + W - 50, H - PAD + 5), f"{xmax:.0f}", fill="black")


def save_curve(path: Path, loss: list[tuple[float, float]], val: list[tuple[float, float]], val_name: str,
               reference: float | None = None) -> None:
    """reference: the starting weights' validation score (fine-tuning), drawn dashed."""
    img = Image.new("RGB", (2 * W, H), "white")
    draw = ImageDraw.Draw(img)
    _panel(draw, 0, "training loss", loss, "#c0392b")
    _panel(draw, W, f"validation {val_name} (higher is better)" if val_name == "psnr" else f"validation {val_name}",
           val, "#2471a3", reference)
    write_atomically(Path(path), lambda f: img.save(f, "PNG"))
