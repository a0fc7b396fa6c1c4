"""A reference scoring of a staged recording (a technician's hypnogram), found beside it or named, on our epochs.

``--reference auto`` looks beside ``X.edf`` (or ``X.hea``, ``X.rr`` ...) for, in order: ``X-nsrr.xml``, ``X.xml``,
``X.stg.txt``, ``X.allscore.txt``, ``X.an`` and ``X.hypnogram.csv`` (a CSV that this tool wrote, with probability
columns, is not a scorer's and is skipped). The events are aligned to the recording's clock like ingestion does and
turned into one AASM stage per 30-s epoch of the staged recording.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from wav2sleep.errors import InputFileError
from wav2sleep.hypnogram import Hypnogram

__all__ = ["find_reference", "reference_hypnogram", "AUTO_SUFFIXES"]

AUTO_SUFFIXES = ("-nsrr.xml", ".xml", ".stg.txt", ".allscore.txt", ".an", ".hypnogram.csv")


def _ours(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8", errors="replace") as fh:
            return ",p_" in fh.readline()
    except OSError:
        return False


def find_reference(recording: str | Path) -> Path | None:
    """The scoring file beside ``recording`` (see module docstring), or None."""
    recording = Path(recording)
    for suffix in AUTO_SUFFIXES:
        candidate = recording.with_name(recording.stem + suffix)
        if candidate.is_file() and not (suffix == ".hypnogram.csv" and _ours(candidate)):
            return candidate
    return None


def reference_hypnogram(path: str | Path, n_epochs: int, start: datetime | None) -> tuple[Hypnogram, list[str]]:
    """The scoring in ``path`` as a 5-class hypnogram of ``n_epochs`` epochs from ``start``, and its warnings."""
    scored = Hypnogram.from_annotation(path, n_epochs, start)
    if (scored.codes < 0).all():
        raise InputFileError(path, "no scored epoch overlaps the recording", field="stages")
    return scored, scored.metadata["warnings"]
