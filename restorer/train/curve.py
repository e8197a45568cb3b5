"""Loss and validation curves as a PNG, drawn with Pillow (no plotting dependency)."""
from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

W, H, PAD = 420, 260, 40


def _panel(draw: ImageDraw.ImageDraw, x0: int, title: str, pts: list[tuple[float, float]], colour: str) -> None:
    draw.rectangle([x0 + PAD, PAD, x0 + W - 10, H - PAD], outline="black")
    draw.text((x0 + PAD, 10), title, fill="black")
    if len(pts) < 2:
        return
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    xmin, xmax, ymin, ymax = min(xs), max(xs), min(ys), max(ys)
    ymax = ymax if ymax > ymin else ymin + 1
    xmax = xmax if xmax > xmin else xmin + 1
    sx = lambda v: x0 + PAD + (v - xmin) / (xmax - xmin) * (W - PAD - 10)
    sy = lambda v: H - PAD - (v - ymin) / (ymax - ymin) * (H - 2 * PAD)
    draw.line([(sx(x), sy(y)) for x, y in pts], fill=colour, width=2)
    draw.text((x0 + 2, PAD - 5), f"{ymax:.3g}", fill="black")
    draw.text((x0 + 2, H - PAD - 8), f"{ymin:.3g}", fill="black")
    draw.text((x0 + PAD, H - PAD + 5), f"step {xmin:.0f}", fill="black")
    draw.text((x0 + W - 80, H - PAD + 5), f"{xmax:.0f}", fill="black")


def save_curve(path: Path, loss: list[tuple[float, float]], val: list[tuple[float, float]], val_name: str) -> None:
    img = Image.new("RGB", (2 * W, H), "white")
    draw = ImageDraw.Draw(img)
    _panel(draw, 0, "training loss", loss, "#c0392b")
    _panel(draw, W, f"validation {val_name}", val, "#2471a3")
    tmp = Path(path).with_name(f".{Path(path).name}.tmp")
    img.save(tmp, "PNG")
    tmp.replace(path)
