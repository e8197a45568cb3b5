"""Regenerate docs/ui_denoise.png, docs/ui_inpaint.png and docs/ui_oldphoto.png: starts `restore ui`,
drives it with Playwright through Debian's chromium, and screenshots the tabs.

    python docs/make_ui_screenshots.py [--weights-dir weights]
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

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def start_ui(weights_dir: Path, out: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "restorer", "ui", "--port", str(port), "--weights-dir", str(weights_dir),
                               "--out", str(out)], env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"})
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

            page.set_input_files("#denoise-files input[type=file]", str(ROOT / "examples/noisy/astronaut.png"))
            page.click("#denoise-run")
            page.locator("#denoise-status").get_by_text("restored").wait_for()
            page.wait_for_timeout(1500)
            page.screenshot(path=ROOT / "docs/ui_denoise.png", full_page=True)

            page.get_by_role("tab", name="Inpaint").click()
            page.set_input_files("#inpaint-files input[type=file]", str(ROOT / "examples/clean/chelsea.png"))
            canvas = page.locator("#inpaint-editor canvas").first
            canvas.wait_for()
            page.wait_for_timeout(1500)
            page.click("#inpaint-editor button[aria-label=Brush]")
            box = canvas.bounding_box()
            x, y = box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.35
            page.mouse.move(x, y)
            page.mouse.down()
            for i in range(1, 9):
                page.mouse.move(x + box["width"] * 0.05 * i, y + box["height"] * 0.03 * i)
            page.mouse.up()
            page.click("#inpaint-run")
            page.locator("#inpaint-status").get_by_text("restored").wait_for()
            page.wait_for_timeout(1500)
            page.screenshot(path=ROOT / "docs/ui_inpaint.png", full_page=True)

            page.get_by_role("tab", name="Old photo").click()
            page.set_input_files("#oldphoto-files input[type=file]", str(ROOT / "examples/old/astronaut.png"))
            page.locator("#oldphoto-keep_stages input").check()
            page.click("#oldphoto-run")
            page.locator("#oldphoto-status").get_by_text("restored").wait_for()
            page.wait_for_timeout(2500)
            page.screenshot(path=ROOT / "docs/ui_oldphoto.png", full_page=True)
            browser.close()
    finally:
        server.terminate()
        server.wait(10)
    print("wrote docs/ui_denoise.png, docs/ui_inpaint.png and docs/ui_oldphoto.png")


if __name__ == "__main__":
    main()
