"""WFDB headers read leniently: the base time and date are optional metadata, so a form ``wfdb`` refuses (a two-digit
year as in some MIT-BIH polysomnographic records, ``20/7/89``; year first; month first; an impossible time) is
read where it can be, warned about, and never fails the record.

``wfdb`` parses the whole record line with fixed formats and raises on the first it does not like. Here, when it
refuses a header, the record line is parsed by us; the time and date are put in the form ``wfdb`` reads (or left
out, with a warning, when they cannot be read), and ``wfdb`` reads that copy, made in a temporary folder beside
links to the record's own data files. Anything else wrong with the header (signal lines, counts) stays an error.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from wav2sleep.errors import InputFileError
from wav2sleep.io.text import size_within

__all__ = [
    "WfdbHeader",
    "open_wfdb_record",
    "record_line",
    "parse_base_date",
    "parse_base_time",
    "multi_segment_parts",
    "line_count_error",
    "MAX_HEADER_BYTES",
]

MAX_HEADER_BYTES = 1 << 20  # a WFDB header is text, a few kB; anything larger is not one
TWO_DIGIT_PIVOT = 70  # 70-99 -> 1970-1999 (PhysioNet's oldest records), 00-69 -> 2000-2069


@dataclass
class WfdbHeader:
    record: str  # the name to give wfdb (the file's own, or the repaired copy's)
    header: object  # wfdb.Record with the header fields
    start: datetime | None
    warnings: list[str] = field(default_factory=list)


def parse_base_time(text: str) -> time | None:
    """``HH:MM:SS[.fff]`` (also ``H:M:S``, ``MM:SS``) -> time, or None when it is not a time of day."""
    parts = text.split(":")
    if not 2 <= len(parts) <= 3:
        return None
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        return None
    if len(numbers) == 2:
        numbers.insert(0, 0.0)
    hour, minute, second = numbers
    if not (0 <= hour < 24 and 0 <= minute < 60 and 0 <= second < 60) or hour % 1 or minute % 1:
        return None
    return time(int(hour), int(minute), int(second), int(round((second % 1) * 1e6)) % 1000000)


def parse_base_date(text: str) -> tuple[date | None, str | None]:
    """A header date -> (date, note). WFDB writes ``DD/MM/YYYY``; also read: a two-digit year, year first
    (``YYYY/MM/DD``), ``-`` or ``.`` separators, and month first when the day cannot be a month. The note says how an
    unusual form was read; (None, note) when it cannot be read."""
    parts = re.split(r"[/.\-]", text.strip())
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None, f"base date {text!r} unreadable"
    a, b, c = (int(p) for p in parts)
    candidates = []
    if len(parts[0]) == 4:
        candidates.append((a, b, c, "year first"))
    else:
        year, note = c, None
        if len(parts[2]) <= 2:
            year = c + (1900 if c >= TWO_DIGIT_PIVOT else 2000)
            note = f"two-digit year read as {year}"
        candidates.append((year, b, a, note))
        candidates.append((year, a, b, "read as month/day/year" + (f", {note}" if note else "")))
    for year, month, day, note in candidates:
        try:
            return date(year, month, day), note
        except ValueError:
            continue
    return None, f"base date {text!r} is not a calendar date"


def _is_entry(line: str) -> bool:
    """A header line that is not blank or a comment."""
    return bool(line.strip()) and not line.lstrip().startswith("#")


def record_line(lines: list[str]) -> int:
    """The index of a header's record line (the first that is not blank or a comment), -1 if none."""
    return next((i for i, line in enumerate(lines) if _is_entry(line)), -1)


@contextlib.contextmanager
def open_wfdb_record(hea: str | Path) -> Iterator[WfdbHeader]:
    """The header of the WFDB record ``hea`` (its ``.hea`` file), read leniently; inside the ``with`` block,
    ``WfdbHeader.record`` names a record ``wfdb.rdrecord`` can read (the data files are the original ones)."""
    import wfdb

    hea = Path(hea)
    size_within(hea, MAX_HEADER_BYTES, "WFDB header", "not a WFDB header")
    record = str(hea.with_suffix(""))
    try:
        header = wfdb.rdheader(record)
    except (ValueError, TypeError, IndexError, KeyError, AttributeError) as exc:
        refusal = exc  # wfdb's formats are strict; see whether it is only the date or time
    else:
        warnings: list[str] = []
        yield WfdbHeader(record, header, _start(header.base_date, header.base_time, warnings), warnings)
        return
    try:
        lines = hea.read_bytes().decode("latin-1").splitlines()
    except OSError as exc:
        raise InputFileError(hea, f"cannot read WFDB header ({exc.strerror or exc})") from exc
    index = record_line(lines)
    tokens = lines[index].split() if index >= 0 else []
    too_few = _too_few_lines(hea, lines, index) if tokens else None
    if too_few is not None:
        raise too_few
    if len(tokens) < 5:  # no time or date to blame
        raise InputFileError(hea, f"unreadable WFDB header ({refusal})")
    warnings = []
    base_time = parse_base_time(tokens[4])
    base_date, note = parse_base_date(tokens[5]) if len(tokens) > 5 else (None, None)
    if base_time is None:
        warnings.append(f"base time {tokens[4]!r} unreadable; clock times unknown")
    if note:
        warnings.append(note + ("" if base_date else "; clock times unknown"))
    fixed = tokens[:4]
    if base_time is not None:
        fixed.append(base_time.strftime("%H:%M:%S"))
        if base_date is not None:
            fixed.append(f"{base_date.day:02d}/{base_date.month:02d}/{base_date.year:04d}")
    lines[index] = " ".join(fixed)
    with tempfile.TemporaryDirectory(prefix="wav2sleep-wfdb-") as tmp:
        folder = Path(tmp)
        _link_files(folder, hea.parent, lines[index + 1 :], depth=1)
        (folder / hea.name).write_text("\n".join(lines) + "\n", encoding="latin-1")
        try:
            header = wfdb.rdheader(str(folder / hea.stem))
        except (ValueError, TypeError, IndexError, KeyError, AttributeError) as exc:
            raise InputFileError(hea, f"unreadable WFDB header ({exc})") from exc
        start = _start(base_date, base_time, warnings)
        yield WfdbHeader(str(folder / hea.stem), header, start, warnings)


def _too_few_lines(hea: Path, lines: list[str], index: int) -> InputFileError | None:
    """A header with fewer signal (or segment) lines than its record line declares, said as such: ``wfdb`` fails on
    it with an ``IndexError``."""
    tokens = lines[index].split()
    segments = tokens[0].partition("/")[2]
    declared, what = (segments, "segment") if segments else (tokens[1] if len(tokens) > 1 else "", "signal")
    found = sum(_is_entry(line) for line in lines[index + 1 :])
    if not declared.isdigit() or found >= int(declared):
        return None
    return line_count_error(hea, what, int(declared), found)


def line_count_error(path: Path, what: str, declared: int, found: int) -> InputFileError:
    """A header listing ``found`` signal (``what``) or segment lines where its record line declares ``declared``."""
    return InputFileError(path, f"{what} lines do not match the {what} count", field=f"number of {what}s",
                          expected=f"{declared} {what} lines", found=str(found))  # fmt: skip


def _first_tokens(lines: list[str]) -> list[str]:
    """The first token of each header line that is not blank or a comment: a signal's file or a segment's name."""
    return [line.split()[0] for line in lines if _is_entry(line)]


def _link_files(folder: Path, parent: Path, lines: list[str], depth: int) -> None:
    """Links in ``folder`` to the files the header ``lines`` name in ``parent``: a single record's data files, or a
    multi-segment record's segment headers and (``depth`` 1) their data files."""
    for name in _first_tokens(lines):
        if "/" in name or name == "~":
            continue
        for candidate in (name, name + ".hea"):
            source = parent / candidate
            if source.is_file() and not (folder / candidate).exists():
                (folder / candidate).symlink_to(source.resolve())
                if candidate.endswith(".hea") and depth > 0 and source.stat().st_size <= MAX_HEADER_BYTES:
                    segment = source.read_bytes().decode("latin-1").splitlines()
                    _link_files(folder, parent, segment[record_line(segment) + 1 :], depth - 1)


def _segment_names(hea: str | Path) -> list[str]:
    """The segments a multi-segment record's header ``hea`` lists (``~`` gaps left out); [] for any other file.
    Read as text, without ``wfdb``: folder searches use it to tell segments from records."""
    try:
        with open(hea, "rb") as fh:
            lines = fh.read(MAX_HEADER_BYTES).decode("latin-1").splitlines()
    except OSError:
        return []
    index = record_line(lines)
    tokens = lines[index].split() if index >= 0 else []
    if not tokens or "/" not in tokens[0]:
        return []
    return [name for name in _first_tokens(lines[index + 1 :]) if name != "~"]


def multi_segment_parts(paths: list[Path]) -> set[Path]:
    """The segment headers (``.hea``) among ``paths`` that a multi-segment record's header among them lists: parts
    of that record, not recordings of their own."""
    return {p.parent / f"{name}.hea" for p in paths if p.suffix.lower() == ".hea" for name in _segment_names(p)}


def _start(base_date: date | None, base_time: time | None, warnings: list[str]) -> datetime | None:
    """The recording start: needs both date and time (a time of day alone is kept in the warnings)."""
    if base_date is not None and base_time is not None:
        return datetime.combine(base_date, base_time)
    if base_time is not None and not any("date" in w for w in warnings):
        warnings.append(f"no base date; the recording starts at {base_time.strftime('%H:%M:%S')} on an unknown day")
    return None
