"""Beat-to-beat interval tables (PhysioNet ``.rr`` files, as SLPDB ships them) -> one ``RR`` channel.

Each row: ``start_time start_type RR_seconds end_type end_time`` (times ``h:mm:ss.fff`` from the recording start;
beat types N, S, V, F, Q; the first row starts at ``[0]``). The channel is the interval ending at each normal beat
(both ends N), put on the IBI grid by ``heartbeats.intervals_on_grid`` (so ingestion does not resample it again;
ectopic beats are bridged, long gaps filled and reported). The start time and length come from the WFDB header
beside the file (``x.hea``) when there is one.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np

from wav2sleep.errors import InputFileError
from wav2sleep.heartbeats import NORMAL_RR_S, RATE_HZ, intervals_on_grid
from wav2sleep.io.recording import Channel, Recording, wanted_channels
from wav2sleep.io.text import text_lines
from wav2sleep.io.wfdb_header import open_wfdb_record

__all__ = ["channel_labels", "read", "read_beat_table", "parse_clock", "LABEL"]

LABEL = "RR"


def parse_clock(text: str) -> float:
    """``h:mm:ss.fff``, ``mm:ss.fff`` or ``ss.fff`` -> seconds."""
    seconds = 0.0
    for part in text.split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


def channel_labels(path: str | Path) -> list[str]:
    path = Path(path)
    if not path.is_file():
        raise InputFileError(path, "file not found")
    return [LABEL]


def read_beat_table(path: str | Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every row of a ``.rr`` file: (end time of the interval = time of a beat, s; interval, s; whether both of its
    beats are normal)."""
    path = Path(path)
    lines = text_lines(path, "beat intervals")
    ends, intervals, normal = [], [], []
    for number, line in enumerate(lines, 1):
        tokens = line.split()
        if not tokens:
            continue
        try:
            _, start_type, rr, end_type, end = tokens
            rr_s, end_s = float(rr), parse_clock(end)
        except ValueError:
            raise InputFileError(path, "unreadable beat-interval row", field=f"line {number}",
                                 expected="start_time start_type RR end_type end_time", found=repr(line[:80])) from None  # fmt: skip
        ends.append(end_s)
        intervals.append(rr_s)
        normal.append(start_type == "N" and end_type == "N")
    return np.asarray(ends), np.asarray(intervals), np.asarray(normal, dtype=bool)


def _beats(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(end time, interval) of every normal-to-normal interval in a plausible range."""
    ends, intervals, normal = read_beat_table(path)
    keep = normal & (intervals >= NORMAL_RR_S[0]) & (intervals <= NORMAL_RR_S[1])
    if keep.sum() < 2:
        raise InputFileError(path, "too few normal beats", expected="at least 2 normal-to-normal intervals",
                             found=str(int(keep.sum())))  # fmt: skip
    return ends[keep], intervals[keep]


def _header(path: Path) -> tuple[datetime | None, float | None, list[str]]:
    """Start, duration and header warnings from the WFDB header ``x.hea`` beside ``x.rr``, if present."""
    hea = path.with_suffix(".hea")
    if not hea.is_file():
        return None, None, []
    with open_wfdb_record(hea) as opened:
        header = opened.header
    duration = header.sig_len / header.fs if header.sig_len and header.fs else None
    return opened.start, duration, opened.warnings


def read(path: str | Path, labels=None) -> Recording:
    path = Path(path)
    wanted_channels(path, [LABEL], labels)
    ends, intervals = _beats(path)
    start, duration, header_warnings = _header(path)
    duration = duration or float(ends[-1])
    x, warnings = intervals_on_grid(ends, intervals, duration, LABEL)
    return Recording(path, {LABEL: Channel(LABEL, x, RATE_HZ, "s", warnings)}, start, duration, header_warnings)
