"""A plain hypnogram CSV, in one of two shapes:

- **one row per 30-s epoch** from the recording start: a stage column (named ``stage``, ``Sleep Stage``, ... or the
  only column; a header is optional then) holding labels (W, N1, N2, N3, REM, R&K digits, MT, ?) or AASM codes;
- **events**: an ``onset`` column (seconds from the recording start, or clock times ``23:14:30`` / ISO date-times,
  which give the scoring's start clock), a ``duration`` column (optional: a stage then lasts until the next) and a
  stage column (``stage``, or ``description`` as MNE writes annotations); texts such as ``Sleep stage W`` are read as
  in EDF+ annotations and rows that are not stages (apnoeas, lights) are skipped.

Commas separate fields, or semicolons or tabs when the header line has those and no comma. A table of several
columns must name its stage column in a header: a headerless ``1,W`` row is ambiguous (R&K stage 1, or epoch 1?).
"""

from __future__ import annotations

import csv
from datetime import datetime, time
from pathlib import Path

import numpy as np

from wav2sleep.errors import InputFileError
from wav2sleep.io.stage_events import StageEvents, clock_seconds, held_until_next
from wav2sleep.io.text import header_names, table_head, text_lines
from wav2sleep.signals import EPOCH_SECONDS
from wav2sleep.stages import labels_to_codes, stage_from_text

__all__ = ["read_hypnogram_csv", "is_hypnogram_table", "is_stage_list", "names_stages"]

_STAGE_COLUMNS = ("description", "label", "annotation", "hypnogram")  # besides any name containing "stage"


def names_stages(name: str) -> bool:
    """Whether a column name says it holds stages (``stage``, ``Sleep Stage``, ``description`` ...)."""
    name = name.strip().lower()
    return "stage" in name or name in _STAGE_COLUMNS


def _is_header(row: list[str]) -> bool:
    """Whether the first row is a header: one cell that names a stage column (``stage``, ``Sleep Stage``), or, with
    several cells, any cell that is not a stage label (``1,W`` is data; ``epoch,stage`` a header). A single cell
    that is neither is data, so that a bad first stage is an error rather than a silently dropped epoch."""
    if len(row) == 1:
        return names_stages(row[0])
    try:
        labels_to_codes(row)
    except ValueError:
        return True
    return False


def is_hypnogram_table(path: str | Path) -> bool:
    """True for a ``.csv`` whose header names a stage column and no time column: a scoring, not a recording (a table
    of signals with a stage column has a time column). Only the first line is read."""
    from wav2sleep.io.tabular import is_time_column

    if Path(path).suffix.lower() != ".csv":
        return False
    names = header_names(path)
    return any(names_stages(n) for n in names) and not any(is_time_column(n) for n in names)


def is_stage_list(path: str | Path, lines: int = 100) -> bool:
    """Whether ``path`` is a list of stage labels, one per line (ISRUC's ``X_1.txt``): its first ``lines`` non-blank
    lines all are, and there is at least one."""
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as fh:
            head = [line.strip() for line in (fh.readline(256) for _ in range(lines)) if line.strip()]
        labels_to_codes(head)
    except (OSError, ValueError):
        return False
    return bool(head)


def _stage_column(path: Path, header: list[str]) -> int:
    names = [c.strip().lower() for c in header]
    for i, name in enumerate(names):  # a name with "stage" in it first: "description" may sit beside it
        if "stage" in name:
            return i
    for i, name in enumerate(names):
        if names_stages(name):
            return i
    if len(names) == 1:
        return 0
    raise InputFileError(path, "no stage column", field="header",
                         expected="a column named stage (or description)", found=", ".join(header))  # fmt: skip


def read_hypnogram_csv(path: str | Path) -> StageEvents:
    path = Path(path)
    lines = text_lines(path, "a hypnogram")
    head = table_head(path)  # comment lines before the header, as in a table of samples
    rows = list(csv.reader(lines[head.skipped :], delimiter=head.separator))
    numbered = [(head.skipped + i + 1, r) for i, r in enumerate(rows) if r and any(c.strip() for c in r)]
    if not numbered:
        raise InputFileError(path, "empty file", expected="one stage per 30-s epoch", found="no rows")
    first = numbered[0][1]
    if not _is_header(first):
        if len(first) > 1:
            raise InputFileError(path, "several columns and no header naming the stage column",
                                 field=f"line {numbered[0][0]}",
                                 expected="a header such as epoch,stage", found=",".join(first))  # fmt: skip
        return _per_epoch(path, numbered, 0)
    column = _stage_column(path, first)
    names = [c.strip().lower() for c in first]
    if "onset" in names:
        duration = names.index("duration") if "duration" in names else None
        return _events(path, numbered[1:], names.index("onset"), duration, column)
    return _per_epoch(path, numbered[1:], column)


def _cell(path: Path, line: int, row: list[str], column: int) -> str:
    if column >= len(row):
        raise InputFileError(path, "row has too few fields", field=f"line {line}", expected=f"{column + 1} fields",
                             found=str(len(row)))  # fmt: skip
    return row[column]


def _per_epoch(path: Path, rows: list[tuple[int, list[str]]], column: int) -> StageEvents:
    if not rows:
        raise InputFileError(path, "no stage rows", expected="one stage per 30-s epoch after the header",
                             found="a header only")  # fmt: skip
    codes = np.empty(len(rows), dtype=np.int64)
    for k, (line, row) in enumerate(rows):
        try:
            codes[k] = labels_to_codes([_cell(path, line, row, column)])[0]
        except ValueError as exc:
            raise InputFileError(path, str(exc), field=f"stage, line {line}") from None
    onsets = np.arange(codes.size, dtype=float) * EPOCH_SECONDS
    return StageEvents(path, onsets, np.full(codes.size, float(EPOCH_SECONDS)), codes)


def _onset(text: str) -> tuple[str, float | datetime]:
    """An onset and its kind: seconds, a date-time, or a time of day (on an arbitrary date)."""
    text = text.strip()
    try:
        return "seconds", float(text)
    except ValueError:
        pass
    try:
        value, kind = datetime.combine(datetime(2000, 1, 1), time.fromisoformat(text)), "time of day"
    except ValueError:
        value, kind = datetime.fromisoformat(text), "date-time"
    return (f"{kind} with a time zone" if value.tzinfo else kind), value


def _events(path: Path, rows, onset_column: int, duration_column: int | None, column: int) -> StageEvents:
    onsets, durations, codes, kinds = [], [], [], []
    for line, row in rows:
        where = f"line {line}"
        try:
            code = stage_from_text(_cell(path, line, row, column))
        except ValueError as exc:
            raise InputFileError(path, str(exc), field=where) from None
        if code is None:
            continue
        onset_text = _cell(path, line, row, onset_column)
        duration_text = _cell(path, line, row, duration_column).strip() if duration_column is not None else ""
        try:
            kind, onset = _onset(onset_text)
            duration = float(duration_text) if duration_text else float("nan")
            if (kind == "seconds" and not np.isfinite(onset)) or (duration_text and not np.isfinite(duration)):
                raise ValueError("not a finite number")
        except ValueError:
            raise InputFileError(path, "unreadable onset or duration", field=where,
                                 expected="seconds or a clock time; seconds",
                                 found=repr(f"{onset_text},{duration_text}"[:60])) from None  # fmt: skip
        if kinds and kind != kinds[0]:
            raise InputFileError(path, "onsets mix kinds of time", field=where,
                                 expected=f"a {kinds[0]}, like the first stage's onset",
                                 found=f"a {kind}, {onset_text.strip()!r}")  # fmt: skip
        kinds.append(kind)
        onsets.append(onset)
        durations.append(duration)
        codes.append(code)
    start_clock = None
    if kinds and kinds[0] != "seconds":
        start_clock = onsets[0].time()
        onsets = list(clock_seconds(onsets))
    return held_until_next(path, np.array(onsets, float), np.array(durations, float), np.array(codes, np.int64),
                           start_clock, [])  # fmt: skip
