"""WFDB records (PhysioNet): read through the ``wfdb`` package; the record is named by its ``.hea`` header, which
is read leniently (``wfdb_header``: an odd base date or time is a warning, not a failed night).

Checked before ``wfdb`` reads the data: the header's signal lines match its signal count, and its length fits the
data files. A data file shorter than the header says (a truncated copy) gives its complete sample frames, with a
warning, as a truncated EDF gives its complete records."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from wav2sleep.errors import InputFileError
from wav2sleep.io.recording import Channel, Recording, wanted_channels
from wav2sleep.io.wfdb_header import open_wfdb_record

__all__ = ["channel_labels", "read", "SAMPLES_PER_BYTE"]

# Every WFDB storage format takes at least 1 byte a sample but the FLAC ones (508, 516, 524), which compress; a
# header claiming more samples than this many per byte of its data files describes data that is not there.
SAMPLES_PER_BYTE = 8
# Bytes a sample takes in each uncompressed storage format (212: two samples in 3 bytes; 310/311: three in 4).
BYTES_PER_SAMPLE = {"8": 1, "80": 1, "16": 2, "61": 2, "160": 2, "212": 1.5, "310": 4 / 3, "311": 4 / 3, "24": 3,
                    "32": 4}  # fmt: skip


def _check_length(path: Path, header) -> None:
    """Refuse, before wfdb allocates for it, a signal length the record's data files cannot hold."""
    if not header.sig_len or not header.n_sig:
        return
    files = {name for name in (header.file_name or []) if name and name != "~"}
    stored = sum((path.parent / name).stat().st_size for name in files if (path.parent / name).is_file())
    samples = int(header.sig_len) * int(header.n_sig) * max(1, max(header.samps_per_frame or [1]))
    if samples > SAMPLES_PER_BYTE * stored + 1_000_000:
        raise InputFileError(path, "signal length larger than the data files hold", field="number of samples",
                             expected=f"at most ~{SAMPLES_PER_BYTE} samples per stored byte ({stored} bytes)",
                             found=f"{header.sig_len} samples x {header.n_sig} signals")  # fmt: skip


def _check_signal_lines(path: Path, header) -> None:
    if getattr(header, "n_seg", None):  # a multi-segment header lists segments, not signals
        return
    found = len(header.sig_name or [])
    if header.n_sig is not None and found != int(header.n_sig):
        raise InputFileError(path, "signal lines do not match the signal count", field="number of signals",
                             expected=f"{header.n_sig} signal lines", found=str(found))  # fmt: skip


def _complete_frames(path: Path, header) -> int | None:
    """How many whole sample frames every data file holds (None: a compressed or unknown format, or no length)."""
    if not header.sig_len or not header.n_sig or not header.fmt or getattr(header, "n_seg", None):
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


def channel_labels(path: str | Path) -> list[str]:
    with open_wfdb_record(path) as opened:
        return list(opened.header.sig_name or [])


def read(path: str | Path, labels=None) -> Recording:
    import wfdb

    path = Path(path)
    with open_wfdb_record(path) as opened:
        names = list(opened.header.sig_name or [])
        wanted = wanted_channels(path, names, labels)
        _check_signal_lines(path, opened.header)
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
                                   smooth_frames=False, sampto=frames or None)  # fmt: skip
        except Exception as exc:  # wfdb raises many types for damaged data files; name the record
            raise InputFileError(path, f"unreadable WFDB signals ({type(exc).__name__}: {exc})") from exc
    fs = float(record.fs)
    channels = {}
    for i, name in enumerate(record.sig_name):
        data = np.asarray(record.e_p_signal[i], dtype=np.float32)
        rate = fs * record.samps_per_frame[i]
        channels[name] = Channel(name, data, rate, (record.units or [""] * len(wanted))[i] or "")
    return Recording(path, channels, opened.start, record.sig_len / fs, warnings)
