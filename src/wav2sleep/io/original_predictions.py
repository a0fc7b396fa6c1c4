"""The predictions CSV of the original wav2sleep (its ``predict.py`` writes ``X.preds.csv``), read as a scoring to
compare with.

Columns: ``Timestamp``, the right edge of each 30-s epoch (30, 60, ... s from the recording start, or clock times:
the recording's first sample time + 30 k s); ``Pred``, the class the model predicted; and, for a night that had
labels, ``Stage`` (the labels the original read; not used here: compare with the scorer's own file for those).

The file does not say how many classes its model had. Classes 0-3 are read as the 4 classes of the original's
cardio models (Wake, Light, Deep, REM), and as the 5 AASM stages when any row holds class 4 (its EOG model); a
5-class night without a single REM prediction would be misread, which the reader cannot tell. The original writes a
row for every epoch of its 10-h window, padding included: rows past the recording are reported when the scoring is
aligned with it.
"""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from wav2sleep.errors import InputFileError
from wav2sleep.io.stage_events import StageEvents, clock_seconds
from wav2sleep.io.text import header_names, text_lines
from wav2sleep.signals import EPOCH_SECONDS
from wav2sleep.stages import LIGHT

__all__ = ["read_original_predictions", "is_original_predictions"]

_COLUMNS = ("Timestamp", "Pred")
# Class index -> stage code: the original's 4-class map (Wake, Light, Deep, REM) and the 5 AASM stages.
_FOUR_CLASSES = np.array([0, LIGHT, 3, 4])
_FIVE_CLASSES = np.arange(5)


def is_original_predictions(path: str | Path) -> bool:
    """A ``.csv`` whose header is the original's predictions' (``Timestamp,Pred``, perhaps ``,Stage``). Only the
    first line is read."""
    if Path(path).suffix.lower() != ".csv":
        return False
    names = [n.strip() for n in header_names(path)]
    return names[:2] == list(_COLUMNS) and set(names[2:]) <= {"Stage"}


def _edge(path: Path, line: int, text: str) -> float | datetime:
    """A right edge: seconds, or a clock time."""
    try:
        value = float(text)
    except ValueError:
        try:
            return datetime.fromisoformat(text.strip())
        except ValueError:
            raise InputFileError(path, "unreadable Timestamp", field=f"line {line}",
                                 expected="seconds or a date and time", found=repr(text[:40])) from None  # fmt: skip
    if not np.isfinite(value):
        raise InputFileError(path, "Timestamp is not a finite number", field=f"line {line}", found=text)
    return value


def _kind(edge: float | datetime) -> str:
    if not isinstance(edge, datetime):
        return "seconds"
    return "clock times with a UTC offset" if edge.tzinfo else "clock times"


def read_original_predictions(path: str | Path) -> StageEvents:
    path = Path(path)
    lines = text_lines(path, "the original's predictions")
    rows = [(n, row) for n, row in enumerate(csv.reader(lines), 1) if row and any(c.strip() for c in row)]
    if not rows or [c.strip() for c in rows[0][1][:2]] != list(_COLUMNS):
        raise InputFileError(path, "not the original's predictions", field="header", expected="Timestamp,Pred",
                             found=",".join(rows[0][1])[:60] if rows else "an empty file")  # fmt: skip
    edges: list[float | datetime] = []
    classes = np.empty(len(rows) - 1, dtype=np.int64)
    for k, (line, row) in enumerate(rows[1:]):
        if len(row) < 2:
            raise InputFileError(path, "row has too few fields", field=f"line {line}", expected="Timestamp,Pred",
                                 found=",".join(row)[:60])  # fmt: skip
        edge = _edge(path, line, row[0])
        if edges and _kind(edge) != _kind(edges[0]):
            raise InputFileError(path, f"Timestamps mix kinds of time: {_kind(edges[0])} before, {_kind(edge)} here",
                                 field=f"line {line}", found=row[0][:40])  # fmt: skip
        if edges and not edge > edges[-1]:  # one row per epoch, in time order
            raise InputFileError(path, "Timestamp not after the previous row's", field=f"line {line}",
                                 found=row[0][:40])  # fmt: skip
        edges.append(edge)
        pred = row[1].strip()
        if pred not in ("0", "1", "2", "3", "4"):
            raise InputFileError(path, "Pred is not a class index", field=f"line {line}", expected="0 to 4",
                                 found=repr(pred[:20]))  # fmt: skip
        classes[k] = int(pred)
    if not edges:
        raise InputFileError(path, "no predictions", expected="a row per 30-s epoch after the header",
                             found="a header only")  # fmt: skip
    codes = (_FIVE_CLASSES if (classes == 4).any() else _FOUR_CLASSES)[classes]
    start_clock = None
    if isinstance(edges[0], datetime):
        start_clock = (edges[0] - timedelta(seconds=EPOCH_SECONDS)).time()
        onsets = clock_seconds(edges)  # from the first epoch's start, which is the recording start
    else:
        onsets = np.array(edges, dtype=float) - EPOCH_SECONDS
    return StageEvents(path, onsets, np.full(codes.size, float(EPOCH_SECONDS)), codes, start_clock)
