"""Keep large tensor buffers in the process heap (glibc) during inference forward passes and CPU training fits.

glibc serves every allocation above its mmap threshold (at most 32 MB by default) with a fresh ``mmap`` and unmaps
it on free, so each such buffer is page-faulted in again on its next use. A 10-h night makes most encoder activations
that large (16 channels x 1.2 M samples x 4 bytes = 78 MB), and the page faults cost more than the convolutions:
raising the mmap and trim thresholds cut the eval forward of a 10-h 4-signal night from 3.3 s to 1.2 s on a 2-core
CPU, with about the same peak memory (benchmarks/model.py).

Outside the forward pass the opposite holds: NumPy advises huge pages for its large arrays, which only fresh mmaps
get, so reading and resampling a night from the heap page-faults 4-kB pages instead (0.7 s -> up to 4 s for a 10-h
4-signal night here). Hence a context around the forward, not a process-wide setting. Elsewhere than glibc this does
nothing.

A training step frees and allocates its activations even more often (forward, checkpoint recompute, backward): a
fit on CPU keeps the setting from its start to its end, or its failure (``training.module.LargeBuffersKeptDuringFit``),
with the encoders recomputing one night at a time so that the retained heap stays small (the default step on two
10-h nights: 2.25x faster than with fresh mmaps, peak 3.55-3.89 GB; docs/models.md). Loading a night for training, which reuses
its heap night after night, takes the same 18 ms either way (`NightDataset`, 10-h night, 4 signals).
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["large_buffers_kept"]

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # mallopt parameters (malloc.h)
MMAP_THRESHOLD_AFTER = 32 * 1024 * 1024  # the most glibc's own adaptive threshold reaches on 64-bit systems


def _mallopt():
    try:
        return ctypes.CDLL(None).mallopt  # the C library already loaded into this process
    except (OSError, AttributeError):  # no mallopt: not glibc (macOS, Windows, some musl builds)
        return None


@contextmanager
def large_buffers_kept() -> Iterator[bool]:
    """Within: glibc's mmap threshold at 1 GiB and its trim threshold at 512 MiB (yields True if both took effect).
    After: allocations above 32 MB (night-long arrays) are mmapped again, as glibc's adaptive threshold would have
    them; the trim threshold stays, so the next forward finds its buffers in the heap."""
    mallopt = _mallopt()
    if mallopt is None:
        yield False
        return
    kept = bool(mallopt(M_MMAP_THRESHOLD, ctypes.c_int(2**30)) and mallopt(M_TRIM_THRESHOLD, ctypes.c_int(2**29)))
    try:
        yield kept
    finally:
        mallopt(M_MMAP_THRESHOLD, ctypes.c_int(MMAP_THRESHOLD_AFTER))
