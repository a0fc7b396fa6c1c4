"""Recordings as tables or arrays: CSV, parquet, NumPy ``.npz``/``.npy``.

- CSV / parquet: one column per channel plus a time column (``time``, ``seconds``, ``timestamp``, ``elapsed``, or a
  name ending in ``timestamp`` such as Polar's ``Phone timestamp``; a unit in its name, ``Time (ms)`` or ``time_ms``,
  scales it; or the unnamed index a pandas table is written with, unless it only counts rows; or, whatever its
  name, the first column (a pandas index in parquet) when it holds clock times, as the original wav2sleep reads a
  CSV's first column): seconds from the
  start, or clock times, ISO or Unix time stamps in s, ms, µs or ns (then the first one is the recording start; Unix
  time stamps give it in UTC), or as devices and spreadsheets write them (``_spreadsheet_clock``). The sampling
  rate is taken from the time column (it must be finite and regular between gaps; a step over 1.5 usual ones is a
  gap, kept as missing samples like an EDF+D gap, at most 24 h and 10x the recorded time in all); a table without
  one is refused, since its rate would be unknown.
  CSV fields are separated by commas, or by semicolons or tabs when the header line has those and no comma; with
  semicolons or tabs a decimal comma (``0,85``, as spreadsheets write in much of Europe) is read as a decimal point.
  A unit in brackets at the end of a column name (``IBI (ms)``, ``ECG [mV]``) is the channel's unit, and the name
  without it its label.
- A **beat list** (what heart-rate straps and HRV tools export): one row per beat, a single beat-interval column
  (``IBI``, ``RR``, ``NN``, ``RR-interval``; s, ms or bpm, stated in its name or inferred from the values; Polar's
  ``Phone timestamp;RR-interval [ms]``) and either no time
  column (beat times are the running sum of the intervals) or the time of each beat (irregular, as beats are).
  It is put on the IBI grid like a ``.rr`` file (intervals outside 0.3-2 s dropped, long gaps filled and reported).
- An Empatica E4 export (``BVP.csv``, ``IBI.csv`` ...: no header row; ``wav2sleep.io.empatica``) reads as the table
  it stands for: a time column of Unix time stamps and its channels, ``IBI.csv`` as a beat list.
- A night as the original wav2sleep's preprocessing stores it (parquet, signals on a union of grids, its ``Stage``):
  ``wav2sleep.io.original_parquet``.
- ``.npz``: one array per channel and the rate as ``fs`` (shared) or ``fs_<channel>`` (per channel).
- ``.npy``: a single channel; its rate must come from a sidecar ``<name>.json`` ``{"fs": ..., "label": ...}``.
Non-finite values are kept (QC flags and zeroes them later).
"""

from __future__ import annotations

import csv
import json
import re
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from wav2sleep.dsp import TIME_UNITS, scale_units
from wav2sleep.errors import InputFileError, in_one_line
from wav2sleep.heartbeats import NORMAL_RR_S, RATE_HZ, in_normal_range, intervals_on_grid
from wav2sleep.io import original_parquet
from wav2sleep.io.original_parquet import is_original_parquet
from wav2sleep.io.parquet import read_table
from wav2sleep.io.recording import MAX_DURATION_S, Channel, Recording, check_gaps, wanted_channels
from wav2sleep.io.stage_events import rolled_over_midnight
from wav2sleep.io.text import header_names, table_head
from wav2sleep.signals import is_alias

__all__ = [
    "channel_labels",
    "read",
    "is_time_column",
    "is_sample_table",
    "numeric_column",
    "row_place",
    "table_columns",
    "time_axis",
    "TimeAxis",
]

TIME_COLUMNS = ("time", "seconds", "timestamp", "t", "elapsed", "elapsed time")
# Seconds per unit of a time column whose name gives one (``Time (ms)``); any other unit is read as seconds.
TIME_COLUMN_UNITS = {**TIME_UNITS, "min": 60.0, "minutes": 60.0, "h": 3600.0, "hours": 3600.0}
UNIX_SECONDS = (1e9, 4.1e9)  # Unix time stamps of 2001-09-09 to 2099-12-03, in seconds
UNIX_UNITS = {1.0: "s", 1e-3: "ms", 1e-6: "µs", 1e-9: "ns"}
GAP_STEPS = 1.5  # a step over 1.5 usual ones is a gap (dropped samples), not jitter
PANDAS_INDEX_NAMES = ("", "Unnamed: 0", "__index_level_0__")
_UTC_OFFSET = re.compile(r"(Z|[+-]\d\d:?\d\d)\s*$")
# Clock times as devices and spreadsheets write them: a date (year first, or last) or none, then a time of day.
_CLOCK = re.compile(
    r"(?:(\d{4})([/.])\d{1,2}\2\d{1,2}|\d{1,2}([/.])\d{1,2}\3\d{4})?([ T]?)(\d{1,2}:\d{2})(:\d{2})?(\.\d+)?"
)
_ISO_CLOCK = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}.*")


def _read_csv(path: Path):
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    head = table_head(path)  # comment lines before the header (a device's preamble) are skipped
    delimiter = head.separator
    names = head.names if head.named_in_comment else None
    table = pacsv.read_csv(path, read_options=pacsv.ReadOptions(skip_rows=head.skipped, column_names=names),
                           parse_options=pacsv.ParseOptions(delimiter=delimiter))  # fmt: skip
    if delimiter == ",":
        return table
    # Text columns whose every value reads as a number once a decimal comma becomes a point: numbers.
    for i, column in enumerate(table.columns):
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            try:
                column = pc.cast(pc.replace_substring(column, ",", "."), pa.float64())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                continue
            table = table.set_column(i, table.field(i).name, column)
    return table


def table_columns(path: Path) -> dict[str, np.ndarray]:
    """The columns of a CSV or parquet table (an Empatica E4 export as the table it stands for), as NumPy arrays."""
    from wav2sleep.io.empatica import empatica_columns, is_empatica_csv

    try:
        if is_empatica_csv(path):
            return empatica_columns(path)
        table = read_table(path) if path.suffix.lower() == ".parquet" else _read_csv(path)
    except InputFileError:
        raise
    except Exception as exc:  # pyarrow raises several types for malformed files
        # One line: pyarrow quotes the offending rows, line breaks and all.
        raise InputFileError(path, f"unreadable table ({' '.join(str(exc)[:300].split())})") from exc
    index = _pandas_index_names(table)
    names = [n for n in index if n in table.column_names] + [n for n in table.column_names if n not in index]
    return _pandas_index_as_time({name: _numpy(table.column(name)) for name in names})


def _pandas_index_names(table) -> list[str]:
    """The columns a pandas index was stored in (pandas writes a named index last in parquet; its metadata says which:
    put first, as in a CSV pandas writes). Metadata: unreadable is none."""
    try:
        index = (table.schema.pandas_metadata or {}).get("index_columns", [])
    except (ValueError, AttributeError):  # not JSON, or not a mapping
        return []
    return [name for name in index if isinstance(name, str)] if isinstance(index, list) else []


def _numpy(column) -> np.ndarray:
    """A table column as NumPy; times of day (which pyarrow infers for ``23:59:59`` in a CSV) as their text, read
    like other clock times by ``_spreadsheet_clock``."""
    import pyarrow as pa

    if pa.types.is_time(column.type):
        column = column.cast(pa.string())
    return column.to_numpy(zero_copy_only=False)


def _pandas_index_as_time(columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """A table pandas wrote with an unnamed index (``df.to_csv()``'s first column without a name, ``Unnamed: 0`` once
    read and written again, parquet's ``__index_level_0__``): row numbers (0, 1, 2 ... as integers) are dropped, any
    other index (time stamps, seconds) is the time column unless the table names one."""
    times = None
    for name in [c for c in columns if c.strip() in PANDAS_INDEX_NAMES]:  # two after a round trip through pandas
        index = columns.pop(name)
        if not (np.issubdtype(index.dtype, np.integer) and np.array_equal(index, np.arange(index.size))):
            times = index if times is None else times
    return columns if times is None or _time_column(columns) is not None else {"time": times, **columns}


def is_sample_table(path: str | Path) -> bool:
    """Whether a ``.txt`` file is a table of samples or beats (its header line has a time column and another one),
    as Polar Sensor Logger writes them (``Phone timestamp;sensor timestamp [ns];timestamp [ms];ecg [uV]``), rather
    than a scoring. Only the first line is read."""
    names = header_names(path)
    return len(names) >= 2 and any(is_time_column(n) for n in names)


def row_place(path: Path, row: int) -> str:
    """Where data row ``row`` (from 0) is: its line in a text table (the header is line 1, or follows the comment
    lines before it; an E4 export's two head lines), else its row number."""
    from wav2sleep.io.empatica import is_empatica_csv, line_offset

    if path.suffix.lower() not in (".csv", ".txt"):
        return f"row {row + 1}"
    if is_empatica_csv(path):
        return f"line {row + line_offset(path)}"
    head = table_head(path)
    return f"line {row + head.skipped + (1 if head.named_in_comment else 2)}"


def numeric_column(path: Path, name: str, values: np.ndarray) -> np.ndarray:
    """A numeric column as it is, a text column as float64 (empty cells NaN); text that is not a number is an error
    naming the column and where its first bad value is."""
    if np.issubdtype(values.dtype, np.number):
        return values
    out = np.empty(len(values))
    for row, value in enumerate(values):
        try:
            out[row] = np.nan if value is None else float(value)
        except (TypeError, ValueError):
            raise InputFileError(path, "column is not numeric", field=f"{name}, {row_place(path, row)}",
                                 expected="numbers", found=repr(str(value)[:40])) from None  # fmt: skip
    return out


def _samples(path: Path, name: str, values) -> np.ndarray:
    """A channel's values as float32; one beyond float32 becomes inf, which QC flags like any non-finite value."""
    with np.errstate(over="ignore"):
        return numeric_column(path, name, np.asarray(values)).astype(np.float32, copy=False)


def _time_name_and_unit(name: str) -> tuple[str, str]:
    """A column name's base and time unit: ``Time (ms)`` or ``time_ms`` -> (``time``, ``ms``); others as
    ``_split_unit`` gives them."""
    base, unit = _split_unit(name)
    base, unit = base.strip().lower(), unit.strip().lower()
    suffixed = re.fullmatch(r"(.+?)[ _]([a-zµ]+)", base)
    if not unit and suffixed and suffixed.group(1) in TIME_COLUMNS and suffixed.group(2) in TIME_COLUMN_UNITS:
        return suffixed.group(1), suffixed.group(2)
    return base, unit


def _is_named_time(name: str) -> bool:
    return _time_name_and_unit(name)[0] in TIME_COLUMNS


def is_time_column(name: str) -> bool:
    """Whether a column is named as a time column (``time``, ``Time (ms)``, ``Elapsed time [s]`` ..., or a name
    ending in ``timestamp``: ``Phone timestamp``, as Polar's apps write it)."""
    return _is_named_time(name) or _split_unit(name)[0].strip().lower().endswith(" timestamp")


def _holds_clock_times(values: np.ndarray) -> bool:
    """Whether a column holds clock times (a timestamp type, or text shaped as ISO or spreadsheet date-times), judged
    by its first value."""
    if np.issubdtype(values.dtype, np.datetime64):
        return True
    first = values[0] if values.dtype == object and values.size else None
    return isinstance(first, str) and bool(_ISO_CLOCK.fullmatch(first.strip()) or _CLOCK.fullmatch(first.strip()))


def _time_column(columns: dict[str, np.ndarray]) -> str | None:
    """The time column, if any: the first named as one exactly (``timestamp [ms]``), else the first named
    ``... timestamp``, else the first column whatever its name when it holds clock times (the original wav2sleep
    reads a CSV's first column as its time index: ``Date``, ``datetime`` ...)."""
    named = next((c for c in columns if _is_named_time(c)), None) or next(filter(is_time_column, columns), None)
    first = next(iter(columns), None)
    return named or (first if first is not None and _holds_clock_times(columns[first]) else None)


def _local_start(path: Path, name: str, start: datetime) -> tuple[datetime, str] | None:
    """The local wall-clock start and its zone when the time column's clock times carry one (a CSV's ``+01:00``, a
    parquet column's time zone), which the readers turn into UTC; else None. Metadata: anything odd gives None."""
    try:
        if path.suffix.lower() == ".parquet":
            from zoneinfo import ZoneInfo

            import pyarrow.parquet as pq

            zone = getattr(pq.read_schema(path).field(name).type, "tz", None)
            if not zone:
                return None
            return start.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(zone)).replace(tzinfo=None), zone
        head = table_head(path)
        first_row = head.skipped + (0 if head.named_in_comment else 1)  # the line of the first data row, from 0
        with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
            lines = [fh.readline(65536) for _ in range(first_row + 1)]
        header, first = head.names, next(csv.reader([lines[first_row]], delimiter=head.separator))
        text = first[header.index(name)].strip()
        offset = _UTC_OFFSET.search(text)
        return (datetime.fromisoformat(text).replace(tzinfo=None), offset.group(0)) if offset else None
    except (OSError, ValueError, KeyError, IndexError):  # metadata: unreadable here, the start stays as read (UTC)
        return None


def _unix_scale(first: float, unit_given: bool) -> float | None:
    """Seconds per unit of a time column that holds Unix time stamps (wearables, phone apps), else None: a first
    value that is a date in 2001-2099 in seconds, or, without a unit in the name, in ms, µs or ns. No time since a
    recording's start is that large (1e9 s is 31 years)."""
    for scale in (1.0,) if unit_given else (1.0, 1e-3, 1e-6, 1e-9):
        if UNIX_SECONDS[0] <= first * scale <= UNIX_SECONDS[1]:
            return scale
    return None


def _date_order(values: np.ndarray) -> str | None:
    """``d`` or ``m``: which field comes first in dates such as ``03/04/2021``, from the column (a field over 12, or
    the one that changes over midnight, is the day); None when the column cannot tell."""
    import pandas as pd

    fields = pd.Series(values).str.extract(r"^\s*(\d{1,2})/(\d{1,2})/").astype(float).to_numpy()
    first, second = fields[:, 0], fields[:, 1]
    if np.nanmax(first) > 12 or (first[0] != first[-1] and second[0] == second[-1]):
        return "d"
    if np.nanmax(second) > 12 or (second[0] != second[-1] and first[0] == first[-1]):
        return "m"
    return None


def _spreadsheet_clock(path: Path, name: str, values: np.ndarray) -> tuple[np.ndarray, datetime | None, str | None]:
    """A time column of clock times as devices and spreadsheets write them, not ISO: a time of day alone
    (``23:50:00.125``, rolling over at midnight; the day unknown), or a date ``2021/03/04``, ``04.03.2021``, or
    ``03/04/2021`` (day or month first, as the column shows) and a time. Seconds from the first, the start when the
    date is known, and a note where the column had to be interpreted."""
    import pandas as pd

    first = values[0].strip()
    shape = _CLOCK.fullmatch(first)
    if shape is None:
        raise InputFileError(path, "unreadable clock time", field=f"{name}, {row_place(path, 0)}",
                             expected="ISO date-times, or a time of day, or a date as 2021/03/04, 04.03.2021 or "
                             "03/04/2021 and a time", found=repr(first[:40]))  # fmt: skip
    year_first, year_sep, other_sep, gap, _, seconds, fraction = shape.groups()
    time_format = "%H:%M" + (":%S" if seconds else "") + (".%f" if fraction else "")
    order = "d"
    if year_first:
        date_format = f"%Y{year_sep}%m{year_sep}%d"
    elif other_sep == ".":  # dotted dates are day first
        date_format = "%d.%m.%Y"
    elif other_sep == "/":
        order = _date_order(values)
        date_format = "%m/%d/%Y" if order == "m" else "%d/%m/%Y"
    else:
        date_format = ""
    text = pd.Series(values).str.strip()
    clock = pd.to_datetime(text, format=date_format + gap + time_format, errors="coerce").to_numpy()
    unread = np.flatnonzero(np.isnat(clock))
    if unread.size:
        raise InputFileError(path, "unreadable clock time", field=f"{name}, {row_place(path, int(unread[0]))}",
                             expected=f"times like {first!r}", found=repr(str(values[unread[0]])[:40]))  # fmt: skip
    t = (clock - clock[0]).astype("timedelta64[ns]").astype(np.float64) / 1e9
    when = pd.Timestamp(clock[0]).to_pydatetime()
    if date_format and order is not None:
        inferred = f"dates read as {date_format.replace('%', '')} (as the column shows)"
        return t, when, inferred if other_sep == "/" else None
    t = rolled_over_midnight(t)  # a time of day alone
    unknown = "dates that do not say whether the day or the month comes first" if date_format else "no date"
    return t, None, f"time column {name!r} has {unknown}: the recording starts at {when:%H:%M:%S} on an unknown day"


def _seconds(path: Path, name: str, t: np.ndarray) -> tuple[np.ndarray, datetime | None, list[str]]:
    """A time column as seconds (float64, all finite; from the first value when it gives clock times), the start
    for clock times (ISO, or Unix time stamps: then in UTC), and notes."""
    start, notes = None, []
    if np.issubdtype(t.dtype, np.datetime64) or (t.dtype == object and t.size and isinstance(t[0], str)
                                                 and "-" in t[0][1:]):  # fmt: skip
        try:
            with warnings.catch_warnings():  # times with a UTC offset: NumPy takes them to UTC, and warns that it does
                warnings.simplefilter("ignore", UserWarning)
                clock = t.astype("datetime64[ns]")
        except ValueError as exc:
            raise InputFileError(path, "unreadable clock time", field=name, expected="ISO date-times",
                                 found=str(exc)[:120]) from None  # fmt: skip
        start = clock[0].astype("datetime64[us]").item() if not np.isnat(clock[0]) else None
        local = _local_start(path, name, start) if start is not None else None
        if local is not None:  # the night's clock is the local one written, not UTC (the times between stay physical)
            start, zone = local
            notes.append(f"clock times carry a time zone ({zone}): the recording starts {start:%Y-%m-%d %H:%M:%S}, "
                         "local time as written")  # fmt: skip
        t = (clock - clock[0]).astype("timedelta64[ns]").astype(np.float64) / 1e9
        t[np.isnat(clock - clock[0])] = np.nan  # a missing clock time (NaT) is a missing time, refused below
    elif t.dtype == object and t.size and isinstance(t[0], str) and ":" in t[0]:
        t, start, note = _spreadsheet_clock(path, name, t)
        notes += [note] if note else []
    t = numeric_column(path, name, t).astype(np.float64)
    bad = np.flatnonzero(~np.isfinite(t))
    if bad.size:
        raise InputFileError(path, "time column has a missing or non-finite value",
                             field=f"{name}, {row_place(path, bad[0])}",
                             expected="a time for every sample")  # fmt: skip
    if start is None and t.size:
        unit = _time_name_and_unit(name)[1]
        t = t * TIME_COLUMN_UNITS.get(unit, 1.0)
        scale = _unix_scale(float(t[0]), bool(unit))
        if scale is not None:
            start = datetime(1970, 1, 1) + timedelta(seconds=float(t[0]) * scale)
            t = (t - t[0]) * scale
            notes.append(f"time column {name!r} holds Unix time stamps ({UNIX_UNITS[scale]}): the recording starts "
                         f"{start:%Y-%m-%d %H:%M:%S} UTC, and its clock times are UTC")  # fmt: skip
    return t, start, notes


@dataclass
class _Segments:
    """A time column cut at its gaps (steps over ``GAP_STEPS`` times the median step: dropped samples)."""

    t: np.ndarray  # seconds
    gaps: np.ndarray  # the rows after which a gap opens
    step: float  # the step that fits the times of every segment best (least squares, one offset per segment)

    @classmethod
    def of(cls, t: np.ndarray) -> _Segments:
        steps = np.diff(t)
        median = float(np.median(steps))
        gaps = np.flatnonzero(steps > GAP_STEPS * median) if median > 0 else np.empty(0, dtype=np.int64)
        # A mean of the steps would carry each segment's end-point rounding (times cut to the millisecond) into the
        # step; the fit over all the times does not. Per segment of n rows j = 0..n-1 at times u (from its first):
        # sum((j - mean j) * u) = sum(j * u) - (n - 1) / 2 * sum(u), and sum((j - mean j) ** 2) = n (n^2 - 1) / 12.
        # At least half the steps lie within segments (a gap is over the median), so the fit has points.
        heads = np.r_[0, gaps + 1]
        n = np.diff(np.r_[heads, t.size]).astype(np.float64)
        segments = cls(t, gaps, 0.0)
        u, j = segments.since_first()
        slope = np.add.reduceat(j * u, heads) - (n - 1) / 2 * np.add.reduceat(u, heads)
        segments.step = float(slope.sum() / (n * (n * n - 1) / 12).sum())
        return segments

    def first_rows(self) -> np.ndarray | None:
        """Each row's segment's first row; None without gaps (row 0 for every row)."""
        if not self.gaps.size:
            return None
        first = np.zeros(self.t.size, dtype=np.int64)
        first[self.gaps + 1] = self.gaps + 1
        return np.maximum.accumulate(first)

    def since_first(self) -> tuple[np.ndarray, np.ndarray]:
        """Each row's time and row count since its segment's first row."""
        rows, first = np.arange(self.t.size), self.first_rows()
        return (self.t - self.t[0], rows) if first is None else (self.t - self.t[first], rows - first)

    def off_grid(self, step: float) -> np.ndarray:
        """Each time's distance from its segment's grid of ``step``."""
        u, j = self.since_first()
        return np.abs(u - step * j)

    @property
    def excess(self) -> np.ndarray:
        """Each gap's length beyond one step."""
        return np.diff(self.t)[self.gaps] - self.step


def _irregular_row(seg: _Segments) -> int | None:
    """The first row (>= 1) whose time is off its segment's regular grid; None if every segment is regular."""
    t, step = seg.t, seg.step
    steps = np.diff(t)
    if np.all(np.abs(t * 1e3 - np.round(t * 1e3)) < 1e-6):
        # Whole milliseconds, rounded or cut (as many wearables cut them): a 64-Hz column steps 15 or 16 ms, each
        # time less than a millisecond off the grid; a missing sample is a whole step off.
        grid_tolerance = max(1e-3, 1e-3 * step) - 1e-9
        step_tolerance = grid_tolerance
    else:  # times written to the millisecond (3 decimals) are regular too: a 256-Hz column steps 3 or 4 ms
        grid_tolerance = max(6e-4, 1e-3 * step)  # half a millisecond, and a margin for the rounding itself
        step_tolerance = 2 * grid_tolerance
    within = np.ones(steps.size, dtype=bool)
    within[seg.gaps] = False
    off = np.flatnonzero((steps <= 0) | (within & (np.abs(steps - step) > step_tolerance)))
    if not off.size:  # every step fits; the times must also stay on their segment's grid (no slow drift)
        off = np.flatnonzero(seg.off_grid(step) > grid_tolerance)[:1] - 1
    return max(int(off[0]) + 1, 1) if off.size else None


@dataclass
class TimeAxis:
    """Where a table's rows lie in time."""

    name: str  # the time column
    rate: float
    start: datetime | None
    notes: list[str]
    grid: np.ndarray | None  # each row's sample index on the rate's grid when the column has gaps, else None


def _clock_elsewhere(path: Path, columns: dict[str, np.ndarray], time_name: str) -> tuple[datetime | None, list[str]]:
    """The start from another time column's first value, when the one that gives the rate holds no clock (Polar's
    ECG export: ``timestamp [ms]`` from the start, beside the phone's clock in ``Phone timestamp``). Metadata: a
    column whose first value is not a clock time is passed over."""
    for other in columns:
        if other == time_name or not is_time_column(other):
            continue
        try:
            _, start, notes = _seconds(path, other, columns[other][:1])
        except InputFileError:
            continue
        if start is not None:
            return start, [*notes, f"clock times from column {other!r}, its first value ({time_name!r} gives the "
                                   "rate)"]  # fmt: skip
    return None, []


def time_axis(path: Path, columns: dict[str, np.ndarray]) -> TimeAxis:
    """The time axis of a table of samples: regular, or regular between gaps (dropouts, as wearables write them),
    which are restored as missing samples like EDF+D gaps."""
    name = _time_column(columns)
    if name is None:
        from wav2sleep.io.hypnogram_csv import is_hypnogram_table

        problem = "no time column" + (" (a hypnogram? compare with it through --reference)"
                                      if is_hypnogram_table(path) else "")  # fmt: skip
        raise InputFileError(path, problem, field="columns",
                             expected=f"one of {', '.join(TIME_COLUMNS)}, or clock times in the first column",
                             found=", ".join(columns))  # fmt: skip
    t, start, notes = _seconds(path, name, columns[name])
    if start is None:
        start, clock_notes = _clock_elsewhere(path, columns, name)
        notes += clock_notes
    if t.size < 2:
        raise InputFileError(path, "time column not regular", field=name, expected="at least two samples")
    seg = _Segments.of(t)
    row = _irregular_row(seg)
    if row is not None:
        raise InputFileError(path, "time column not regular", field=f"{name}, {row_place(path, row)}",
                             expected=f"evenly spaced samples ({seg.step:g} s apart, or gaps of over {GAP_STEPS:g} "
                             "steps)", found=f"{t[row]:g} s after {t[row - 1]:g} s")  # fmt: skip
    rate = _rate_of(seg)
    if not seg.gaps.size:
        return TimeAxis(name, rate, start, notes, None)
    excess = seg.excess
    check_gaps(path, float(excess.sum()), t.size / rate, what="gaps in the time column", field=name)
    longest = int(np.argmax(excess))
    where = f"{excess[longest]:.1f} s after {t[seg.gaps[longest]]:g} s"
    notes.append(f"time column {name!r} has " + (f"a gap of {where}" if seg.gaps.size == 1 else
                 f"{seg.gaps.size} gaps ({excess.sum():.1f} s in all; the longest {where})") +
                 ": kept as missing samples (NaN)")  # fmt: skip
    # Each segment starts at the sample its clock time falls on; samples missing before a row never decrease.
    rows = np.arange(t.size)
    first = seg.first_rows()
    missing = np.round((t[first] - t[0]) * rate).astype(np.int64) - first
    return TimeAxis(name, rate, start, notes, rows + np.maximum.accumulate(missing))


def _signal_columns(columns: dict[str, np.ndarray]) -> list[str]:
    """The columns that are channels: not a time column (the one giving the rate, nor another: Polar's ECG export has
    three, ``Phone timestamp``, ``sensor timestamp [ns]``, ``timestamp [ms]``), nor a stage column (a scorer's stage on
    every row, as in DREAMT's tables: the recording's own scoring, ``table_stages``)."""
    from wav2sleep.io.hypnogram_csv import names_stages

    time_name = _time_column(columns)
    return [c for c in columns if c != time_name and not is_time_column(c) and not names_stages(c)]


def _on_grid(values: np.ndarray, grid: np.ndarray | None) -> np.ndarray:
    """A table column's values at their sample indices, NaN in the gaps between (as they are when ``grid`` is None)."""
    if grid is None:
        return values
    out = np.full(int(grid[-1]) + 1, np.nan, dtype=np.float32)
    out[grid] = values
    return out


def _rate_of(seg: _Segments) -> float:
    """The sampling rate of a regular time column: a whole or half rate when every time lies within a millisecond of
    its segment's grid (times kept to the millisecond would otherwise give 64.00001 Hz, and a night 0.1 s short of
    its last epoch), else the rate of the step fitted to the segments."""
    rate = 1 / seg.step
    for nice in (round(rate), round(2 * rate) / 2):
        if nice > 0 and abs(nice - rate) <= 1e-4 * rate and seg.off_grid(1 / nice).max() < 1e-3:
            return float(nice)
    return rate


UNIT_IN_NAME = re.compile(r"^\s*(.*?\S)\s*[(\[]\s*([^()\[\]]{1,16}?)\s*[)\]]\s*$")


def _split_unit(name: str) -> tuple[str, str]:
    """``IBI (ms)`` -> (``IBI``, ``ms``); a name without a unit in brackets -> (name, "")."""
    m = UNIT_IN_NAME.match(name)
    return (m.group(1), m.group(2)) if m else (name, "")


def _labels_and_units(names: list[str]) -> dict[str, tuple[str, str]]:
    """column -> (channel label, unit); names kept whole if that would make two channels of one label."""
    split = {n: _split_unit(n) for n in names}
    labels = [label for label, _ in split.values()]
    return split if len(set(labels)) == len(labels) else {n: (n, "") for n in names}


@dataclass
class _BeatList:
    column: str
    label: str
    seconds: np.ndarray  # each row's interval, s (float64)
    warnings: list[str]  # from reading the time column (Unix stamps, a time zone) and the interval unit
    times: np.ndarray | None  # each row's beat time, s, if the table has a time column
    start: datetime | None


def _beat_list(path: Path, columns: dict[str, np.ndarray]) -> _BeatList | None:
    """The table as a beat list, or None if it is not one."""
    time_name = _time_column(columns)
    named = _labels_and_units(_signal_columns(columns))
    if len(named) != 1:
        return None
    ((column, (label, unit)),) = named.items()
    if not is_alias(label, "IBI"):
        return None
    times, start, notes = None, None, []
    if time_name is not None:
        times, start, notes = _seconds(path, time_name, columns[time_name])
        if times.size < 3 or _irregular_row(_Segments.of(times)) is None:
            return None  # a sampled beat-interval channel
    seconds, unit_notes, _ = scale_units(_samples(path, column, columns[column]), unit, "IBI")
    seconds = seconds.astype(np.float64)
    if times is not None:  # beats follow one another by their intervals; samples of an interval channel do not
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.diff(times) / seconds[1:]
        ratio = ratio[np.isfinite(ratio)]
        if not ratio.size or not 0.8 <= float(np.median(ratio)) <= 1.25:
            return None
    return _BeatList(column, label, seconds, notes + unit_notes, times, start)


def _read_beat_list(path: Path, beats: _BeatList) -> Recording:
    column, label, seconds, times, start = beats.column, beats.label, beats.seconds, beats.times, beats.start
    if times is None:  # each beat ends its interval: the running sum gives the beat times
        missing = np.flatnonzero(~(np.isfinite(seconds) & (seconds > 0)))
        if missing.size:
            raise InputFileError(path, "beat interval missing or not positive in a list without beat times",
                                 expected="a positive number in every row (the times of later beats depend on it)",
                                 field=f"{column}, {row_place(path, missing[0])}")  # fmt: skip
        ends = np.cumsum(seconds)
    else:
        backwards = np.flatnonzero(np.diff(times) <= 0)
        if backwards.size:
            row = int(backwards[0]) + 1
            raise InputFileError(path, "beat times out of order", field=row_place(path, row),
                                 expected="increasing times",
                                 found=f"{times[row]:g} s after {times[row - 1]:g} s")  # fmt: skip
        ends = times  # seconds from the recording start as written
        if start is not None:  # clock times: the recording starts at the beat before the first row's
            first = float(seconds[0]) if np.isfinite(seconds[0]) and seconds[0] > 0 else 0.0
            ends, start = times + first, start - timedelta(seconds=first)
    if ends.size and not ends[-1] <= MAX_DURATION_S:
        raise InputFileError(path, "beats beyond any recording", field=column,
                             expected=f"at most {MAX_DURATION_S / 86400:g} days", found=f"{ends[-1]:g} s")  # fmt: skip
    keep = in_normal_range(seconds)
    if keep.sum() < 2:
        raise InputFileError(path, "too few beat intervals", field=column,
                             expected=f"at least 2 between {NORMAL_RR_S[0]} and {NORMAL_RR_S[1]} s",
                             found=str(int(keep.sum())))  # fmt: skip
    duration = float(ends[-1])
    x, grid_warnings = intervals_on_grid(ends[keep], seconds[keep], duration, label)
    given = np.isfinite(seconds)
    blank = int((~given).sum())
    blanks = f", {blank} row{'s' if blank > 1 else ''} without an interval" if blank else ""
    note = (f"{label}: one row per beat ({int(given.sum())} beats over {duration / 3600:.2g} h; "
            f"{int((given & ~keep).sum())} intervals outside {NORMAL_RR_S[0]}-{NORMAL_RR_S[1]} s dropped{blanks}), "
            "put on the IBI grid")  # fmt: skip
    channel = Channel(label, x, RATE_HZ, "s", [note, *beats.warnings, *grid_warnings])
    return Recording(path, {label: channel}, start, duration, [])


def labels_read_whole_file(path: str | Path) -> bool:
    """Whether ``channel_labels`` reads the whole file (a table: its columns and time axis), so that a caller that
    reads it anyway should read it once (``io.recording.read_chosen``)."""
    return Path(path).suffix.lower() in (".csv", ".parquet", ".txt") and not is_original_parquet(path)


def channel_labels(path: str | Path) -> list[str]:
    path = Path(path)
    suffix = path.suffix.lower()
    if is_original_parquet(path):
        return original_parquet.channel_labels(path)
    if suffix == ".npz":
        with np.load(path) as data:
            return [k for k in data.files if not k.startswith("fs")]
    if suffix == ".npy":
        return [_sidecar(path).get("label", path.stem)]
    columns = table_columns(path)
    beats = _beat_list(path, columns)
    if beats is not None:
        return [beats.label]
    time_axis(path, columns)  # a table whose time column gives no rate is refused here, as by read()
    return [label for label, _ in _labels_and_units(_signal_columns(columns)).values()]


def _sidecar(path: Path) -> dict:
    side = path.with_suffix(".json")
    if not side.exists():
        raise InputFileError(path, "a .npy recording needs a sidecar", field="fs", expected=f"{side.name} with fs")
    try:
        meta = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputFileError(side, f"sidecar not readable as JSON ({exc})") from None
    if not isinstance(meta, dict):
        raise InputFileError(side, "sidecar is not a JSON object", expected='{"fs": ...}', found=type(meta).__name__)
    meta["fs"] = _rate(side, meta.get("fs"), "fs")
    if "label" in meta and not isinstance(meta["label"], str):
        raise InputFileError(side, "channel label is not text", field="label", found=repr(meta["label"]))
    return meta


def _rate(path: Path, value, field: str) -> float:
    """A sampling rate from a sidecar or array file: a finite positive number, else an error naming the field."""
    try:
        rate = float(np.asarray(value).reshape(()))
    except (TypeError, ValueError):
        rate = float("nan")
    if not (np.isfinite(rate) and rate > 0):
        raise InputFileError(path, "sampling rate missing or impossible", field=field,
                             expected="a positive number of Hz", found=repr(value))  # fmt: skip
    return rate


def _array_shape(path: Path, fh, size: int, name: str) -> tuple[int, ...]:
    """The shape of the ``.npy`` array in ``fh`` (``size`` bytes in all), from its header alone: refused when the
    bytes after the header cannot hold it (a truncated file, or a header that lies), before anything is allocated."""
    try:
        version = np.lib.format.read_magic(fh)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, _, dtype = read_header(fh)
    except Exception as exc:  # noqa: BLE001 - NumPy raises ValueError, SyntaxError, TokenError for damaged headers
        raise InputFileError(path, "unreadable array header", field=name, found=in_one_line(exc, 120)) from None
    held, count = size - fh.tell(), int(np.prod(shape, dtype=object))  # exact: no overflow for a lying header
    if count * dtype.itemsize > held:
        raise InputFileError(path, "array truncated", field=name,
                             expected=f"{count} values ({count * dtype.itemsize} bytes) as its header says",
                             found=f"{held} bytes")  # fmt: skip
    return tuple(shape)


def _member_shape(path: Path, archive, name: str) -> tuple[int, ...]:
    """``_array_shape`` of one array of an ``.npz`` archive (its size as the archive states it)."""
    info = archive.getinfo(f"{name}.npy" if f"{name}.npy" in archive.namelist() else name)
    with archive.open(info) as fh:
        return _array_shape(path, fh, info.file_size, name)


def _check_duration(path: Path, name: str, shape: tuple[int, ...], rate: float) -> None:
    """Refuse a channel that is not one series of samples, or longer than any recording (``MAX_DURATION_S``),
    before its samples are read."""
    if len(shape) != 1:
        raise InputFileError(path, "channel is not one-dimensional", field=name, expected="one sample series",
                             found=f"shape {shape}")  # fmt: skip
    samples = shape[0]
    if samples / rate > MAX_DURATION_S:
        raise InputFileError(path, "impossible recording length", field=name,
                             expected=f"at most {MAX_DURATION_S / 86400:g} days",
                             found=f"{samples} samples at {rate:g} Hz")  # fmt: skip


def read(path: str | Path, labels=None) -> Recording:
    path = Path(path)
    suffix = path.suffix.lower()
    if is_original_parquet(path):
        return original_parquet.read(path, labels)
    notes: list[str] = []
    units: dict[str, str] = {}
    grid = None
    if suffix == ".npy":
        meta = _sidecar(path)
        label = meta.get("label", path.stem)
        with open(path, "rb") as fh:
            _check_duration(path, label, _array_shape(path, fh, path.stat().st_size, label), meta["fs"])
        data = {label: np.load(path, allow_pickle=False)}
        rates = dict.fromkeys(data, meta["fs"])
        start = None
        if meta.get("start"):
            try:
                start = datetime.fromisoformat(str(meta["start"]))
            except ValueError:  # metadata: warn and go on, the samples are fine
                notes.append(f"start {meta['start']!r} in {path.with_suffix('.json').name} unreadable; clock times "
                             "unknown")  # fmt: skip
    elif suffix == ".npz":
        with np.load(path, allow_pickle=False) as npz:
            shapes = {k: _member_shape(path, npz.zip, k) for k in npz.files}  # every header, before any array
            rate_shapes = {k: shape for k, shape in shapes.items() if k.startswith("fs")}
            if any(int(np.prod(shape)) != 1 for shape in rate_shapes.values()):
                raise InputFileError(path, "sampling rate is not one number", field=", ".join(rate_shapes),
                                     found=", ".join(f"shape {shape}" for shape in rate_shapes.values()))  # fmt: skip
            names = [k for k in npz.files if not k.startswith("fs")]
            rates = {k: _rate(path, npz[f"fs_{k}"] if f"fs_{k}" in npz.files else npz["fs"] if "fs" in npz.files
                              else None, f"fs_{k} or fs") for k in names}  # fmt: skip
            for k in names:
                _check_duration(path, k, shapes[k], rates[k])
            data = {k: npz[k] for k in names}
        start = None
    else:
        columns = table_columns(path)
        beats = _beat_list(path, columns)
        if beats is not None:
            wanted_channels(path, [beats.label], labels)
            return _read_beat_list(path, beats)
        axis = time_axis(path, columns)
        named = _labels_and_units(_signal_columns(columns))
        data = {named[c][0]: columns[c] for c in named}
        units = {label: unit for label, unit in named.values()}
        rates, start, notes, grid = dict.fromkeys(data, axis.rate), axis.start, axis.notes, axis.grid
    wanted = wanted_channels(path, list(data), labels)
    channels = {k: Channel(k, _on_grid(_samples(path, k, data[k]), grid), rates[k], units.get(k, "")) for k in wanted}
    duration = min(c.duration_s for c in channels.values())
    return Recording(path, channels, start, duration, notes)
