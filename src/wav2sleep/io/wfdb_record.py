"""WFDB records (PhysioNet): read through the ``wfdb`` package; the record is named by its ``.hea`` header, which
is read leniently (``wfdb_header``: an odd base date or time is a warning, not a failed night)."""

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


def channel_labels(path: str | Path) -> list[str]:
    with open_wfdb_record(path) as opened:
        return list(opened.header.sig_name or [])


def read(path: str | Path, labels=None) -> Recording:
    import wfdb

    path = Path(path)
    with open_wfdb_record(path) as opened:
        names = list(opened.header.sig_name or [])
        wanted = wanted_channels(path, names, labels)
        _check_length(path, opened.header)
        try:
            # Unsmoothed frames keep each channel at its own rate (multi-rate records, e.g. ECG x4 per frame).
            record = wfdb.rdrecord(opened.record, channel_names=wanted, physical=True, return_res=32,
                                   smooth_frames=False)  # fmt: skip
        except Exception as exc:  # wfdb raises many types for damaged data files; name the record
            raise InputFileError(path, f"unreadable WFDB signals ({type(exc).__name__}: {exc})") from exc
    fs = float(record.fs)
    channels = {}
    for i, name in enumerate(record.sig_name):
        data = np.asarray(record.e_p_signal[i], dtype=np.float32)
        rate = fs * record.samps_per_frame[i]
        channels[name] = Channel(name, data, rate, (record.units or [""] * len(wanted))[i] or "")
    return Recording(path, channels, opened.start, record.sig_len / fs, opened.warnings)
