"""Stage annotations as events, and their conversion to one stage per 30-s epoch.

Every annotation reader returns ``StageEvents``; ``epochs_from_events`` is the one place where gaps, overlaps,
durations that are not whole epochs, and annotations longer or shorter than the recording are handled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path

import numpy as np

from wav2sleep.errors import InputFileError
from wav2sleep.signals import EPOCH_SECONDS
from wav2sleep.stages import UNSCORED

__all__ = [
    "StageEvents",
    "epochs_from_events",
    "align_events",
    "held_until_next",
    "clock_seconds",
    "rolled_over_midnight",
    "coded_epochs",
]


@dataclass
class StageEvents:
    """Stage events: onsets and durations (s from the recording start) and AASM codes (-1 unscored)."""

    path: Path
    onsets: np.ndarray
    durations: np.ndarray
    codes: np.ndarray
    start_clock: time | None = None
    warnings: list[str] = field(default_factory=list)


def epochs_from_events(events: StageEvents, n_epochs: int) -> tuple[np.ndarray, list[str]]:
    """One AASM code per epoch: each epoch takes the stage of the event covering its midpoint.

    Epochs no event covers (gaps, scoring that starts late or ends early) are unscored. Epochs two events cover
    are unscored too, with a warning (the scorer contradicted itself there). Events that are not whole 30-s epochs,
    or that run past the recording, are reported.
    """
    where = str(events.path)
    if events.codes.size == 0:
        raise InputFileError(where, "no sleep stage events", field="stages", expected="scored stage events",
                             found="none")  # fmt: skip
    for name, values in (("onset", events.onsets), ("duration", events.durations)):
        bad = np.nonzero(~np.isfinite(np.asarray(values, dtype=float)))[0]
        if bad.size:
            raise InputFileError(where, f"stage event {name} is not a finite number", field=f"{name} (event {bad[0]})",
                                 expected="seconds", found=str(values[bad[0]]))  # fmt: skip
    warnings: list[str] = []
    onsets, ends = events.onsets, events.onsets + events.durations
    if (events.durations <= 0).any():
        warnings.append(f"{int((events.durations <= 0).sum())} stage events with non-positive duration ignored")
    if (np.mod(onsets, EPOCH_SECONDS) != 0).any() or (np.mod(events.durations, EPOCH_SECONDS) != 0).any():
        warnings.append("stage events not aligned to 30-s epochs; each epoch takes the stage at its midpoint")
    # Epoch k (midpoint 30k + 15) lies in [onset, end) for k in [first, last).
    first = np.clip(np.ceil((onsets - EPOCH_SECONDS / 2) / EPOCH_SECONDS), 0, n_epochs).astype(np.int64)
    last = np.clip(np.ceil((ends - EPOCH_SECONDS / 2) / EPOCH_SECONDS), 0, n_epochs).astype(np.int64)
    last = np.maximum(last, first)
    cover = np.zeros(n_epochs + 1, dtype=np.int64)
    code_sum = np.zeros(n_epochs + 1, dtype=np.int64)
    np.add.at(cover, first, 1)
    np.add.at(cover, last, -1)
    np.add.at(code_sum, first, events.codes)
    np.add.at(code_sum, last, -events.codes.astype(np.int64))
    cover, code_sum = np.cumsum(cover)[:n_epochs], np.cumsum(code_sum)[:n_epochs]
    stages = np.where(cover == 1, code_sum, UNSCORED).astype(np.int8)
    overlapped = int((cover > 1).sum())
    if overlapped:
        warnings.append(f"stage events overlap on {overlapped} epochs; those epochs set unscored")
    beyond = float(ends.max() - n_epochs * EPOCH_SECONDS)
    if beyond >= EPOCH_SECONDS:
        warnings.append(f"stage annotation longer than the recording by {beyond:.0f} s; truncated")
    return stages, warnings


def align_events(events: StageEvents, start: datetime | None, warnings: list[str]) -> StageEvents:
    """Shift events whose scoring clock starts later than the recording (WSC logs, NSRR Recording Start Time)."""
    if events.start_clock is None or start is None:
        return events
    delta = (datetime.combine(start.date(), events.start_clock) - start).total_seconds() % 86400
    if delta > 43200:  # scoring clock before the recording start
        delta -= 86400
    if delta:
        warnings.append(f"annotation clock starts {delta:+.0f} s from the recording start; stages shifted accordingly")
        events.onsets = events.onsets + delta
    return events


def coded_epochs(path: Path, lines: list[str], first_line: int, codes: dict[int, int], meaning: str,
                 epoch_s: float) -> StageEvents:  # fmt: skip
    """A database's stage codes, one integer per line (blank lines skipped) from line number ``first_line``, one
    epoch of ``epoch_s`` each from the recording start, mapped through ``codes`` to AASM codes; another value is an
    error naming its line (``meaning`` says what the codes are)."""
    out = []
    for number, line in enumerate(lines, first_line):
        text = line.strip()
        if not text:
            continue
        try:
            out.append(codes[int(text)])
        except (ValueError, KeyError):
            raise InputFileError(path, "unknown stage code", field=f"line {number}", expected=meaning,
                                 found=repr(text[:40])) from None  # fmt: skip
    if not out:
        raise InputFileError(path, "no stage codes", expected=f"one code per {epoch_s:g}-s epoch", found="none")
    return StageEvents(path, np.arange(len(out)) * epoch_s, np.full(len(out), epoch_s), np.array(out, np.int64))


def clock_seconds(moments: list[datetime]) -> np.ndarray:
    """Seconds of each clock time from the first. Times of day alone (on one arbitrary date) roll over at
    midnight: a step back of more than 12 h is the next day."""
    return rolled_over_midnight(np.array([(m - moments[0]).total_seconds() for m in moments], dtype=float))


def rolled_over_midnight(seconds: np.ndarray) -> np.ndarray:
    """Seconds from the first of times of day read on one arbitrary date: a step back of more than 12 h is the next
    day."""
    return seconds + 86400.0 * np.cumsum(np.r_[0, np.diff(seconds) < -43200])


def held_until_next(path: Path, onsets, durations, codes, start_clock, warnings) -> StageEvents:
    """Events in time order; a stage without a duration (or with 0) lasts until the next stage, the last one epoch."""
    order = np.argsort(onsets, kind="stable")
    onsets, durations, codes = onsets[order], durations[order], codes[order]
    open_ended = np.isnan(durations) | (durations == 0)
    if open_ended.any():
        following = np.r_[onsets[1:], onsets[-1] + EPOCH_SECONDS] - onsets
        durations = np.where(open_ended, np.where(following > 0, following, EPOCH_SECONDS), durations)
    return StageEvents(path, onsets, durations, codes, start_clock, warnings)
