"""Not in the test suite: needs Debian's chromium and minutes of CPU (tests/test_ui_browser.py drives the same pages).

Regenerates the README's screenshots: starts `restore ui` with the shipped weights, drives it with
Playwright, and screenshots the denoise tab with its results gallery, the inpaint tab with the
damage detector's proposed mask, a short fine-tune with its curve, and the old-photo tab with the
detector's mask found for editing and the result restored on it.

    .venv/bin/python scripts/figures/ui_screenshots.py [--weights-dir weights]
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def start_ui(weights_dir: Path, out: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "restorer", "ui", "--port", str(port), "--weights-dir", str(weights_dir),
                               "--out", str(out), "--data-root", str(ROOT)], env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"})
    for _ in range(600):  # up to five minutes: torch and gradio import slowly on a busy machine
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, f"http://127.0.0.1:{port}"
        except OSError:
            if server.poll() is not None:
                raise SystemExit("restore ui exited")
            time.sleep(0.5)
    server.kill()
    raise SystemExit("restore ui did not start")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--weights-dir", type=Path, default=ROOT / "weights")
    args = ap.parse_args()
    server, url = start_ui(args.weights_dir, Path(tempfile.mkdtemp(prefix="restorer-shots-")))
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(300_000)
            page.goto(url)

            noisy = sorted((ROOT / "examples/noisy").iterdir())
            page.set_input_files("#denoise-files input[type=file]", [str(p) for p in noisy])
            page.click("#denoise-run")
            page.locator("#denoise-status").get_by_text("restored").wait_for()
            page.locator("#denoise-gallery img").nth(len(noisy) - 1).wait_for()
            page.locator("#denoise-gallery img").nth(2).click()
            page.wait_for_timeout(2000)
            page.screenshot(path=ROOT / "docs/ui_denoise.png", full_page=True)

            page.get_by_role("tab", name="Inpaint").click()
            page.set_input_files("#inpaint-files input[type=file]", str(ROOT / "examples/old/astronaut.png"))
            page.locator("#inpaint-editor canvas").first.wait_for()
            page.wait_for_timeout(1500)
            page.click("#inpaint-propose")
            page.wait_for_timeout(20000)  # the detector runs, then the editor redraws
            page.click("#inpaint-run")
            page.locator("#inpaint-status").get_by_text("restored").wait_for()
            page.wait_for_timeout(1500)
            page.screenshot(path=ROOT / "docs/ui_inpaint.png", full_page=True)

            page.get_by_role("tab", name="Fine-tune").click()
            page.fill("#finetune-folder textarea, #finetune-folder input", "examples/clean")
            page.fill("#finetune-steps input", "60")
            page.click("#finetune-run")
            page.locator("#finetune-status").get_by_text("fine-tune 1").wait_for()
            page.wait_for_timeout(1500)
            page.screenshot(path=ROOT / "docs/ui_finetune.png", full_page=True)

            page.get_by_role("tab", name="Old photo").click()
            page.set_input_files("#oldphoto-files input[type=file]", str(ROOT / "examples/old/astronaut.png"))
            page.locator("#oldphoto-keep_stages input").check()
            page.click("#oldphoto-find")  # the detector's mask, in red in the brush editor, then restore on it
            page.wait_for_timeout(20000)
            page.click("#oldphoto-run")
            page.locator("#oldphoto-status").get_by_text("restored").wait_for()
            page.wait_for_timeout(2500)
            page.screenshot(path=ROOT / "docs/ui_oldphoto.png", full_page=True)
            browser.close()
    finally:
        server.terminate()
        server.wait(10)
    print("wrote docs/ui_denoise.png, docs/ui_inpaint.png, docs/ui_finetune.png and docs/ui_oldphoto.png")


if __name__ == "__main__":
    main()
