"""Beat-to-beat interval tables (PhysioNet ``.rr`` files, as SLPDB ships them) -> one ``RR`` channel.

Each row: ``start_time start_type RR_seconds end_type end_time`` (times ``h:mm:ss.fff`` from the recording start;
beat types N, S, V, F, Q; the first row starts at ``[0]``). The channel is the interval ending at each normal beat
(both ends N, 0.3-2 s), linearly interpolated onto a uniform grid at the IBI model rate, so that ingestion does not
resample it again. Ectopic beats are thereby bridged; where normal beats are more than 10 s apart (artefacts,
lost signal) the grid holds the night's median interval, with a warning giving the share of the night (before the
first and after the last normal beat too, without one). The start
time and length come from the WFDB header beside the file (``x.hea``) when there is one.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np

from wav2sleep.errors import InputFileError
from wav2sleep.io.recording import Channel, Recording, wanted_channels
from wav2sleep.signals import EPOCH_SECONDS, signal_spec

__all__ = ["channel_labels", "read", "parse_clock", "LABEL"]

LABEL = "RR"
RATE_HZ = signal_spec("IBI").samples_per_epoch / EPOCH_SECONDS
NORMAL_RR_S = (0.3, 2.0)  # 30-200 beats per minute
MAX_GAP_S = 10.0


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


def _beats(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(end time, interval) of every normal-to-normal interval in a plausible range."""
    try:
        lines = path.read_text(encoding="ascii").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(path, f"cannot read beat intervals ({exc})") from exc
    ends, intervals = [], []
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
        if start_type == "N" and end_type == "N" and NORMAL_RR_S[0] <= rr_s <= NORMAL_RR_S[1]:
            ends.append(end_s)
            intervals.append(rr_s)
    if len(ends) < 2:
        raise InputFileError(path, "too few normal beats", expected="at least 2 normal-to-normal intervals",
                             found=str(len(ends)))  # fmt: skip
    return np.asarray(ends), np.asarray(intervals)


def _header(path: Path) -> tuple[datetime | None, float | None]:
    """Start and duration from the WFDB header ``x.hea`` beside ``x.rr``, if present."""
    hea = path.with_suffix(".hea")
    if not hea.is_file():
        return None, None
    import wfdb

    try:
        header = wfdb.rdheader(str(hea.with_suffix("")))
    except Exception as exc:  # wfdb raises several types for malformed headers
        raise InputFileError(hea, f"unreadable WFDB header ({exc})") from exc
    start = datetime.combine(header.base_date, header.base_time) if header.base_date and header.base_time else None
    duration = header.sig_len / header.fs if header.sig_len and header.fs else None
    return start, duration


def read(path: str | Path, labels=None) -> Recording:
    path = Path(path)
    wanted_channels(path, [LABEL], labels)
    ends, intervals = _beats(path)
    start, duration = _header(path)
    duration = duration or float(ends[-1])
    t = np.arange(int(duration * RATE_HZ)) / RATE_HZ
    x = np.interp(t, ends, intervals).astype(np.float32)
    after = np.searchsorted(ends, t)
    inside = (after > 0) & (after < ends.size)
    spans = np.zeros(t.shape)  # distance between the normal beats around each grid point
    spans[inside] = ends[after[inside]] - ends[after[inside] - 1]
    gap = spans > MAX_GAP_S
    # Before the first and after the last normal beat (a second or two at the ends) the median is used silently.
    x[gap | ~inside] = np.float32(np.median(intervals))
    warnings = []
    if gap.any():
        warnings.append(f"{LABEL}: {100 * gap.mean():.1f} % of the night ({gap.sum() / RATE_HZ:.0f} s) without normal "
                        f"beats for over {MAX_GAP_S:.0f} s; filled with the median interval")  # fmt: skip
    return Recording(path, {LABEL: Channel(LABEL, x, RATE_HZ, "s", warnings)}, start, duration)
