"""Why a path given as a file cannot be read as one.

Readers open their input without a timeout, so a named pipe (FIFO) would block until something writes to it and a
device such as ``/dev/zero`` would be read without end: such paths are refused by what they are before any reader
opens them, as are missing files, dangling links and links that loop.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from wav2sleep.errors import InputFileError

__all__ = ["not_a_file", "require_file"]

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))  # fmt: skip


def not_a_file(path: str | Path) -> str | None:
    """``None`` when ``path`` is a regular file (through links), else why not, a message on its own: "file not
    found", "dangling link (its target is missing)", "a named pipe (FIFO), not a file" ..."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "link that loops"
        if exc.errno == errno.ENOENT:
            return "dangling link (its target is missing)" if os.path.islink(path) else "file not found"
        return f"not accessible ({exc.strerror or exc})"
    if stat.S_ISREG(mode):
        return None
    kind = next((name for test, name in _KINDS if test(mode)), "a special file")
    return f"{kind}, not a file"


def require_file(path: str | Path) -> None:
    """Raise ``InputFileError`` naming ``path`` unless it is a regular file."""
    reason = not_a_file(path)
    if reason is not None:
        raise InputFileError(path, reason)
