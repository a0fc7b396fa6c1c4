"""Keep large tensor buffers in the process heap (glibc), instead of returning them to the OS on every free.

glibc serves every allocation above its mmap threshold (at most 32 MB by default) with a fresh ``mmap`` and unmaps
it on free, so each such buffer is page-faulted in again on its next use. A 10-h night makes most encoder activations
that large (16 channels x 1.2 M samples x 4 bytes = 78 MB), and the page faults cost more than the convolutions:
raising the mmap and trim thresholds cut the eval forward of a 10-h 4-signal night from 3.3 s to 1.2 s on a 2-core
CPU, with about the same peak memory (benchmarks/model.py). Elsewhere than glibc this does nothing.
"""

from __future__ import annotations

import ctypes

__all__ = ["keep_large_buffers"]

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # mallopt parameters (malloc.h)


def keep_large_buffers() -> bool:
    """Raise glibc's mmap threshold to 1 GiB and its trim threshold to 512 MiB; True if both took effect.

    Used for inference (``load_model``). Training does not call it: the retained heap raises a training step's peak
    memory (with activation checkpointing, 3.9 GB -> 5.8 GB on two 10-h nights) more than it matters there.
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library already loaded into this process
    except (OSError, AttributeError):  # no mallopt: not glibc (macOS, Windows, some musl builds)
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, ctypes.c_int(2**30)) and mallopt(M_TRIM_THRESHOLD, ctypes.c_int(2**29)))
