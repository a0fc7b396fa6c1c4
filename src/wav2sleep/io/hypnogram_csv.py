"""A plain hypnogram CSV: one row per 30-s epoch from the recording start, a ``stage`` column (or the only column)
holding labels (W, N1, N2, N3, REM, R&K digits, MT, ?) or AASM codes."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from wav2sleep.errors import InputFileError
from wav2sleep.io.stage_events import StageEvents
from wav2sleep.io.text import text_lines
from wav2sleep.signals import EPOCH_SECONDS
from wav2sleep.stages import labels_to_codes

__all__ = ["read_hypnogram_csv"]


def read_hypnogram_csv(path: str | Path) -> StageEvents:
    path = Path(path)
    rows = list(csv.reader(text_lines(path, "a hypnogram")))
    rows = [r for r in rows if r and any(c.strip() for c in r)]
    if not rows:
        raise InputFileError(path, "empty file", expected="one stage per 30-s epoch", found="no rows")
    header = [c.strip().lower() for c in rows[0]]
    column = header.index("stage") if "stage" in header else 0
    body = rows[1:] if "stage" in header else rows
    try:
        codes = labels_to_codes([r[column] for r in body])
    except (ValueError, IndexError) as exc:
        raise InputFileError(path, str(exc), field="stage") from exc
    onsets = np.arange(len(codes), dtype=float) * EPOCH_SECONDS
    return StageEvents(path, onsets, np.full(len(codes), float(EPOCH_SECONDS)), codes.astype(np.int64))
