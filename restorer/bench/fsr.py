"""OpenCV contrib's frequency-selective reconstruction (FSR, Genser et al. 2018;
cv2.xphoto.inpaint) as an inpainting baseline for the bench.

cv2.xphoto ships only in opencv-contrib-python(-headless), which installs the same
`cv2` package as the opencv-python-headless this project depends on, so the two
must not be installed side by side; and albumentations and albucore (training
augmentation) require opencv-python-headless by name, so the project cannot
switch to contrib without pip installing both. FSR is therefore a bench baseline,
never used at run time (it is also far too slow for that: seconds per small crop).
It runs in this process where this cv2 has xphoto; otherwise in a separate Python
that has it (`--fsr-python`, e.g. a venv with only opencv-contrib-python-headless
and numpy), with the pixels passed as .npy bytes over a pipe (no pickles).
"""
from __future__ import annotations

import io
import subprocess
import time
from pathlib import Path

import cv2
import numpy as np

FLAGS = {"fsr": "INPAINT_FSR_FAST", "fsr-best": "INPAINT_FSR_BEST"}
HOW_TO = ("needs OpenCV's contrib module (cv2.xphoto): give --fsr-python PY, a Python whose environment has "
          "opencv-contrib-python-headless and numpy (not this one's: the two OpenCV wheels must not share an "
          "environment), e.g. python3 -m venv ~/fsr && ~/fsr/bin/pip install opencv-contrib-python-headless numpy")

# What the other Python runs: two arrays in on stdin, the filled image and the seconds it took out on stdout.
_CHILD = """
import io, sys, time
import cv2, numpy as np
stdin = io.BytesIO(sys.stdin.buffer.read())
img, known = np.load(stdin), np.load(stdin)
dst = np.zeros_like(img)
t = time.perf_counter()
cv2.xphoto.inpaint(img, known, dst, getattr(cv2.xphoto, sys.argv[1]))
out = io.BytesIO()
np.save(out, dst), np.save(out, np.float64(time.perf_counter() - t))
sys.stdout.buffer.write(out.getvalue())
"""


class FSRUnavailable(RuntimeError):
    pass


def check(python: Path | None) -> None:
    """Raise FSRUnavailable with how to get FSR, unless this cv2 or `python`'s has xphoto."""
    if python is None:
        if not hasattr(cv2, "xphoto"):
            raise FSRUnavailable(f"fsr: this environment's OpenCV has no xphoto; {HOW_TO}")
        return
    probe = subprocess.run([str(python), "-c", "import cv2; cv2.xphoto.inpaint"], capture_output=True, text=True)
    if probe.returncode:
        raise FSRUnavailable(f"fsr: {python} cannot import cv2.xphoto ({probe.stderr.strip().splitlines()[-1:]}); {HOW_TO}")


def fsr_fill(img: np.ndarray, hole: np.ndarray, method: str = "fsr", python: Path | None = None) -> tuple[np.ndarray, float]:
    """(HxWx3 float32 with the holes filled by FSR, seconds FSR itself took). Pixels under the
    hole are not read (FSR gets a 'known' mask); the seconds exclude any process start."""
    u8 = np.clip(np.rint(img * 255), 0, 255).astype(np.uint8)
    known = (~hole).astype(np.uint8)
    if python is None:
        dst = np.zeros_like(u8)
        t = time.perf_counter()
        cv2.xphoto.inpaint(u8, known, dst, getattr(cv2.xphoto, FLAGS[method]))
        return dst.astype(np.float32) / 255, time.perf_counter() - t
    buf = io.BytesIO()
    np.save(buf, u8), np.save(buf, known)
    done = subprocess.run([str(python), "-c", _CHILD, FLAGS[method]], input=buf.getvalue(), capture_output=True, check=False)
    if done.returncode:
        raise FSRUnavailable(f"fsr in {python} failed: {done.stderr.decode(errors='replace').strip()[-400:]}")
    out = io.BytesIO(done.stdout)
    dst, secs = np.load(out), float(np.load(out))
    return dst.astype(np.float32) / 255, secs
