"""EDF/EDF+/BDF/BDF+ through edfio and pyedflib: the fallback for files our own EDF parser does not take.

Slower and heavier than our memory-mapped reader, but they cover formats and header variants we do not parse
ourselves. A BDF goes to pyedflib first: it decodes one channel at a time through its C library, where edfio reads
and decodes the whole file (one channel of a 177-MB, 8-channel BDF: 0.11 GB peak vs 1.36 GB, measured once by hand);
an EDF our parser refused goes to edfio first, which is the more lenient with odd headers.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import numpy as np

from wav2sleep.errors import InputFileError
from wav2sleep.io.recording import Channel, Recording, wanted_channels

__all__ = ["LibrariesRefused", "channel_labels", "read"]


class LibrariesRefused(Exception):
    """Neither edfio nor pyedflib could open the file; the message holds both reasons."""


def _is_bdf(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(8) == b"\xffBIOSEMI"
    except OSError:  # not a readable file: each library says so in its own words
        return False


def _edfio(path: Path, labels: Sequence[str] | None, names_only: bool) -> tuple[list[str], Recording | None]:
    import edfio

    edf = (edfio.read_bdf if _is_bdf(path) else edfio.read_edf)(path)
    signals = {}
    for s in edf.signals:
        signals.setdefault(s.label, s)  # duplicate labels: the first, as our reader does
    try:
        start = datetime.combine(edf.startdate, edf.starttime)
    except Exception:  # anonymised or unreadable date: clock times unknown
        start = None
    names = [s.label for s in edf.signals]
    if names_only:
        return names, None
    channels = {label: Channel(label, np.asarray(signals[label].data, dtype=np.float32),
                               float(signals[label].sampling_frequency), signals[label].physical_dimension,
                               physical_range=(float(signals[label].physical_min), float(signals[label].physical_max)))
                for label in wanted_channels(path, names, labels)}  # fmt: skip
    return names, Recording(path, channels, start, float(edf.duration))


def _pyedflib(path: Path, labels: Sequence[str] | None, names_only: bool) -> tuple[list[str], Recording | None]:
    import pyedflib

    with pyedflib.EdfReader(str(path)) as f:
        names = list(f.getSignalLabels())
        if names_only:
            return names, None
        channels = {}
        for label in wanted_channels(path, names, labels):
            i = names.index(label)
            channels[label] = Channel(label, f.readSignal(i).astype(np.float32), float(f.getSampleFrequency(i)),
                                      f.getPhysicalDimension(i),
                                      physical_range=(f.getPhysicalMinimum(i), f.getPhysicalMaximum(i)))  # fmt: skip
        return names, Recording(path, channels, f.getStartdatetime(), float(f.getFileDuration()))


def _first_that_reads(path: Path, labels: Sequence[str] | None, reason: str,
                      names_only: bool = False) -> tuple[list[str], Recording | None]:  # fmt: skip
    refusals = []
    readers = [("edfio", _edfio), ("pyedflib", _pyedflib)]
    if names_only or _is_bdf(path):  # pyedflib opens the header alone and decodes a channel alone
        readers.reverse()
    for name, reader in readers:
        try:
            with warnings.catch_warnings(record=True) as said:  # theirs go into the recording's, not to stderr
                warnings.simplefilter("always")
                names, recording = reader(path, labels, names_only)
        except InputFileError:
            raise  # the file was read; a requested channel is not in it
        except Exception as exc:  # each library has its own exception types for malformed files
            message = str(exc).replace(f"{path}: ", "").strip()  # the path is already in our message
            refusals.append(f"{name}: {message or type(exc).__name__}")
            continue
        if recording is not None and not _is_bdf(path):  # BDF is theirs to read: nothing to warn about
            recording.warnings.append(f"read with {name} ({reason})")
        if recording is not None:
            recording.warnings.extend(dict.fromkeys(f"{name}: {w.message}" for w in said))
        return names, recording
    raise LibrariesRefused("; ".join(refusals))


def channel_labels(path: str | Path, *, reason: str) -> list[str]:
    """The channel labels, as the first library that can open ``path`` reports them."""
    return _first_that_reads(Path(path), None, reason, names_only=True)[0]


def read(path: str | Path, labels: Sequence[str] | None = None, *, reason: str) -> Recording:
    """Decode ``labels`` (all when ``None``) with the first library that can open ``path``; ``reason`` (why our own
    reader did not) goes into the recording's warnings."""
    return _first_that_reads(Path(path), labels, reason)[1]
