"""WFDB records (PhysioNet): read through the ``wfdb`` package; the record is named by its ``.hea`` header, which
is read leniently (``wfdb_header``: an odd base date or time is a warning, not a failed night).

Checked before ``wfdb`` reads the data: the header's signal lines match its signal count, and its length fits the
data files. A data file shorter than the header says (a truncated copy) gives its complete sample frames, with a
warning, as a truncated EDF gives its complete records.

Multi-segment records (MIMIC and other PhysioNet waveform databases; fixed or variable layout) are read as one
recording: a channel is any signal of any segment, the segments are joined in time, and where a segment lacks a
channel or is a gap (``~``) its samples are missing (NaN), as EDF+D gaps are. Each segment is checked like a single
record; gaps may total at most 24 h and 10x the recorded time."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from wav2sleep.errors import InputFileError
from wav2sleep.io.recording import Channel, Recording, check_gaps, wanted_channels
from wav2sleep.io.wfdb_header import line_count_error, open_wfdb_record, record_line

__all__ = ["channel_labels", "read", "SAMPLES_PER_BYTE"]

# Every WFDB storage format takes at least 1 byte a sample but the FLAC ones (508, 516, 524), which compress; a
# header claiming more samples than this many per byte of its data files describes data that is not there.
SAMPLES_PER_BYTE = 8
# WFDB's storage formats; 0 is a null signal (no samples), as in the layout header of a multi-segment record.
STORAGE_FORMATS = ("0", "8", "16", "24", "32", "61", "80", "160", "212", "310", "311", "508", "516", "524")
# Bytes a sample takes in each uncompressed storage format (212: two samples in 3 bytes; 310/311: three in 4).
BYTES_PER_SAMPLE = {"8": 1, "80": 1, "16": 2, "61": 2, "160": 2, "212": 1.5, "310": 4 / 3, "311": 4 / 3, "24": 3,
                    "32": 4}  # fmt: skip


def _check_length(path: Path, header) -> None:
    """Refuse, before wfdb allocates for it, a signal length the record's data files cannot hold."""
    if not header.sig_len or not header.n_sig:
        return
    files = {name for name in (header.file_name or []) if name and name != "~"}
    missing = sorted(name for name in files if not (path.parent / name).is_file())
    if missing and len(missing) == len(files):  # nothing to read at all: say which file, not how many bytes
        raise InputFileError(path, "data file not found", field="signal files", expected=", ".join(sorted(files)),
                             found=f"none of them beside {path.name}")  # fmt: skip
    stored = sum((path.parent / name).stat().st_size for name in files if (path.parent / name).is_file())
    samples = int(header.sig_len) * int(header.n_sig) * max(1, max(header.samps_per_frame or [1]))
    if samples > SAMPLES_PER_BYTE * stored + 1_000_000:
        raise InputFileError(path, "signal length larger than the data files hold", field="number of samples",
                             expected=f"at most ~{SAMPLES_PER_BYTE} samples per stored byte ({stored} bytes)",
                             found=f"{header.sig_len} samples x {header.n_sig} signals")  # fmt: skip


def _check_signal_lines(path: Path, header) -> None:
    if getattr(header, "n_seg", None):  # a multi-segment header lists segments, not signals
        found = len(header.seg_name or [])
        if found != int(header.n_seg):
            raise line_count_error(path, "segment", int(header.n_seg), found)
        return
    found = len(header.sig_name or [])
    if header.n_sig is not None and found != int(header.n_sig):
        raise line_count_error(path, "signal", int(header.n_sig), found)
    for name, fmt in zip(header.sig_name or [], header.fmt or [], strict=False):
        if fmt not in STORAGE_FORMATS:
            raise InputFileError(path, "unknown storage format", field=f"{name} format",
                                 expected=f"one of WFDB's: {', '.join(STORAGE_FORMATS)}", found=str(fmt))  # fmt: skip


def _check_rate(path: Path, header) -> None:
    """The record line's sampling frequency (``fs[/counter[(base)]]``) must be a positive number as written; wfdb
    takes a field it cannot parse (``-125``) for its default 250 Hz, and divides by 0 Hz."""
    lines = path.read_bytes().decode("latin-1").splitlines()
    index = record_line(lines)
    tokens = lines[index].split() if index >= 0 else []
    if len(tokens) < 3:
        return  # no frequency written: WFDB's default, 250 Hz
    try:
        written = float(tokens[2].split("/", 1)[0])
    except ValueError:
        written = math.nan
    if not (math.isfinite(written) and written > 0 and math.isclose(written, float(header.fs or 0), rel_tol=1e-9)):
        raise InputFileError(path, "impossible sampling frequency", field="sampling frequency",
                             expected="a positive number of samples per second", found=tokens[2])  # fmt: skip


def _complete_frames(path: Path, header) -> int | None:
    """How many whole sample frames every data file holds (None: a compressed or unknown format, or no length)."""
    if getattr(header, "n_seg", None) or not header.sig_len or not header.n_sig or not header.fmt:
        return None
    frame_bytes: dict[str, float] = {}
    offsets: dict[str, int] = {}
    n = len(header.fmt)
    for name, fmt, spf, offset in zip(header.file_name or [None] * n, header.fmt, header.samps_per_frame or [1] * n,
                                      header.byte_offset or [None] * n, strict=True):  # fmt: skip
        if fmt not in BYTES_PER_SAMPLE or not name or name == "~":
            return None
        frame_bytes[name] = frame_bytes.get(name, 0.0) + (spf or 1) * BYTES_PER_SAMPLE[fmt]
        offsets.setdefault(name, int(offset or 0))
    frames = int(header.sig_len)
    for name, size in frame_bytes.items():
        file = path.parent / name
        if not file.is_file():  # wfdb reports it if the wanted channels need it
            return None
        frames = min(frames, int((file.stat().st_size - offsets[name]) // size))
    return max(frames, 0)


def _segments(path: Path, opened) -> list:
    """The headers of a multi-segment record's segments (gaps ``~`` left out); [] for a single-segment record."""
    import wfdb

    names = getattr(opened.header, "seg_name", None) or []
    folder = Path(opened.record).parent
    out = []
    for name in names:
        if name == "~":
            continue
        try:
            out.append(wfdb.rdheader(str(folder / name)))
        except Exception as exc:  # wfdb raises several types for a missing or malformed segment header
            raise InputFileError(path, f"unreadable segment {name} ({type(exc).__name__}: {exc})",
                                 field="segments") from None  # fmt: skip
    return out


def _names(opened, segments: list) -> list[str]:
    if not getattr(opened.header, "n_seg", None):
        return list(opened.header.sig_name or [])
    return list(dict.fromkeys(name for segment in segments for name in (segment.sig_name or [])))


def _check_segments(path: Path, opened, segments: list) -> None:
    """Each segment checked like a record; gaps bounded as EDF+D gaps are (no allocation for data not there)."""
    header = opened.header
    lengths = [int(n or 0) for n in header.seg_len or []]
    if header.sig_len is not None and int(header.sig_len) != sum(lengths):
        raise InputFileError(path, "record length is not the sum of its segments' lengths", field="number of samples",
                             expected=str(sum(lengths)), found=str(header.sig_len))  # fmt: skip
    listed = [(name, n) for name, n in zip(header.seg_name or [], lengths, strict=False) if name != "~"]
    for (name, length), segment in zip(listed, segments, strict=False):  # _segments reads them in this order
        where = path.parent / f"{name}.hea"  # the user's file, not the lenient copy's link
        if segment.record_name != name:
            raise InputFileError(where, "segment header names another record", field="record name",
                                 expected=name, found=str(segment.record_name))  # fmt: skip
        if segment.sig_len is None or int(segment.sig_len) != length:
            own = "no length" if segment.sig_len is None else f"{segment.sig_len} samples"
            raise InputFileError(path, f"segment {name} length disagrees with its own header", field="segments",
                                 expected=f"{length} samples (this header)", found=f"{own} in {name}.hea")  # fmt: skip
        _check_signal_lines(where, segment)
        _check_length(where, segment)
        frames = _complete_frames(where, segment)
        if frames is not None and frames < (segment.sig_len or 0):
            raise InputFileError(path, f"segment {segment.record_name} truncated", field="segments",
                                 expected=f"{segment.sig_len} sample frames", found=str(frames))  # fmt: skip
    fs = float(header.fs or 0)
    gaps = sum(n for name, n in zip(header.seg_name or [], lengths, strict=False) if name == "~")
    recorded = sum(lengths) - gaps
    if fs > 0:
        check_gaps(path, gaps / fs, recorded / fs, what="gaps between segments", field="segments")


def channel_labels(path: str | Path) -> list[str]:
    with open_wfdb_record(path) as opened:
        return _names(opened, _segments(Path(path), opened))


def read(path: str | Path, labels=None) -> Recording:
    import wfdb

    path = Path(path)
    with open_wfdb_record(path) as opened:
        segments = _segments(path, opened)
        wanted = wanted_channels(path, _names(opened, segments), labels)
        _check_rate(path, opened.header)
        _check_signal_lines(path, opened.header)
        if segments:
            _check_segments(path, opened, segments)
        else:
            _check_length(path, opened.header)
        warnings = list(opened.warnings)
        frames = _complete_frames(path, opened.header)
        if frames is not None and frames < opened.header.sig_len:
            if frames == 0:
                raise InputFileError(path, "data files hold no complete sample frame", field="number of samples",
                                     expected=f"{opened.header.sig_len} frames")  # fmt: skip
            warnings.append(f"data files hold {frames} of the header's {opened.header.sig_len} sample frames "
                            f"(truncated?); read the first {frames / opened.header.fs:g} s")  # fmt: skip
        try:
            # Unsmoothed frames keep each channel at its own rate (multi-rate records, e.g. ECG x4 per frame).
            record = wfdb.rdrecord(opened.record, channel_names=wanted, physical=True, return_res=32,
                                   smooth_frames=False, sampto=frames or None, m2s=True)  # fmt: skip
        except Exception as exc:  # wfdb raises many types for damaged data files; name the record
            raise InputFileError(path, f"unreadable WFDB signals ({type(exc).__name__}: {exc})") from exc
    fs = float(record.fs)
    channels = {}
    for i, name in enumerate(record.sig_name):
        data = np.asarray(record.e_p_signal[i], dtype=np.float32)
        rate = fs * record.samps_per_frame[i]
        channels[name] = Channel(name, data, rate, (record.units or [""] * len(wanted))[i] or "")
    return Recording(path, channels, opened.start, record.sig_len / fs, warnings)
