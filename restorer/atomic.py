"""Files written whole or not at all: into a hidden temporary name beside the destination,
flushed to disk, then renamed into place, so a failure, Ctrl-C or SIGTERM never leaves half
a file. With replace=False the rename refuses a destination that exists by then (another
run wrote it), atomically."""
from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import BinaryIO


def temp_name() -> str:
    """Fixed length, whatever the destination's name: a 250-character name still fits."""
    return f".rs-{secrets.token_hex(6)}.tmp"


def _publish(tmp: Path, path: Path) -> None:
    """Move the finished temp file to `path` only if nothing is there: a hard link fails if the
    name exists, atomically; where links are not supported, an exclusive create claims the name
    first (it is then briefly empty, never half-written). FileExistsError if taken."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError:  # no hard links here (some network and FAT file systems)
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        os.replace(tmp, path)
    else:
        os.unlink(tmp)


def write_atomically(path: Path, write: Callable[[BinaryIO], object], replace: bool = True) -> None:
    """write(f) into a temp file beside `path`, fsync, then move it into place."""
    path = Path(path)
    tmp = path.with_name(temp_name())
    done = False
    try:
        with open(tmp, "xb") as f:  # exclusive create, permissions from the umask
            write(f)
            f.flush()
            os.fsync(f.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            _publish(tmp, path)
        done = True
    finally:  # also runs on KeyboardInterrupt (and SIGTERM, which the CLI turns into one)
        if not done:
            with suppress(OSError):
                os.unlink(tmp)


def write_bytes_atomically(path: Path, data: bytes | str, replace: bool = True) -> None:
    """Bytes (or text, as UTF-8) written whole or not at all."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    write_atomically(path, lambda f: f.write(payload), replace)
