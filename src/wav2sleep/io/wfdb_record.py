"""WFDB records (PhysioNet): read through the ``wfdb`` package; the record is named by its ``.hea`` header."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np

from wav2sleep.errors import InputFileError
from wav2sleep.io.recording import Channel, Recording, wanted_channels

__all__ = ["channel_labels", "read"]


def _header(path: Path):
    import wfdb

    try:
        return wfdb.rdheader(str(path.with_suffix("")))
    except (OSError, ValueError) as exc:
        raise InputFileError(path, f"unreadable WFDB header ({exc})") from exc


def channel_labels(path: str | Path) -> list[str]:
    return list(_header(Path(path)).sig_name or [])


def read(path: str | Path, labels=None) -> Recording:
    import wfdb

    path = Path(path)
    header = _header(path)
    names = list(header.sig_name or [])
    wanted = wanted_channels(path, names, labels)
    try:
        # Unsmoothed frames keep each channel at its own rate (multi-rate records, e.g. ECG x4 per frame).
        record = wfdb.rdrecord(str(path.with_suffix("")), channel_names=wanted, physical=True, return_res=32,
                               smooth_frames=False)  # fmt: skip
    except (OSError, ValueError) as exc:
        raise InputFileError(path, f"unreadable WFDB signals ({exc})") from exc
    fs = float(record.fs)
    channels = {}
    for i, name in enumerate(record.sig_name):
        data = np.asarray(record.e_p_signal[i], dtype=np.float32)
        rate = fs * record.samps_per_frame[i]
        channels[name] = Channel(name, data, rate, (record.units or [""] * len(wanted))[i] or "")
    start = None
    if header.base_time is not None:
        start = datetime.combine(header.base_date or datetime(2000, 1, 1).date(), header.base_time)
    return Recording(path, channels, start, record.sig_len / fs)
