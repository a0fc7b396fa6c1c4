"""Empatica E4 wristband exports (E4 connect's session files), which have no header row:

- a signal file (``BVP.csv`` 64 Hz, the PPG; ``ACC.csv`` 32 Hz x, y, z; ``EDA.csv``, ``TEMP.csv`` 4 Hz; ``HR.csv``):
  line 1 the session start as a Unix time stamp (UTC) in every column, line 2 the sampling rate in every column,
  then one row per sample;
- ``IBI.csv``: line 1 the start time stamp and ``IBI``, then one row per beat: its time in seconds from the start
  and the interval before it, in seconds (rows are missing where the wristband found no clean beat).

Both become the columns a table of samples has (a ``time`` column of Unix time stamps and one column per channel,
named after the file: ``BVP``, ``ACC_x`` ...), so the table reader takes them from there: the session starts at
the time stamp, in UTC (said), ``BVP`` is PPG, and ``IBI.csv`` is a beat list.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from wav2sleep.errors import InputFileError
from wav2sleep.io.tabular import UNIX_SECONDS, numeric_column

__all__ = ["is_empatica_csv", "empatica_columns", "line_offset"]


def _head(path: Path) -> list[list[str]]:
    with open(path, "rb") as fh:
        lines = [fh.readline(4096).decode("latin-1") for _ in range(2)]
    return [[cell.strip() for cell in line.split(",")] for line in lines]


def _numbers(cells: list[str]) -> list[float] | None:
    try:
        return [float(c) for c in cells]
    except ValueError:
        return None


def _layout(head: list[list[str]]) -> str | None:
    """``signal``, ``ibi`` or None (not an E4 file), from the cells of the first two lines."""
    first, second = head
    stamp = _numbers(first[:1])
    if not stamp or not UNIX_SECONDS[0] <= stamp[0] <= UNIX_SECONDS[1]:
        return None
    if len(first) == 2 and first[1].upper() == "IBI":
        return "ibi"
    numbers, rates = _numbers(first), _numbers(second)
    if numbers and rates and len(rates) == len(numbers) and len(set(numbers)) == 1 and len(set(rates)) == 1:
        return "signal" if rates[0] > 0 else None
    return None


def line_offset(path: Path) -> int:
    """Row ``r`` of ``empatica_columns(path)`` is on line ``r + line_offset(path)`` of the file: a signal file's
    samples start on line 3 (after the start and the rate); IBI.csv's beats on line 2, after the row at the session
    start that ``empatica_columns`` puts first."""
    return 1 if _layout(_head(path)) == "ibi" else 3


def is_empatica_csv(path: str | Path) -> bool:
    """Whether ``path`` is an E4 export (its first two lines are read)."""
    path = Path(path)
    if path.suffix.lower() != ".csv":
        return False
    try:
        return _layout(_head(path)) is not None
    except OSError:
        return False


def _channel_names(stem: str, count: int) -> list[str]:
    if count == 1:
        return [stem]
    return [f"{stem}_{axis}" for axis in "xyz"] if count == 3 else [f"{stem}_{k + 1}" for k in range(count)]


def empatica_columns(path: str | Path) -> dict[str, np.ndarray]:
    """The E4 file ``path`` as table columns: ``time`` (Unix seconds) and its channels."""
    import pyarrow.csv as pacsv

    path = Path(path)
    first, second = head = _head(path)
    layout = _layout(head)
    start = float(first[0])
    options = pacsv.ReadOptions(skip_rows=2 if layout == "signal" else 1, autogenerate_column_names=True)
    table = pacsv.read_csv(path, read_options=options)
    values = [table.column(k).to_numpy(zero_copy_only=False) for k in range(table.num_columns)]
    if layout == "ibi":
        if len(values) != 2:
            raise InputFileError(path, "E4 IBI file rows need a time and an interval", field="columns",
                                 expected="2", found=str(len(values)))  # fmt: skip
        # A first row at the session start, without an interval (said as "1 row without an interval"): the beats
        # keep their times from the start, so the session's epochs are the same as its BVP.csv's.
        offsets = numeric_column(path, "time", np.concatenate([[0.0], values[0].astype(object)]))
        return {"time": start + offsets, "IBI": np.concatenate([[None], values[1].astype(object)])}
    rate = float(second[0])
    names = _channel_names(path.stem, len(first))
    if len(values) != len(names):
        raise InputFileError(path, "E4 rows do not have the columns of the first two lines", field="columns",
                             expected=str(len(names)), found=str(len(values)))  # fmt: skip
    n = len(values[0]) if values else 0
    return {"time": start + np.arange(n) / rate, **dict(zip(names, values, strict=True))}
