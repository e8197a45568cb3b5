"""End to end in a real headless browser: `restore ui` in a subprocess, driven
by Playwright through Debian's chromium (the test set-up installs both).
Upload an example, denoise it, see the result; paint a stroke in the
inpainting tab, run it, and get an image changed only around the stroke."""
from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from restorer.weights import save_weights

from .conftest import EXAMPLES, ROOT, TINY_UNET, save_rgb, smooth_image
from .test_segment import TINY_SEG, bright_detector

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
IN_CI = os.environ.get("CI", "").lower() == "true"
STARTUP_S = 300  # importing torch and gradio; minutes on a busy two-core machine
RUN_S = 180


def browser_or_skip():
    """Playwright's sync API, or a skip (never in CI, where it must run)."""
    missing = []
    if not Path(CHROMIUM).is_file():
        missing.append(f"chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing.append("the playwright package is not installed (pip install '.[test]')")
        sync_playwright = None
    if missing:
        if IN_CI:
            pytest.fail("browser test must run in CI: " + "; ".join(missing))
        pytest.skip("; ".join(missing))
    return sync_playwright


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def paint_stroke(page, editor: str, start: tuple[float, float], step: tuple[int, int]) -> None:
    """One brush stroke on the #editor canvas: from `start` (fractions of its width and height), five
    moves of `step` px (few moves: each one redraws the canvas, slow in software rendering)."""
    canvas = page.locator(f"#{editor} canvas").first
    canvas.wait_for()
    page.wait_for_timeout(1000)  # the editor draws the background after the upload event returns
    page.click(f"#{editor} button[aria-label=Brush]")
    box = canvas.bounding_box()
    x, y = box["x"] + box["width"] * start[0], box["y"] + box["height"] * start[1]
    page.mouse.move(x, y)
    page.mouse.down()
    for i in range(1, 6):
        page.mouse.move(x + step[0] * i, y + step[1] * i)
    page.mouse.up()


def editor_shot(page, editor: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(page.locator(f"#{editor}").screenshot())).convert("RGB"), np.int16)


def wait_for_red(page, editor: str, before: np.ndarray) -> float:
    """The share of the #editor that turned red since `before`, once the detector's proposal shows
    (the detector runs, then the editor redraws: look until the red shows or time is up)."""
    deadline = time.monotonic() + RUN_S
    while True:
        page.wait_for_timeout(1000)
        after = editor_shot(page, editor)
        redder = (after[..., 0] - after[..., 1]) - (before[..., 0] - before[..., 1]) > 40
        if redder.shape == before.shape[:2] and redder.mean() > 0.002 or time.monotonic() > deadline:
            return float(redder.mean()) if redder.shape == before.shape[:2] else 0.0


def served_ui(tmp_path: Path, weights: Path, *extra: str):
    """`restore ui` on a free localhost port with the given weights folder: yields its URL, stops it after."""
    port = free_port()
    log = open(tmp_path / "server.log", "w")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    server = subprocess.Popen(
        [sys.executable, "-m", "restorer", "ui", "--port", str(port), "--device", "cpu",
         "--weights-dir", str(weights), "--out", str(tmp_path / "out"), *extra],
        stdout=log, stderr=subprocess.STDOUT, env=env,
    )
    try:
        deadline = time.monotonic() + STARTUP_S
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("restore ui did not start:\n" + (tmp_path / "server.log").read_text()[-3000:])
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture
def app_url(tmp_path: Path):
    """`restore ui` on a free localhost port, with untrained tiny weights."""
    weights = tmp_path / "weights"
    for name in ("denoise", "inpaint"):
        save_weights(TINY_UNET.build(), TINY_UNET, weights / f"{name}.safetensors", name)
    save_weights(bright_detector(), TINY_SEG, weights / "segment.safetensors", "segment")  # marks pixels brighter than 0.8
    (tmp_path / "photos").mkdir()  # for the Fine-tune tab
    for i in range(4):
        save_rgb(tmp_path / "photos" / f"p{i}.png", smooth_image(96, 96, seed=i))
    yield from served_ui(tmp_path, weights, "--data-root", str(tmp_path))


def download_result(page, tab: str) -> Image.Image:
    """The result file behind the tab's download link, fetched as the user's browser would."""
    link = page.locator(f"#{tab}-download a[href]").first
    link.wait_for(timeout=RUN_S * 1000)
    response = page.request.get(link.get_attribute("href"))
    assert response.ok
    return Image.open(io.BytesIO(response.body()))


def test_denoise_and_paint_inpaint_in_a_real_browser(app_url):
    sync_playwright = browser_or_skip()
    noisy = EXAMPLES / "noisy" / "camera.png"
    clean = EXAMPLES / "clean" / "camera.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(RUN_S * 1000)
        page.goto(app_url)
        assert "Running on" in page.inner_text("#header") and "CPU" in page.inner_text("#header")

        # Denoise: upload, set the strength, run, see the before/after slider and a same-size PNG to download.
        page.set_input_files("#denoise-files input[type=file]", str(noisy))
        page.locator("#denoise-files", has_text=noisy.stem).wait_for()  # the list shows stem and suffix apart
        page.click("#denoise-sigma-auto input")  # off "automatic": the slider takes over
        page.fill("#denoise-sigma input[type=number]", "25")
        page.press("#denoise-sigma input[type=number]", "Enter")
        page.click("#denoise-run")
        page.locator("#denoise-result img").first.wait_for()
        summary = "(sigma 25.0, strength 1.0, views 1, scan off): 1 image(s) restored"
        page.locator("#denoise-status").get_by_text(summary).wait_for()
        result = download_result(page, "denoise")
        assert result.format == "PNG" and result.size == Image.open(noisy).size

        # Only uploads and the app's own folders are served.
        href = page.locator("#denoise-download a[href]").first.get_attribute("href")
        base = href[: href.index("file=") + len("file=")]
        for private in (ROOT / "README.md", Path("/etc/passwd")):
            assert page.request.get(base + str(private)).status in (403, 404), private

        # Inpaint: one click on an example puts it in the brush editor; paint one stroke across the middle.
        page.get_by_role("tab", name="Inpaint").click()
        page.locator("#tab-inpaint").get_by_text(clean.name, exact=True).first.click()
        page.locator("#inpaint-files", has_text=clean.stem).wait_for()
        paint_stroke(page, "inpaint-editor", (0.4, 0.5), (16, 4))
        page.click("#inpaint-run")
        page.locator("#inpaint-status").get_by_text("1 image(s) restored").wait_for()
        page.locator("#inpaint-result img").first.wait_for()
        filled = np.asarray(download_result(page, "inpaint").convert("L"), np.int16)
        original = np.asarray(Image.open(clean).convert("L"), np.int16)

        # Fine-tune: a few steps on a folder; the curve appears; the result is offered in the Denoise tab's
        # selector (selected only if it beat the shipped weights), and the user can go back to the shipped ones.
        page.get_by_role("tab", name="Fine-tune").click()
        page.fill("#finetune-folder textarea, #finetune-folder input", "photos")
        page.fill("#finetune-steps input", "3")
        page.click("#finetune-run")
        page.locator("#finetune-status").get_by_text("fine-tune 1").wait_for()
        page.locator("#finetune-curve img").first.wait_for()
        done = page.inner_text("#finetune-status")
        assert "validation psnr" in done and "shipped weights" in done and "/tmp" not in done
        page.get_by_role("tab", name="Denoise").click()
        page.click("#denoise-weights input")
        page.get_by_role("option", name="fine-tune 1", exact=False).click()  # the fine-tune, chosen by the user
        page.click("#denoise-run")
        page.locator("#denoise-status").get_by_text("with the fine-tune 1").wait_for()
        page.click("#denoise-weights input")
        page.get_by_role("option", name="shipped", exact=True).click()  # and back
        page.click("#denoise-run")
        page.locator("#denoise-status").get_by_text("with the shipped weights").wait_for()
        browser.close()

    changed = np.abs(filled - original) > 0
    assert filled.shape == original.shape
    assert changed.any(), "the painted stroke did not reach the inpainting"
    assert changed.mean() < 0.1, "pixels far from the stroke changed"
    ys, xs = np.nonzero(changed)  # the stroke: right of centre, around mid-height
    h, w = original.shape
    assert 0.3 * h < ys.mean() < 0.7 * h and 0.3 * w < xs.mean() < 0.8 * w


def test_the_app_does_not_serve_files_others_left_in_the_temp_folder(app_url, tmp_path):
    """Gradio serves its upload folder; the app's is private, so the shared /tmp/gradio is not served."""
    import tempfile
    import urllib.error
    import urllib.request

    foreign = Path(tempfile.gettempdir()) / "gradio" / f"planted-{os.getpid()}" / "secret.png"
    foreign.parent.mkdir(parents=True, exist_ok=True)
    save_rgb(foreign, smooth_image(8, 8))
    try:
        for path in (foreign, EXAMPLES.parent / "README.md"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(f"{app_url}/gradio_api/file={path}", timeout=30)
            assert refused.value.code == 403
        served = urllib.request.urlopen(f"{app_url}/gradio_api/file={EXAMPLES / 'noisy' / 'camera.png'}", timeout=30)
        assert served.status == 200  # examples/ is served, as the README says
    finally:
        shutil.rmtree(foreign.parent, ignore_errors=True)


def test_results_gallery_new_uploads_errors_and_the_proposed_mask(app_url, tmp_path):
    """What a new user trips over: several results each comparable, a new upload clearing the old
    result, an error shown in the status area naming the file as uploaded, and the damage
    detector's proposal visible as a coloured layer over the photo."""
    sync_playwright = browser_or_skip()
    fake = tmp_path / "fake.png"
    fake.write_text("this is a text file with an image's name")
    two = [EXAMPLES / "noisy" / "camera.png", EXAMPLES / "noisy" / "chelsea.png"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(RUN_S * 1000)
        page.goto(app_url)

        # Two results: both in the gallery; choosing the second puts it in the slider.
        page.set_input_files("#denoise-files input[type=file]", [str(f) for f in two])
        page.locator("#denoise-files", has_text="chelsea").wait_for()
        page.click("#denoise-run")
        page.locator("#denoise-status").get_by_text("2 image(s) restored").wait_for()
        gallery = page.locator("#denoise-gallery img")
        gallery.nth(1).wait_for()
        assert gallery.count() == 2
        first = page.locator("#denoise-result img").last.get_attribute("src")
        gallery.nth(1).click()
        page.wait_for_function(
            "(old) => [...document.querySelectorAll('#denoise-result img')].every(i => i.src !== old)", arg=first)

        # A changed input (here: the list cleared, then a new file) clears the old result, download and status.
        page.click("#denoise-files button[aria-label=Clear]")
        page.wait_for_function("() => !document.querySelector('#denoise-download a[href]')")
        page.set_input_files("#denoise-files input[type=file]", str(fake))
        page.locator("#denoise-files", has_text="fake").wait_for()
        assert "restored" not in page.inner_text("#denoise-status")
        assert page.locator("#denoise-gallery img").count() == 0

        # An error: a clear message in the status area, naming the file as uploaded, no server path.
        page.click("#denoise-run")
        page.locator("#denoise-status").get_by_text("Could not run").wait_for()
        status = page.inner_text("#denoise-status")
        assert "fake.png" in status and "/tmp" not in status and "gradio" not in status

        # Inpaint: the detector's proposal shows as translucent red over the white parts of the photo.
        page.get_by_role("tab", name="Inpaint").click()
        page.set_input_files("#inpaint-files input[type=file]", str(EXAMPLES / "clean" / "astronaut.png"))
        canvas = page.locator("#inpaint-editor canvas").first
        canvas.wait_for()
        page.wait_for_timeout(1000)
        before = editor_shot(page, "inpaint-editor")
        page.click("#inpaint-propose")
        assert wait_for_red(page, "inpaint-editor", before) > 0.002, "the proposed mask is not visible"
        page.click("#inpaint-run")  # the proposal is the mask: the run fills it
        page.locator("#inpaint-status").get_by_text("1 image(s) restored").wait_for()

        # Old photo: Find damage shows the detector's mask in red; a brush stroke adds to it; Restore uses it.
        page.get_by_role("tab", name="Old photo").click()
        page.set_input_files("#oldphoto-files input[type=file]", str(EXAMPLES / "old" / "astronaut.png"))
        page.locator("#oldphoto-editor canvas").first.wait_for()
        page.wait_for_timeout(1000)
        before = editor_shot(page, "oldphoto-editor")
        page.click("#oldphoto-find")
        assert wait_for_red(page, "oldphoto-editor", before) > 0.002, "the damage found is not visible"
        paint_stroke(page, "oldphoto-editor", (0.3, 0.5), (16, 4))
        page.click("#oldphoto-run")
        page.locator("#oldphoto-status").get_by_text("damage of astronaut.png as edited").wait_for()

        # Descriptions and help pass through Markdown whole: no swallowed <name>, no italics from a*z.
        page.get_by_role("tab", name="Segment").click()
        page.locator("#segment-about", has_text="writes <name>_mask.png").wait_for()
        page.get_by_role("tab", name="Blend").click()
        page.get_by_role("tab", name="Morph").click()
        page.locator("#tab-blend-morph", has_text="a\u2217z(A) + (1-a)\u2217z(B)").wait_for()
        browser.close()

