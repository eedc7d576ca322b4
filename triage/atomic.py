"""Writing files atomically: a temp file in the same folder, fsync, rename, then fsync of the folder.

A crash or a full disk leaves either the old file or the new one, never half of either.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def fsync_dir(directory: Path) -> None:
    """Make a rename durable (POSIX); a no-op where folders cannot be opened (Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_text(path, text: str, *, overwrite: bool = True, exists_message: str | None = None) -> Path:
    """Write `text` to `path` atomically. With overwrite=False an existing file is refused (FileExistsError)."""
    target = Path(path)
    message = exists_message or f"{target} exists"
    if target.exists() and not overwrite:
        raise FileExistsError(message)
    directory = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if overwrite:
            os.replace(tmp, target)
        else:
            try:  # link() refuses an existing target, closing the race replace() would lose
                os.link(tmp, target)
            except FileExistsError:
                raise FileExistsError(message) from None
            except OSError:  # file systems without hard links: a narrower race, still refused
                if target.exists():
                    raise FileExistsError(message) from None
                os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    fsync_dir(directory)
    return target
