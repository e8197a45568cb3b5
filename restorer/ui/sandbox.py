"""The web app's own temporary folders. Gradio serves any file under its upload folder,
by default one shared by every app and user of the machine (/tmp/gradio): given a
private folder (mode 700, made by mkdtemp) it serves only this app's uploads, and the
folder is removed when the app stops. Usage reports are off: a local photo tool tells
no one what it is used for."""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path


def remove_at_exit(folder: Path) -> None:
    atexit.register(shutil.rmtree, folder, ignore_errors=True)


def private_gradio_folders() -> Path:
    """Point gradio's upload and example caches at a new private folder; call before the app
    is created (gradio reads these variables when it builds the app)."""
    root = Path(tempfile.mkdtemp(prefix="restorer-ui-gradio-"))
    os.environ["GRADIO_TEMP_DIR"] = str(root / "uploads")
    os.environ["GRADIO_EXAMPLES_CACHE"] = str(root / "examples")
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    remove_at_exit(root)
    return root
