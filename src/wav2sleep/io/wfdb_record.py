"""WFDB records (PhysioNet): read through the ``wfdb`` package; the record is named by its ``.hea`` header, which
is read leniently (``wfdb_header``: an odd base date or time is a warning, not a failed night)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from wav2sleep.errors import InputFileError
from wav2sleep.io.recording import Channel, Recording, wanted_channels
from wav2sleep.io.wfdb_header import open_wfdb_record

__all__ = ["channel_labels", "read"]


def channel_labels(path: str | Path) -> list[str]:
    with open_wfdb_record(path) as opened:
        return list(opened.header.sig_name or [])


def read(path: str | Path, labels=None) -> Recording:
    import wfdb

    path = Path(path)
    with open_wfdb_record(path) as opened:
        names = list(opened.header.sig_name or [])
        wanted = wanted_channels(path, names, labels)
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
