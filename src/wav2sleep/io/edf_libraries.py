"""EDF/EDF+/BDF/BDF+ through edfio and pyedflib: the fallback for files our own EDF parser does not take.

Slower and heavier than our memory-mapped reader, but they cover formats and header variants we do not parse
ourselves. A BDF goes to pyedflib first: it decodes one channel at a time through its C library, where edfio reads
and decodes the whole file (one channel of a 177-MB, 8-channel BDF: 0.11 GB peak vs 1.36 GB, measured once by hand);
an EDF our parser refused goes to edfio first, which is the more lenient with odd headers.
"""

from __future__ import annotations

import ctypes
import os
import sys
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
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


@contextmanager
def _c_stdout_as_warnings() -> Iterator[None]:
    """pyedflib's C library prints some complaints about a file (``filesize 816 != 144*20+768``) to the process's
    standard output, which holds the results of a command: within, what C code prints there is caught and warned
    instead (into the recording's warnings). The redirection is of the process's file descriptor 1, so anything
    another thread writes there meanwhile is caught too; pyedflib is only the fallback reader."""
    libc_fflush = getattr(ctypes.CDLL(None), "fflush", None) if os.name == "posix" else None
    try:
        saved = os.dup(1) if libc_fflush is not None else None
    except OSError:  # no standard output to protect
        saved = None
    if saved is None:
        yield
        return
    sys.stdout.flush()
    with tempfile.TemporaryFile() as caught:
        os.dup2(caught.fileno(), 1)
        try:
            yield
        finally:
            libc_fflush(None)  # C's buffered stdout goes to the file before fd 1 is restored
            os.dup2(saved, 1)
            os.close(saved)
            caught.seek(0)
            text = " ".join(caught.read().decode("latin-1").split())
            if text:  # also when pyedflib then refused the file: its own words, kept
                warnings.warn(text, stacklevel=3)


def _pyedflib(path: Path, labels: Sequence[str] | None, names_only: bool) -> tuple[list[str], Recording | None]:
    import pyedflib

    with _c_stdout_as_warnings(), pyedflib.EdfReader(str(path)) as f:
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
            printed = "".join(f" ({w.message})" for w in said)  # what it warned or printed before refusing
            refusals.append(f"{name}: {message or type(exc).__name__}{printed}")
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
