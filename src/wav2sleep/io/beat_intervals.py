"""Beat-to-beat interval tables (PhysioNet ``.rr`` files, as SLPDB ships them) -> one ``RR`` channel.

Each row: ``start_time start_type RR_seconds end_type end_time`` (times ``h:mm:ss.fff`` from the recording start;
beat types N, S, V, F, Q; the first row starts at ``[0]``). The channel is the interval ending at each normal beat
(both ends N), put on the IBI grid by ``heartbeats.intervals_on_grid`` (so ingestion does not resample it again;
ectopic beats are bridged, long gaps filled and reported). The start time and length come from the WFDB header
beside the file (``x.hea``) when there is one; that header is metadata: one that cannot be read, or whose length
disagrees with the beats, is reported and the beats decide. The beats are data: times must be finite, in order and
within ``MAX_DURATION_S`` of the start, or the file is refused (naming the line) before the night is allocated.
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

import numpy as np

from wav2sleep.errors import InputFileError
from wav2sleep.heartbeats import RATE_HZ, in_normal_range, intervals_on_grid
from wav2sleep.io.recording import MAX_DURATION_S, Channel, Recording, wanted_channels
from wav2sleep.io.text import text_lines
from wav2sleep.io.wfdb_header import open_wfdb_record
from wav2sleep.signals import EPOCH_SECONDS

__all__ = ["channel_labels", "read", "read_beat_table", "parse_clock", "LABEL"]

LABEL = "RR"


def parse_clock(text: str) -> float:
    """``h:mm:ss.fff``, ``mm:ss.fff`` or ``ss.fff`` -> seconds (ValueError unless every part is a finite number
    >= 0)."""
    seconds = 0.0
    for part in text.split(":"):
        value = float(part)
        if not math.isfinite(value) or math.copysign(1.0, value) < 0:  # -0 too: "-0:01" is not a time
            raise ValueError(f"not a clock time: {text!r}")
        seconds = seconds * 60 + value
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
    ends, intervals, normal, numbers = [], [], [], []
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
        numbers.append(number)
    times = np.asarray(ends)
    backwards = np.flatnonzero(np.diff(times) < 0)
    if backwards.size:
        i = backwards[0] + 1
        raise InputFileError(path, "beat times out of order", field=f"line {numbers[i]}", expected="increasing times",
                             found=f"{times[i]:g} s after {times[i - 1]:g} s")  # fmt: skip
    if times.size and times[-1] > MAX_DURATION_S:
        raise InputFileError(path, "beat time beyond any recording", field=f"line {numbers[-1]}",
                             expected=f"at most {MAX_DURATION_S / 86400:g} days from the start",
                             found=f"{times[-1]:g} s")  # fmt: skip
    return times, np.asarray(intervals), np.asarray(normal, dtype=bool)


def _beats(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(end time, interval) of every normal-to-normal interval in a plausible range."""
    ends, intervals, normal = read_beat_table(path)
    keep = normal & in_normal_range(intervals)
    if keep.sum() < 2:
        raise InputFileError(path, "too few normal beats", expected="at least 2 normal-to-normal intervals",
                             found=str(int(keep.sum())))  # fmt: skip
    return ends[keep], intervals[keep]


def _header(path: Path, last_beat_s: float) -> tuple[datetime | None, float, list[str]]:
    """Start, duration and warnings from the WFDB header ``x.hea`` beside ``x.rr`` if there is one; the duration is
    the header's when it covers the beats (to within an epoch) and is possible, else the last beat's."""
    hea = path.with_suffix(".hea")
    if not hea.is_file():
        return None, last_beat_s, []
    try:
        with open_wfdb_record(hea) as opened:
            header = opened.header
    except InputFileError as exc:
        return None, last_beat_s, [f"{exc}; start unknown, length from the last beat"]
    warnings = list(opened.warnings)
    duration = header.sig_len / header.fs if header.sig_len and header.fs else None
    if duration is None:
        return opened.start, last_beat_s, warnings
    if not (last_beat_s - EPOCH_SECONDS <= duration <= MAX_DURATION_S):
        warnings.append(f"{hea.name}: length {duration:g} s disagrees with the beats (last at {last_beat_s:g} s); "
                        "length from the last beat")  # fmt: skip
        return opened.start, last_beat_s, warnings
    return opened.start, duration, warnings


def read(path: str | Path, labels=None) -> Recording:
    path = Path(path)
    wanted_channels(path, [LABEL], labels)
    ends, intervals = _beats(path)
    start, duration, header_warnings = _header(path, float(ends[-1]))
    x, warnings = intervals_on_grid(ends, intervals, duration, LABEL)
    return Recording(path, {LABEL: Channel(LABEL, x, RATE_HZ, "s", warnings)}, start, duration, header_warnings)
