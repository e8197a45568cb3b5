"""The Colorize tab in a real headless browser (as tests/test_ui_browser.py, whose helpers it uses):
upload a grey photo, paint one stroke with the colour brush's default colour, run, and get that
colour where the stroke was and the automatic colour far from it."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from restorer import color as C
from restorer.color_hints import chroma_of
from restorer.ui.widgets import HINT_COLOURS
from restorer.weights import save_weights

from .conftest import random_head_model, save_rgb, smooth_image, tiny_unet_for
from .test_ui_browser import CHROMIUM, RUN_S, browser_or_skip, download_result, paint_stroke, served_ui


@pytest.fixture
def colorize_url(tmp_path: Path):
    spec = tiny_unet_for("colorize")
    weights = tmp_path / "weights"
    save_weights(random_head_model(spec, head_std=0.5), spec, weights / "colorize.safetensors", "colorize")
    yield from served_ui(tmp_path, weights)


def test_paint_a_colour_hint_and_the_result_follows_it(colorize_url, tmp_path):
    sync_playwright = browser_or_skip()
    src = save_rgb(tmp_path / "grey.png", np.repeat(C.grey_of(smooth_image(160, 240, 2)), 3, axis=2))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(RUN_S * 1000)
        page.goto(colorize_url)
        page.get_by_role("tab", name="Colorize").click()
        page.set_input_files("#colorize-files input[type=file]", str(src))
        page.locator("#colorize-files", has_text="grey").wait_for()
        paint_stroke(page, "colorize-editor", (0.3, 0.5), (12, 2))
        page.click("#colorize-run")
        page.locator("#colorize-status").get_by_text("1 image(s) restored").wait_for()
        out = np.asarray(download_result(page, "colorize").convert("RGB"), np.float32) / 255
        browser.close()
    want = chroma_of(np.array([[int(HINT_COLOURS[0][i : i + 2], 16) for i in (1, 3, 5)]]) / 255)[0]
    error = np.linalg.norm(C.rgb_to_lab(out)[..., 1:] - want, axis=-1)
    honoured = error < 10
    assert honoured.any(), "the painted stroke did not reach the colour"
    ys, xs = np.nonzero(honoured)
    h, w = out.shape[:2]
    assert 0.3 * h < np.median(ys) < 0.7 * h and 0.2 * w < np.median(xs) < 0.7 * w  # where the stroke was
