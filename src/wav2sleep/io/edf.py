"""EDF/EDF+ reader: our own header parser (lenient, with in-memory repairs) and memory-mapped channel decoding.

Why not decode through a library: reading one 10-h PSG with every channel costs seconds and gigabytes, while
ingestion needs 4-6 of its 15-30 channels. The header is parsed here so that broken fields can be repaired with a
warning (the file is never modified), and only the requested channels are decoded from a read-only memory map.
Independent readers (edfio, pyedflib) check this reader in the tests.

Repairs (each reported in ``Recording.warnings``/``Channel.warnings``): header-size field that disagrees with the
number of signals; record count missing (-1) or larger than the file holds (truncated file: complete records are
read); physical range unusable (min == max, or max == 0 as in some CHAT files): replaced by [-3.28, 3.28] as the
reference's CHAT fix does (amplitude is then arbitrary; training z-scores anyway); inverted physical range (valid EDF:
the header flips polarity) is decoded as written and noted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from wav2sleep.errors import InputFileError
from wav2sleep.io.recording import Channel, Recording

__all__ = ["EdfHeader", "read_header", "channel_labels", "read"]

_FIELDS = (("label", 16), ("transducer", 80), ("unit", 8), ("physical_min", 8), ("physical_max", 8),
           ("digital_min", 8), ("digital_max", 8), ("prefilter", 80), ("samples", 8), ("reserved", 32))  # fmt: skip
REPAIRED_RANGE = (-3.28, 3.28)


@dataclass
class EdfHeader:
    path: Path
    start: datetime | None
    header_bytes: int
    n_records: int
    record_seconds: float
    signals: list[dict]
    warnings: list[str] = field(default_factory=list)

    @property
    def record_samples(self) -> int:
        return sum(s["samples"] for s in self.signals)

    @property
    def labels(self) -> list[str]:
        return [s["label"] for s in self.signals]


def _number(path: Path, text: str, name: str, kind=float):
    try:
        return kind(text.strip())
    except ValueError:
        raise InputFileError(path, "unreadable EDF header field", field=name, expected="a number",
                             found=repr(text.strip())) from None  # fmt: skip


def _start(raw: str, warnings: list[str]) -> datetime | None:
    date, time = raw[168:176], raw[176:184]
    try:
        day, month, year = (int(x) for x in date.split("."))
        hour, minute, second = (int(x) for x in time.split("."))
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
            if raw[:8].strip() != "0":
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
    if raw[192:197] == "EDF+D":
        warnings.append("EDF+D (discontinuous): data records read back to back; gaps between them are not restored")
    header_bytes = _number(path, raw[184:192], "header bytes", int)
    if header_bytes != expected_header:
        warnings.append(f"header size field says {header_bytes} bytes; {ns} signals need {expected_header}: using "
                        f"{expected_header}")  # fmt: skip
    signals: list[dict] = [{} for _ in range(ns)]
    offset = 0
    for name, width in _FIELDS:
        for i in range(ns):
            signals[i][name] = signal_header[offset + i * width : offset + (i + 1) * width].strip()
        offset += ns * width
    for s in signals:
        for key in ("physical_min", "physical_max"):
            s[key] = _number(path, s[key], f"{s['label']} {key.replace('_', ' ')}")
        for key in ("digital_min", "digital_max", "samples"):
            s[key] = _number(path, s[key], f"{s['label']} {key.replace('_', ' ')}", int)
    record_seconds = _number(path, raw[244:252], "record duration")
    if record_seconds <= 0:
        raise InputFileError(path, "record duration must be positive", field="record duration",
                             found=str(record_seconds))  # fmt: skip
    header = EdfHeader(path, _start(raw, warnings), expected_header, 0, record_seconds, signals, warnings)
    record_bytes = 2 * header.record_samples
    complete = (size - expected_header) // record_bytes if record_bytes else 0
    n_records = _number(path, raw[236:244], "number of records", int)
    if n_records < 0:
        warnings.append(f"record count unknown (-1); file holds {complete} records")
        n_records = complete
    elif n_records > complete:
        warnings.append(f"file truncated: header says {n_records} data records, file holds {complete} complete ones")
        n_records = complete
    if n_records == 0:
        raise InputFileError(path, "no complete data record", field="data", found=f"{size} bytes")
    header.n_records = n_records
    return header


def channel_labels(path: str | Path) -> list[str]:
    return read_header(path).labels


def _scale(s: dict, path: Path) -> tuple[float, float, list[str]]:
    """Gain and offset from digital to physical units, repairing unusable ranges."""
    notes = []
    pmin, pmax, dmin, dmax = s["physical_min"], s["physical_max"], s["digital_min"], s["digital_max"]
    if dmax == dmin:
        raise InputFileError(path, "digital minimum equals digital maximum", field=s["label"],
                             expected="dmin < dmax", found=f"{dmin} == {dmax}")  # fmt: skip
    if pmax == pmin or pmax == 0:
        notes.append(f"physical range [{pmin:g}, {pmax:g}] unusable; replaced by {list(REPAIRED_RANGE)} (amplitude "
                     "arbitrary)")  # fmt: skip
        pmin, pmax = REPAIRED_RANGE
    elif pmin > pmax:
        notes.append(f"inverted physical range [{pmin:g}, {pmax:g}]: decoded as written (polarity flipped)")
    gain = (pmax - pmin) / (dmax - dmin)
    return gain, pmin - gain * dmin, notes


def read(path: str | Path, labels=None) -> Recording:
    """Decode ``labels`` (all when ``None``) in physical units (float32)."""
    header = read_header(path)
    path = header.path
    wanted = header.labels if labels is None else list(labels)
    index = {label: i for i, label in reversed(list(enumerate(header.labels)))}
    missing = [lab for lab in wanted if lab not in index]
    if missing:
        raise InputFileError(path, "channel not found", field=", ".join(missing), expected="one of the file's",
                             found=", ".join(header.labels))  # fmt: skip
    data = np.memmap(path, dtype="<i2", mode="r", offset=header.header_bytes,
                     shape=(header.n_records, header.record_samples))  # fmt: skip
    starts = np.cumsum([0] + [s["samples"] for s in header.signals])
    channels = {}
    for label in wanted:
        i = index[label]
        s = header.signals[i]
        gain, offset, notes = _scale(s, path)
        digital = data[:, starts[i] : starts[i + 1]].reshape(-1)
        values = (digital * np.float32(gain) + np.float32(offset)).astype(np.float32, copy=False)
        rate = s["samples"] / header.record_seconds
        channels[label] = Channel(label, values, rate, s["unit"], [f"{label}: {n}" for n in notes])
    del data
    return Recording(path, channels, header.start, header.n_records * header.record_seconds, list(header.warnings))
