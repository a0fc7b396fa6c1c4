"""EDF/EDF+ reader: our own header parser (lenient, with in-memory repairs) and memory-mapped channel decoding,
falling back to edfio and then pyedflib for files it does not take (BDF/BDF+, odd headers).

Why not decode through a library first: reading one 10-h PSG with every channel costs seconds and gigabytes, while
ingestion needs 4-6 of its 15-30 channels. The header is parsed here so that broken fields can be repaired with a
warning (the file is never modified), and only the requested channels are decoded from a read-only memory map.
Independent readers (edfio, pyedflib) check this reader in the tests.

EDF+D (discontinuous): each data record is placed at the onset its time-keeping annotation gives, so the samples
keep their clock times (scored epochs stay aligned); the gaps between records are NaN (flagged ``nan`` by QC).
Onsets that are not finite, negative, overlapping or out of order are refused, and so are gaps totalling more than
24 h or more than 10 times the recorded data (``recording.check_gaps``): a decoded channel never holds more than 11
times the samples the file stores for it (docs/ingest.md).

Repairs (each reported in ``Recording.warnings``/``Channel.warnings``): header-size field that disagrees with the
number of signals; record count missing (-1) or larger than the file holds (truncated file: complete records are
read); physical range unusable (min == max, max == 0 as in some CHAT files, or not a float32 number: nan, inf,
1e300): replaced by [-3.28, 3.28] as the reference's CHAT fix does (amplitude is then arbitrary; training z-scores
anyway); an inverted physical or digital range (valid EDF: the header flips polarity) is decoded as written and
noted, and so is a digital range beyond 16 bits; a decimal comma in a physical range or the record
duration (European locales) is read as a point. Other writers' quirks read as meant without a warning: NUL padding,
UTF-8 in the ASCII header (``µV``), colons or slashes in the start date/time.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from wav2sleep.errors import InputFileError
from wav2sleep.io import edf_libraries
from wav2sleep.io.recording import Channel, Recording, check_gaps, wanted_channels

__all__ = [
    "EdfHeader",
    "read_header",
    "channel_labels",
    "read",
    "holds_only_annotations",
    "is_scoring_file",
    "ANNOTATIONS",
    "EDF_SUFFIXES",
]

_FIELDS = (("label", 16), ("transducer", 80), ("unit", 8), ("physical_min", 8), ("physical_max", 8),
           ("digital_min", 8), ("digital_max", 8), ("prefilter", 80), ("samples", 8), ("reserved", 32))  # fmt: skip
REPAIRED_RANGE = (-3.28, 3.28)
DIGITAL_LIMIT = 32768
FLOAT32_MAX = float(np.finfo(np.float32).max)
ANNOTATIONS = "EDF Annotations"
EDF_SUFFIXES = (".edf", ".rec")  # .rec: EDF under another name (PhysioNet's UCD and ISRUC PSGs)
ONLY_ANNOTATIONS = "no signal to read: the file holds only EDF+ annotations (a hypnogram or an event list?)"
# Problems no other reader can get past either (or that a library would read into garbage): no second attempt.
_FINAL = ("empty file", "cannot read file", "record duration must be a positive number of seconds",
          "impossible samples per record", ONLY_ANNOTATIONS)  # fmt: skip


@dataclass
class EdfHeader:
    path: Path
    start: datetime | None
    header_bytes: int
    n_records: int
    record_seconds: float
    signals: list[dict]
    warnings: list[str] = field(default_factory=list)
    discontinuous: bool = False

    @property
    def record_samples(self) -> int:
        return sum(s["samples"] for s in self.signals)

    @property
    def labels(self) -> list[str]:
        return [s["label"] for s in self.signals]


def _text(field: str) -> str:
    """A header field's text. Some writers pad with NUL instead of spaces, or write UTF-8 (``µV``) into the ASCII
    header: both are read as meant (the field was decoded as latin-1, which any byte is)."""
    field = field.split("\x00", 1)[0].strip()
    try:
        return field.encode("latin-1").decode("utf-8")
    except UnicodeDecodeError:
        return field


def _number(path: Path, text: str, name: str, kind=float, warnings: list[str] | None = None):
    text = _text(text)
    try:
        return kind(text)
    except ValueError:
        pass
    # A decimal comma (European locales) is unambiguous in a field of 8 characters: read it, say so.
    if kind is float and warnings is not None and text.count(",") == 1 and "." not in text:
        try:
            value = float(text.replace(",", "."))
        except ValueError:
            pass
        else:
            warnings.append(f"{name} {text!r} written with a decimal comma: read as {value:g}")
            return value
    raise InputFileError(path, "unreadable EDF header field", field=name, expected="a number",
                         found=repr(text)) from None  # fmt: skip


def _start(raw: str, warnings: list[str]) -> datetime | None:
    date, time = _text(raw[168:176]), _text(raw[176:184])
    try:  # the standard's dots, or the colons and slashes some writers use
        day, month, year = (int(x) for x in re.split(r"[.:/-]", date))
        hour, minute, second = (int(x) for x in re.split(r"[.:/-]", time))
        return datetime(year + (1900 if year >= 85 else 2000), month, day, hour, minute, second)
    except ValueError:
        warnings.append(f"start date/time {date!r} {time!r} unreadable; clock times unknown")
        return None


def read_header(path: str | Path) -> EdfHeader:
    """Parse and check an EDF header, repairing what can be repaired (see module docstring)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            fixed = fh.read(256)
            if size == 0:
                raise InputFileError(path, "empty file", expected="an EDF file", found="0 bytes")
            if len(fixed) < 256:
                raise InputFileError(path, "EDF header truncated", field="header", expected="at least 256 bytes",
                                     found=f"{size} bytes")  # fmt: skip
            raw = fixed.decode("latin-1")
            if _text(raw[:8]) != "0":
                raise InputFileError(path, "not an EDF file", field="version", expected="'0'", found=repr(raw[:8]))
            ns = _number(path, raw[252:256], "number of signals", int)
            if ns <= 0 or ns > 4096:
                raise InputFileError(path, "implausible signal count", field="number of signals", found=str(ns))
            expected_header = 256 * (ns + 1)
            signal_header = fh.read(256 * ns).decode("latin-1")
    except OSError as exc:
        raise InputFileError(path, f"cannot read file ({exc.strerror or exc})") from exc
    if len(signal_header) < 256 * ns:
        raise InputFileError(path, "EDF header truncated", field="signal header", expected=f"{expected_header} bytes",
                             found=f"{size} bytes")  # fmt: skip
    warnings: list[str] = []
    header_bytes = _number(path, raw[184:192], "header bytes", int)
    if header_bytes != expected_header:
        warnings.append(f"header size field says {header_bytes} bytes; {ns} signals need {expected_header}: using "
                        f"{expected_header}")  # fmt: skip
    signals: list[dict] = [{} for _ in range(ns)]
    offset = 0
    for name, width in _FIELDS:
        for i in range(ns):
            signals[i][name] = _text(signal_header[offset + i * width : offset + (i + 1) * width])
        offset += ns * width
    for s in signals:
        for key in ("physical_min", "physical_max"):
            s[key] = _number(path, s[key], f"{s['label']} {key.replace('_', ' ')}", warnings=warnings)
        for key in ("digital_min", "digital_max", "samples"):
            s[key] = _number(path, s[key], f"{s['label']} {key.replace('_', ' ')}", int)
    for s in signals:
        if s["samples"] <= 0:
            raise InputFileError(path, "impossible samples per record", field=f"{s['label']} samples per record",
                                 expected="a positive count", found=str(s["samples"]))  # fmt: skip
    record_seconds = _number(path, raw[244:252], "record duration", warnings=warnings)
    # EDF+ allows a record duration of 0 in a file that holds only annotations (a hypnogram, an event list).
    annotations_only = holds_only_annotations([s["label"] for s in signals])
    if not math.isfinite(record_seconds) or record_seconds < 0 or (record_seconds == 0 and not annotations_only):
        raise InputFileError(path, "record duration must be a positive number of seconds", field="record duration",
                             expected="> 0", found=raw[244:252].strip())  # fmt: skip
    header = EdfHeader(path, _start(raw, warnings), expected_header, 0, record_seconds, signals, warnings,
                       discontinuous=raw[192:197] == "EDF+D")  # fmt: skip
    record_bytes = 2 * header.record_samples
    complete = (size - expected_header) // record_bytes if record_bytes else 0
    n_records = _number(path, raw[236:244], "number of records", int)
    if n_records < 0:
        warnings.append(f"record count unknown (header says {n_records}); file holds {complete} records")
        n_records = complete
    elif n_records > complete:
        warnings.append(f"file truncated: header says {n_records} data records, file holds {complete} complete ones")
        n_records = complete
    if n_records == 0:
        raise InputFileError(path, "no complete data record", field="data", found=f"{size} bytes")
    header.n_records = n_records
    return header


def holds_only_annotations(labels: list[str]) -> bool:
    """True for an EDF+ file whose every signal is an annotation signal: a scoring or event list, not a recording."""
    return all(label == ANNOTATIONS for label in labels)


def is_scoring_file(path: str | Path) -> bool:
    """True for an EDF file (``.edf``, ``.rec``) that holds only annotations (a hypnogram): found in a folder, it is a scoring, not a
    recording. A file whose header cannot be read is not one (reading it as a recording reports why)."""
    if Path(path).suffix.lower() not in EDF_SUFFIXES or not Path(path).is_file():
        return False
    try:
        return holds_only_annotations(read_header(path).labels)
    except InputFileError:
        return False


def _recording_header(path: str | Path) -> EdfHeader:
    """The header of a recording: a file of annotations only is refused (it is a scoring, not a recording)."""
    header = read_header(path)
    if holds_only_annotations(header.labels):
        raise InputFileError(header.path, ONLY_ANNOTATIONS, field="signals", expected="at least one signal besides "
                             f"'{ANNOTATIONS}'", found=", ".join(header.labels))  # fmt: skip
    return header


def channel_labels(path: str | Path) -> list[str]:
    try:
        return _recording_header(path).labels
    except InputFileError as own:
        return _fallback(own, edf_libraries.channel_labels, path)


def _fallback(own: InputFileError, reader, *args):
    """Try edfio, then pyedflib, on a file our parser refused; if they refuse it too, raise our (clearer) error."""
    if own.problem in _FINAL:
        raise own
    try:
        return reader(*args, reason=str(own))
    except edf_libraries.LibrariesRefused as refused:
        raise InputFileError(own.file, f"{own.problem} (nor can edfio or pyedflib read it: {refused})",
                             field=own.field, expected=own.expected, found=own.found) from own  # fmt: skip


def _scale(s: dict, path: Path) -> tuple[float, float, tuple[float, float], list[str]]:
    """Gain and offset from digital to physical units and the physical range used, repairing unusable ranges."""
    notes = []
    pmin, pmax, dmin, dmax = s["physical_min"], s["physical_max"], s["digital_min"], s["digital_max"]
    if dmax == dmin:
        raise InputFileError(path, "digital minimum equals digital maximum", field=s["label"],
                             expected="dmin < dmax", found=f"{dmin} == {dmax}")  # fmt: skip
    if not (-DIGITAL_LIMIT <= dmin <= DIGITAL_LIMIT and -DIGITAL_LIMIT <= dmax <= DIGITAL_LIMIT):
        notes.append(f"digital range [{dmin}, {dmax}] beyond the 16-bit samples EDF stores: decoded as written "
                     "(amplitude as the header gives it)")  # fmt: skip
    # A range beyond float32 (nan, inf, 1e300) would decode every sample to inf or nan: unusable like min == max.
    if pmax == pmin or pmax == 0 or not all(abs(v) <= FLOAT32_MAX for v in (pmin, pmax)):
        notes.append(f"physical range [{pmin:g}, {pmax:g}] unusable; replaced by {list(REPAIRED_RANGE)} (amplitude "
                     "arbitrary)")  # fmt: skip
        pmin, pmax = REPAIRED_RANGE
    if (pmin > pmax) != (dmin > dmax):
        which = "physical" if pmin > pmax else "digital"
        notes.append(f"inverted {which} range (physical [{pmin:g}, {pmax:g}], digital [{dmin}, {dmax}]): decoded as "
                     "written (polarity flipped)")  # fmt: skip
    gain = (pmax - pmin) / (dmax - dmin)
    return gain, pmin - gain * dmin, (pmin, pmax), notes


def read(path: str | Path, labels=None) -> Recording:
    """Decode ``labels`` (all when ``None``) in physical units (float32)."""
    try:
        header = _recording_header(path)
    except InputFileError as own:
        return _fallback(own, edf_libraries.read, Path(path), labels)
    path = header.path
    wanted = wanted_channels(path, header.labels, labels)
    index = {label: i for i, label in reversed(list(enumerate(header.labels)))}
    data = np.memmap(path, dtype="<i2", mode="r", offset=header.header_bytes,
                     shape=(header.n_records, header.record_samples))  # fmt: skip
    starts = np.cumsum([0] + [s["samples"] for s in header.signals])
    warnings = list(header.warnings)
    onsets = _record_onsets(header, data, starts, warnings) if header.discontinuous else None
    channels = {}
    for label in wanted:
        i = index[label]
        s = header.signals[i]
        gain, offset, physical_range, notes = _scale(s, path)
        digital = data[:, starts[i] : starts[i + 1]].reshape(-1)
        values = (digital * np.float32(gain) + np.float32(offset)).astype(np.float32, copy=False)
        rate = s["samples"] / header.record_seconds
        if onsets is not None:
            values = _place_records(values, onsets, rate, s["samples"], header.record_seconds)
        channels[label] = Channel(label, values, rate, s["unit"], [f"{label}: {n}" for n in notes], physical_range)
    del data
    duration = header.n_records * header.record_seconds if onsets is None else onsets[-1] + header.record_seconds
    return Recording(path, channels, header.start, float(duration), warnings)


def _record_onsets(header: EdfHeader, data: np.ndarray, starts: np.ndarray, warnings: list[str]) -> np.ndarray | None:
    """Each data record's onset (s after the start time) from its time-keeping annotation (the first TAL of the
    first annotation signal), or ``None`` (records back to back, with a warning) when they are unusable."""
    if ANNOTATIONS not in header.labels:
        warnings.append("EDF+D without an annotation signal: data records read back to back")
        return None
    i = header.labels.index(ANNOTATIONS)
    tals = np.ascontiguousarray(data[:, starts[i] : starts[i + 1]]).view(np.uint8)
    onsets = np.empty(header.n_records)
    for k, record in enumerate(tals):
        first = bytes(record).split(b"\x14", 1)[0]
        try:
            onsets[k] = float(first.split(b"\x15", 1)[0])
        except ValueError:
            warnings.append(f"EDF+D record {k}: no time-keeping annotation ({first[:20]!r}); records read back to back")
            return None
    field_name = "EDF+D record onsets"
    bad = np.nonzero(~np.isfinite(onsets) | (onsets < 0))[0]
    if bad.size:
        raise InputFileError(header.path, "impossible data record onset", field=f"{field_name} (record {bad[0]})",
                             expected="a finite time >= 0 s", found=f"{onsets[bad[0]]}")  # fmt: skip
    ends = onsets[:-1] + header.record_seconds
    bad = np.nonzero(onsets[1:] < ends - 1e-6)[0]
    if bad.size:
        k = int(bad[0]) + 1
        raise InputFileError(header.path, "data records overlap or run backwards", field=f"{field_name} (record {k})",
                             expected=f">= {ends[k - 1]:g} s (end of record {k - 1})", found=f"{onsets[k]:g} s")  # fmt: skip
    gaps = onsets[1:] - ends
    if onsets[0] > 0:
        gaps = np.r_[onsets[0], gaps]
    check_gaps(header.path, float(gaps.sum()), header.n_records * header.record_seconds,
               what="gaps between data records", field=field_name)  # fmt: skip
    if (gaps > 1e-6).any():
        count = int((gaps > 1e-6).sum())
        warnings.append(f"EDF+D: {count} gap{'s' if count > 1 else ''} ({float(gaps.sum()):.1f} s in all) restored "
                        "as missing samples (NaN)")  # fmt: skip
    return onsets


def _place_records(values: np.ndarray, onsets: np.ndarray, rate: float, per_record: int, record_s: float):
    """Samples of back-to-back records -> a clock-time grid with NaN where no record covers it."""
    out = np.full(round((onsets[-1] + record_s) * rate), np.nan, dtype=np.float32)
    first = np.round(onsets * rate).astype(np.int64)
    index = (first[:, None] + np.arange(per_record)).reshape(-1)
    out[index] = values
    return out
