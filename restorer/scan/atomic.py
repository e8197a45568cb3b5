"""Reports and caches are written to a temporary name beside the destination and renamed into
place, so an interrupted scan never leaves half a file (and a reader never sees one)."""
from __future__ import annotations

import os
import secrets
from contextlib import suppress
from pathlib import Path


def write_atomically(path: Path, data: bytes | str) -> None:
    path = Path(path)
    tmp = path.with_name(f".{secrets.token_hex(6)}.tmp")
    try:
        with open(tmp, "xb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        with suppress(OSError):
            os.unlink(tmp)  # gone after the rename; left only by a failed write
