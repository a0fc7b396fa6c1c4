"""Write EDF files with edfio, int16 digital range, physical ranges set from the data."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import numpy as np

from wav2sleep.store.atomic import atomic_path

__all__ = ["write_edf", "EdfChannel"]

EdfChannel = tuple[str, np.ndarray, float, str]  # label, samples (physical units), rate Hz, unit
DIGITAL = (-32768, 32767)


def _physical_range(x: np.ndarray) -> tuple[float, float]:
    lo, hi = float(np.min(x)), float(np.max(x))
    margin = 0.05 * (hi - lo) or 1.0  # a flat channel still needs pmin < pmax
    return round(lo - margin, 3), round(hi + margin, 3)


def write_edf(path: str | Path, channels: Sequence[EdfChannel], start: datetime,
              annotations: Sequence[tuple[float, str]] = ()) -> Path:  # fmt: skip
    """Write ``channels`` as a plain EDF with 1-s data records starting at ``start`` (atomically); with
    ``annotations`` ((onset s, text) pairs) an EDF+C with an annotation signal.

    Every rate must be a whole number of samples per second and every channel must cover the same duration.
    """
    import edfio

    signals = []
    for label, data, rate, unit in channels:
        pmin, pmax = _physical_range(data)
        # Quantise ourselves: edfio's float path is exact too, but digital input skips a second full-size copy.
        digital = np.round((data - pmin) / (pmax - pmin) * (DIGITAL[1] - DIGITAL[0]) + DIGITAL[0])
        signals.append(
            edfio.EdfSignal.from_digital(
                np.clip(digital, *DIGITAL).astype(np.int16),
                rate,
                label=label,
                physical_dimension=unit,
                physical_range=(pmin, pmax),
                digital_range=DIGITAL,
            )
        )
    notes = [edfio.EdfAnnotation(onset, None, text) for onset, text in annotations]
    edf = edfio.Edf(signals, starttime=start.time(), recording=edfio.Recording(startdate=start.date()),
                    annotations=notes or None)  # fmt: skip
    with atomic_path(path) as tmp:
        edf.write(tmp)
    return Path(path)
