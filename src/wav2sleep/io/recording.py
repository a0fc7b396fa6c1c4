"""A recording as every reader returns it, and the extension table that picks the reader.

Each reader module (``wav2sleep.io.<name>``) exposes two functions with the same contract:
- ``channel_labels(path) -> list[str]``: the channel labels, reading the header only;
- ``read(path, labels=None) -> Recording``: decode the channels named in ``labels`` (all when ``None``).
Readers raise ``InputFileError`` naming the file and what is wrong; a header problem they can repair is repaired
in memory (never in the file) and reported in ``Recording.warnings`` / ``Channel.warnings``. The two functions
below are the only way in, and they guarantee it: whatever a reader or the library under it raises for a bad file
comes out as ``InputFileError`` naming the file, and a decoded recording is checked (one-dimensional channels,
finite positive rates, at most ``MAX_DURATION_S``), so that nothing downstream allocates for an impossible night.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from wav2sleep.errors import InputFileError
from wav2sleep.io.paths import require_file

__all__ = [
    "Channel",
    "Recording",
    "read_recording",
    "read_chosen",
    "channel_labels",
    "reader_for",
    "wanted_channels",
    "READERS",
    "MAX_DURATION_S",
    "MAX_RATE_HZ",
    "guard_reader",
]

# Bounds on what a recording can claim, so that model-rate buffers stay bounded whatever a header says: 7 days at
# the highest model rate (EOG, 136.5 Hz) is 83 M samples (330 MB) per signal.
MAX_DURATION_S = 7 * 24 * 3600.0
MAX_RATE_HZ = 1e6
# Gaps restored as missing samples (EDF+D, WFDB multi-segment, tables with gaps in their time column) are bounded
# too: a decoded channel never holds more than 11 times the samples the file stores for it.
MAX_GAP_S = 24 * 3600.0
MAX_GAP_RATIO = 10.0


@dataclass
class Channel:
    """One decoded channel: samples in physical units at ``rate_hz``."""

    label: str
    data: np.ndarray
    rate_hz: float
    unit: str = ""
    warnings: list[str] = field(default_factory=list)
    physical_range: tuple[float, float] | None = None  # header (min, max) where the format has one (EDF)

    @property
    def duration_s(self) -> float:
        return self.data.shape[0] / self.rate_hz


@dataclass
class Recording:
    """Decoded channels of one file, with the recording start (naive local clock time, as EDF stores it)."""

    path: Path
    channels: dict[str, Channel]
    start: datetime | None
    duration_s: float
    warnings: list[str] = field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        return list(self.channels)


# Extension -> reader module. WFDB records are named by their header (``.hea``); the data files beside it.
READERS: dict[str, str] = {
    ".edf": "wav2sleep.io.edf",
    ".bdf": "wav2sleep.io.edf",  # BDF/BDF+ (24-bit) go through the library fallback
    ".rec": "wav2sleep.io.edf",  # EDF under another name: PhysioNet's UCD and ISRUC PSGs
    ".hea": "wav2sleep.io.wfdb_record",
    ".rr": "wav2sleep.io.beat_intervals",
    ".csv": "wav2sleep.io.tabular",
    ".parquet": "wav2sleep.io.tabular",
    ".npy": "wav2sleep.io.tabular",
    ".npz": "wav2sleep.io.tabular",
}


def found_as_recording(path: Path) -> bool:
    """Whether a file found in a folder has a recording's extension; a ``.rec`` file only when it starts as an EDF
    file does (other programs use that extension for other formats)."""
    suffix = path.suffix.lower()
    if suffix != ".rec":
        return suffix in READERS
    try:
        with open(path, "rb") as fh:
            return fh.read(8).strip() == b"0"  # the version field, as the EDF reader checks it
    except OSError:
        return False


def wanted_channels(path: str | Path, available: Sequence[str], labels: Sequence[str] | None) -> list[str]:
    """``labels`` (every available channel when ``None``; a duplicated label once), each checked against
    ``available``: a missing one raises ``InputFileError`` naming it and listing the file's channels."""
    wanted = list(dict.fromkeys(available)) if labels is None else list(labels)
    missing = [label for label in wanted if label not in available]
    if missing:
        raise InputFileError(path, "channel not found", field=", ".join(missing), expected="one of the file's",
                             found=", ".join(available))  # fmt: skip
    return wanted


def reader_for(path: str | Path):
    """The reader module for ``path``, chosen by extension (case-insensitive)."""
    suffix = Path(path).suffix.lower()
    if suffix == ".txt":  # a scoring, unless its header is a table's (Polar Sensor Logger's X_ECG.txt, X_RR.txt)
        from wav2sleep.io.tabular import is_sample_table

        if is_sample_table(path):
            return importlib.import_module(READERS[".csv"])
    if suffix not in READERS:
        hint = " (a scoring? compare with it through --reference)" if suffix == ".txt" else ""
        raise InputFileError(path, f"unsupported file type{hint}", expected=", ".join(sorted(READERS)),
                             found=suffix or "none")  # fmt: skip
    return importlib.import_module(READERS[suffix])


def guard_reader(path: str | Path, call, *args):
    """``call(*args)`` with any exception but ours turned into ``InputFileError`` naming ``path`` (every reader,
    recordings and annotations, is called through this)."""
    path = Path(path)
    try:
        return call(*args)
    except InputFileError:
        raise
    except MemoryError:
        raise InputFileError(path, "too large to decode in the memory available") from None
    except Exception as exc:  # noqa: BLE001 - libraries raise many types for damaged files; name the file
        raise InputFileError(path, f"unreadable {path.suffix.lstrip('.').upper() or 'input'} file "
                             f"({type(exc).__name__}: {str(exc)[:300]})") from exc  # fmt: skip


def check_gaps(path: str | Path, gaps_s: float, recorded_s: float, *, what: str, field: str) -> None:
    """Refuse gaps totalling more than ``MAX_GAP_S`` or ``MAX_GAP_RATIO`` times the recorded time, before anything
    is allocated for them."""
    if gaps_s > min(MAX_GAP_S, MAX_GAP_RATIO * recorded_s):
        raise InputFileError(path, f"{what} too long", field=field,
                             expected=f"gaps totalling at most {MAX_GAP_S / 3600:g} h and {MAX_GAP_RATIO:g}x the "
                             f"recorded {recorded_s:g} s", found=f"{gaps_s:g} s of gaps")  # fmt: skip


def _check(recording: Recording) -> Recording:
    path = recording.path
    if not (np.isfinite(recording.duration_s) and 0 <= recording.duration_s <= MAX_DURATION_S):
        raise InputFileError(path, "impossible recording length", field="duration",
                             expected=f"0 to {MAX_DURATION_S / 86400:g} days", found=f"{recording.duration_s:g} s")  # fmt: skip
    for label, channel in recording.channels.items():
        rate = channel.rate_hz
        if not (np.isfinite(rate) and 0 < rate <= MAX_RATE_HZ):
            raise InputFileError(path, "impossible sampling rate", field=label,
                                 expected=f"0 < rate <= {MAX_RATE_HZ:g} Hz", found=f"{rate:g} Hz")  # fmt: skip
        if np.ndim(channel.data) != 1:
            raise InputFileError(path, "channel is not one-dimensional", field=label, expected="one sample series",
                                 found=f"shape {np.shape(channel.data)}")  # fmt: skip
    return recording


def channel_labels(path: str | Path) -> list[str]:
    """Channel labels of a recording, from its header only."""
    path = Path(path)
    require_file(path)
    reader = reader_for(path)
    return [str(label) for label in guard_reader(path, reader.channel_labels, path)]


def read_recording(path: str | Path, labels: Sequence[str] | None = None) -> Recording:
    """Decode ``labels`` (or every channel) of the recording at ``path``."""
    path = Path(path)
    require_file(path)
    reader = reader_for(path)
    return _check(guard_reader(path, reader.read, path, labels))


def read_chosen(path: str | Path, choose: Callable[[list[str]], dict[str, str]]) -> tuple[list[str], dict[str, str],
                                                                                        Recording]:  # fmt: skip
    """The channel labels of ``path``, the channels ``choose(labels)`` picks (signal -> label), and the recording of
    those channels. Where listing the labels costs a whole read (a table: its time column is checked too), the file
    is read once, every channel, and cut to the chosen ones, rather than read twice."""
    path = Path(path)
    require_file(path)
    reader = reader_for(path)
    whole = getattr(reader, "labels_read_whole_file", None)
    if whole is None or not whole(path):
        labels = channel_labels(path)
        picked = choose(labels)
        return labels, picked, read_recording(path, list(dict.fromkeys(picked.values())))
    recording = _check(guard_reader(path, reader.read, path, None))
    labels = list(recording.channels)
    picked = choose(labels)
    kept = set(picked.values())
    recording.channels = {label: channel for label, channel in recording.channels.items() if label in kept}
    return labels, picked, recording
