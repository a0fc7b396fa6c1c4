"""A realistic stage process: ~90-min NREM-REM cycles, N3 early in the night, REM late, brief awakenings."""

from __future__ import annotations

import numpy as np

__all__ = ["simulate_stages"]

W, N1, N2, N3, REM = 0, 1, 2, 3, 4


def _minutes(rng: np.random.Generator, mean: float, spread: float, low: float = 0.5) -> int:
    """A duration in epochs drawn from a gamma distribution with the given mean and spread (minutes)."""
    shape = (mean / spread) ** 2
    return max(int(round(2 * max(rng.gamma(shape, mean / shape), low))), 1)


def simulate_stages(n_epochs: int, rng: np.random.Generator, fragmentation: float = 1.0) -> np.ndarray:
    """AASM stage codes (int8) for ``n_epochs`` 30-s epochs.

    Sleep onset after 5-40 min of wake through N1; then cycles of N2 -> N3 -> N2 -> REM whose N3 share shrinks and
    REM share grows across the night; brief awakenings (and N1 after them) at a rate scaled by ``fragmentation``;
    the last minutes are wake. Segment durations are random, so no two nights share an architecture.
    """
    segments: list[tuple[int, int]] = [(W, _minutes(rng, 20, 12, 3)), (N1, _minutes(rng, 5, 3))]
    total = sum(d for _, d in segments)
    cycle = 0
    while total < n_epochs:
        late = min(cycle / 4, 1.0)
        n3 = _minutes(rng, 35 * (1 - late) + 2, 10) if rng.random() > 0.2 * late else 0
        plan = [
            (N2, _minutes(rng, 20, 8)),
            (N3, n3),
            (N2, _minutes(rng, 12, 6)),
            (REM, _minutes(rng, 6 + 16 * late, 6)),
        ]
        for stage, dur in plan:
            if dur == 0:
                continue
            segments.append((stage, dur))
            if stage != N3 and rng.random() < 0.45 * fragmentation:
                segments += [(W, _minutes(rng, 3, 3)), (N1, _minutes(rng, 2.5, 1.5))]
        total = sum(d for _, d in segments)
        cycle += 1
    stages = np.concatenate([np.full(d, s, dtype=np.int8) for s, d in segments])[:n_epochs]
    tail = min(_minutes(rng, 8, 5, 2), n_epochs // 10)
    if tail:
        stages[-tail:] = W
    return stages
