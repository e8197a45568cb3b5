"""Measurements cached by file content (sha256), so a second scan of an archive only reads and
hashes its files. Plain data only: scalars and thumbnails in JSON, arrays in an .npz read with
allow_pickle=False. A cache made by other weights or another MEASURE_VERSION is not used."""
from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import numpy as np

from ..atomic import write_bytes_atomically
from .measure import Measurement

JSON_NAME = "scan-cache.json"
ARRAYS_NAME = "scan-cache.npz"


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ScanCache:
    """{file digest: Measurement}, loaded from and saved to `folder` (None: in memory only)."""

    def __init__(self, folder: Path | None, version: str) -> None:
        self.folder = folder
        self.version = version
        self.entries: dict[str, Measurement] = {}
        self.note = ""  # why an existing cache was not used, for the user
        self._dirty = False

    def __contains__(self, digest: str) -> bool:
        return digest in self.entries

    def get(self, digest: str) -> Measurement | None:
        return self.entries.get(digest)

    def put(self, digest: str, m: Measurement) -> None:
        self.entries[digest] = m
        self._dirty = True

    def load(self) -> ScanCache:
        if self.folder is None or not (self.folder / JSON_NAME).is_file():
            return self
        try:
            meta = json.loads((self.folder / JSON_NAME).read_text())
            if meta.get("version") != self.version:
                self.note = "cache made by other weights or an older version: measuring again"
                return self
            with np.load(self.folder / ARRAYS_NAME, allow_pickle=False) as arrays:
                keys = [str(k) for k in arrays["digest"]]
                columns = {name: arrays[name] for name in Measurement.array_names()}
            for row, key in enumerate(keys):
                scalars = meta["photos"].get(key)
                if scalars is not None:  # arrays and scalars are written one after the other
                    self.entries[key] = Measurement(**scalars, **{n: c[row] for n, c in columns.items()})
        except (OSError, ValueError, KeyError, TypeError) as e:
            self.entries.clear()
            self.note = f"cache unreadable ({type(e).__name__}): measuring again"
        return self

    def save(self) -> None:
        if self.folder is None or not self._dirty:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        keys = list(self.entries)
        buf = io.BytesIO()
        np.savez(buf, digest=np.array(keys, dtype="U64"),
                 **{n: np.stack([getattr(self.entries[k], n) for k in keys]).astype(np.float32) if keys
                    else np.zeros((0,), np.float32) for n in Measurement.array_names()})
        write_bytes_atomically(self.folder / ARRAYS_NAME, buf.getvalue())
        photos = {k: {n: getattr(m, n) for n in Measurement.scalar_names()} for k, m in self.entries.items()}
        write_bytes_atomically(self.folder / JSON_NAME, json.dumps({"version": self.version, "photos": photos}))
        self._dirty = False
