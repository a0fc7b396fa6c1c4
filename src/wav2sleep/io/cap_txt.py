"""CAP Sleep Database scorings (PhysioNet ``capslpdb``: ``n1.txt`` beside ``n1.edf``), as its scoring software
exported them: a few lines about the patient, then a tab-separated table whose header starts with ``Sleep Stage``::

    Sleep Stage	Position	Time [hh:mm:ss]	Event	Duration[s]	Location
    W	Supine	22.13.27	SLEEP-S0	30	ROC-LOC
    S2	Supine	23.10.05	MCAP-A1	4	FP2-F4

Rows whose event is ``SLEEP-...`` are stages (R&K: ``S0`` wake, ``S1``-``S4``, ``REM``, ``MT`` movement time,
``UNSCORED``; S3 and S4 are N3); other events (CAP A phases) are skipped. Times are clock times (``22.13.27`` or
``22:13:27``, rolling over at midnight); the first stage's gives the scoring's start clock, which aligns the
stages with the recording. The ``Position`` column is absent in some files.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from pathlib import Path

import numpy as np

from wav2sleep.errors import InputFileError
from wav2sleep.io.stage_events import StageEvents, clock_seconds, held_until_next
from wav2sleep.io.text import text_lines
from wav2sleep.stages import stage_from_text

__all__ = ["read_cap_txt", "is_cap_txt"]

_CLOCK = re.compile(r"^(\d{1,2})[.:](\d{2})[.:](\d{2})$")
_HEADER_LINES = 100  # the patient lines before the table: a dozen in the database


def _header(lines: list[str]) -> tuple[int, dict[str, int]] | None:
    """(line index, column -> index) of the table header: a line starting with ``Sleep Stage`` that has time and
    event columns."""
    for i, line in enumerate(lines[:_HEADER_LINES]):
        names = [c.strip().lower() for c in line.split("\t")]
        if names[0] != "sleep stage":
            continue
        columns = {}
        for k, name in enumerate(names):
            for key in ("time", "event", "duration"):
                if name.startswith(key) and key not in columns:
                    columns[key] = k
        if "time" in columns and "event" in columns:
            return i, columns
    return None


def is_cap_txt(path: str | Path) -> bool:
    """Whether ``path`` is a CAP scoring (its first lines hold the ``Sleep Stage ... Time ... Event`` header)."""
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as fh:
            head = [fh.readline(4096) for _ in range(_HEADER_LINES)]
    except OSError:
        return False
    return _header(head) is not None


def _cell(cells: list[str], column: int | None) -> str:
    return cells[column].strip() if column is not None and column < len(cells) else ""


def _clock(text: str) -> datetime:
    match = _CLOCK.match(text.strip())
    if match is None:
        raise ValueError(text)
    hours, minutes, seconds = (int(g) for g in match.groups())
    return datetime.combine(datetime(2000, 1, 1), time(hours, minutes, seconds))


def read_cap_txt(path: str | Path) -> StageEvents:
    path = Path(path)
    lines = text_lines(path, "a CAP scoring")
    found = _header(lines)
    if found is None:
        raise InputFileError(path, "no scoring table", field="header",
                             expected="a tab-separated line 'Sleep Stage ... Time [hh:mm:ss] ... Event ...' "
                                      f"within the first {_HEADER_LINES} lines", found="none")  # fmt: skip
    start, columns = found
    moments, durations, codes = [], [], []
    for number, line in enumerate(lines[start + 1 :], start + 2):
        cells = line.split("\t")
        event = _cell(cells, columns["event"]).upper()
        if not event.startswith("SLEEP-"):
            continue
        where = f"line {number}"
        code = stage_from_text(event)  # RemLogic's names, as in EDF+ annotations
        if code is None:
            raise InputFileError(path, "unknown sleep stage event", field=where,
                                 expected="SLEEP-S0 to SLEEP-S4, SLEEP-REM, SLEEP-MT", found=event)  # fmt: skip
        codes.append(code)
        clock, duration = _cell(cells, columns["time"]), _cell(cells, columns.get("duration"))
        try:
            moments.append(_clock(clock))
            seconds = float(duration) if duration else float("nan")  # none given: held until the next stage
            if duration and not np.isfinite(seconds):
                raise ValueError(duration)
            durations.append(seconds)
        except ValueError:
            raise InputFileError(path, "unreadable time or duration", field=where,
                                 expected="a clock time hh.mm.ss and seconds",
                                 found=repr(f"{clock}, {duration}"[:60])) from None  # fmt: skip
    if not codes:
        raise InputFileError(path, "no sleep stage events", field="Event", expected="SLEEP-S0 ... rows", found="none")
    onsets = clock_seconds(moments)
    return held_until_next(path, onsets, np.array(durations, float), np.array(codes, np.int64), moments[0].time(), [])
