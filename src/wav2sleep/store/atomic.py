"""Atomic file writes: write beside the target, fsync, then rename, so no reader ever sees half a file."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from wav2sleep.errors import ConfigError, utf8_safe

__all__ = [
    "atomic_path",
    "write_bytes_atomic",
    "write_text_atomic",
    "check_writable",
    "remove_stale_temporaries",
    "is_temporary",
]


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target``, on error it is removed.

    The temporary name starts with ``.`` and ends with ``.tmp`` so globbing for outputs never picks it up.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as fh:
            # mkstemp makes 0600 files, and a writer may have replaced ours with its own (safetensors does):
            # outputs get the usual permissions, so that others can read a shared model or store.
            os.fchmod(fh.fileno(), 0o666 & ~_umask())
            os.fsync(fh.fileno())
        os.replace(tmp_path, target)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def is_temporary(path: Path) -> bool:
    """A file ``atomic_path`` creates: ``.<target name>.<random>.tmp``."""
    return path.name.startswith(".") and path.name.endswith(".tmp") and path.name.count(".") >= 3


def remove_stale_temporaries(folder: str | os.PathLike[str]) -> int:
    """Remove the temporary files a killed run left under ``folder`` (only ``atomic_path``'s own name pattern);
    call it only while no other writer works there. Returns how many were removed."""
    removed = 0
    for path in Path(folder).rglob(".*.tmp"):
        if path.is_file() and is_temporary(path):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def check_writable(folder: str | os.PathLike[str]) -> Path:
    """Create ``folder`` if needed and check that a file can be written there; a one-line error otherwise."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".wav2sleep-write-test-"):
            pass
    except OSError as exc:
        raise ConfigError(f"{folder}: folder not writable ({exc.strerror or exc})") from None
    return folder


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes_atomic(target: str | os.PathLike[str], data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def write_text_atomic(target: str | os.PathLike[str], text: str) -> None:
    """``text`` as UTF-8 (the bytes of a file name that are not UTF-8, as ``\\xff``: ``errors.utf8_safe``)."""
    write_bytes_atomic(target, utf8_safe(text).encode("utf-8"))
