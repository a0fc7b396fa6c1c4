"""Wisconsin Sleep Cohort scoring files: ``.stg.txt`` (+ ``.log.txt`` start time) and ``.allscore.txt``."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path

import numpy as np

from wav2sleep.errors import InputFileError
from wav2sleep.io.stage_events import StageEvents
from wav2sleep.io.text import text_lines
from wav2sleep.signals import EPOCH_SECONDS
from wav2sleep.stages import RK_TO_AASM, UNSCORED

__all__ = ["read_wsc_stg", "read_wsc_allscore"]

ALLSCORE_STAGES = {"W": 0, "N1": 1, "N2": 2, "N3": 3, "R": 4, "REM": 4, "NO STAGE": UNSCORED, "MVT": UNSCORED}


def _numbered_lines(path: Path, encoding: str = "utf-8") -> list[tuple[int, str]]:
    """The lines that are not blank, with their numbers (from 1)."""
    lines = [(n, line) for n, line in enumerate(text_lines(path, "WSC scoring", encoding), 1) if line.strip()]
    if not lines:
        raise InputFileError(path, "empty file", expected="WSC scoring", found="0 lines")
    return lines


def _lines(path: Path, encoding: str = "utf-8") -> list[str]:
    return [line for _, line in _numbered_lines(path, encoding)]


def _log_start(log: Path, warnings: list[str]) -> time | None:
    """Clock time of the ``Recording Started`` line of a WSC ``.log.txt`` (the last one if several); metadata, so an
    unreadable one is a warning."""
    if not log.is_file():
        return None
    try:
        starts = [line.split()[0] for line in _lines(log) if "recording started" in line.lower()]
        return time.fromisoformat(starts[-1]) if starts else None
    except (InputFileError, ValueError) as exc:
        warnings.append(f"{log.name}: start time unreadable ({exc}); stages assumed to start with the recording")
        return None


def read_wsc_stg(path: str | Path) -> StageEvents:
    """``.stg.txt``: epoch number (from 1) and ``User-Defined Stage`` code per row, tab-separated."""
    path = Path(path)
    codes, epochs = [], []
    for line in _lines(path):
        cols = line.split("\t") if "\t" in line else line.split()
        if not cols[0].strip().isdigit():
            continue  # header row
        try:
            epoch, code = int(cols[0]), int(cols[1])
        except (ValueError, IndexError):
            raise InputFileError(path, "unreadable row", field="User-Defined Stage", found=repr(line)) from None
        if code not in RK_TO_AASM:
            raise InputFileError(path, "unknown stage code", field="User-Defined Stage", found=str(code))
        epochs.append(epoch)
        codes.append(RK_TO_AASM[code])
    if not codes:
        raise InputFileError(path, "no stage rows", field="User-Defined Stage",
                             expected="rows of epoch number and stage code", found="none")  # fmt: skip
    onsets = (np.array(epochs, dtype=float) - 1) * EPOCH_SECONDS
    log = path.with_name(path.name.replace(".stg.txt", ".log.txt"))
    warnings: list[str] = []
    start = _log_start(log, warnings)
    return StageEvents(path, onsets, np.full(len(codes), float(EPOCH_SECONDS)), np.array(codes, dtype=np.int64),
                       start, warnings)  # fmt: skip


def read_wsc_allscore(path: str | Path) -> StageEvents:
    """``.allscore.txt``: clock-timed events; a stage holds until the next stage line (or the end of scoring)."""
    path = Path(path)
    rows: list[tuple[datetime, str]] = []
    day = datetime(2000, 1, 1)
    previous = None
    for number, line in _numbered_lines(path, "latin-1"):
        stamp, _, text = line.partition("\t")
        try:
            clock = time.fromisoformat(stamp.strip())
        except ValueError:
            continue
        text = text.strip().upper()
        if clock.tzinfo is not None:  # the scoring's clock is the recorder's local time, never an offset
            raise InputFileError(path, "clock time with a UTC offset", field=f"line {number}", expected="HH:MM:SS",
                                 found=repr(stamp.strip()))  # fmt: skip
        if text.startswith("STAGE") and "-" not in text:
            raise InputFileError(path, "stage event without its stage", field=f"line {number}",
                                 expected="STAGE - W, N1, N2, N3, R ...", found=repr(text))  # fmt: skip
        moment = datetime.combine(day.date(), clock)
        if previous is not None and moment < previous:  # past midnight
            day += timedelta(days=1)
            moment += timedelta(days=1)
        previous = moment
        rows.append((moment, text))
    starts = [t for t, text in rows if text == "START RECORDING"]
    if len(starts) != 1:
        raise InputFileError(path, "need exactly one START RECORDING line", found=str(len(starts)))
    if any("POWER FAILURE" in text for _, text in rows):
        raise InputFileError(path, "recording interrupted by a power failure", field="events")
    t0 = starts[0]
    stage_rows = [(t, text.split("-", 1)[1].strip()) for t, text in rows if text.startswith("STAGE")]
    unknown = sorted({s for _, s in stage_rows if s not in ALLSCORE_STAGES})
    if unknown:
        raise InputFileError(path, "unknown stage text", field="STAGE", found=", ".join(unknown))
    if not stage_rows:
        raise InputFileError(path, "no sleep stage events", field="STAGE", found="none")
    onsets = np.array([(t - t0).total_seconds() for t, _ in stage_rows])
    end = max(t for t, _ in rows)
    ends = np.r_[onsets[1:], (end - t0).total_seconds()]
    codes = np.array([ALLSCORE_STAGES[s] for _, s in stage_rows], dtype=np.int64)
    return StageEvents(path, onsets, ends - onsets, codes, t0.time())
