"""A reference scoring of a staged recording (a technician's hypnogram), found beside it or named, on our epochs.

``--reference auto`` takes the scoring beside ``X.edf`` (or ``X.hea``, ``X.rr`` ...) that
``wav2sleep.io.annotations.scoring_beside`` finds (NSRR XML, WSC, SLPDB ``.an``, a scorer's hypnogram CSV, an EDF+
hypnogram), else the stages in the recording's own EDF+ annotations or its stage column (a table of samples). The events
are aligned to the recording's clock like ingestion does and turned into one AASM stage per 30-s epoch of the staged
recording.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from wav2sleep.errors import InputFileError
from wav2sleep.hypnogram import Hypnogram

__all__ = ["find_reference", "reference_hypnogram"]


def find_reference(recording: str | Path, warnings: list[str]) -> Path | None:
    """The scoring of ``recording`` (see module docstring), or None. The recording's own annotations are looked at
    only when nothing is beside it; when they cannot be read, that goes to ``warnings`` (the staging goes on)."""
    from wav2sleep.io.annotations import embedded_scoring, read_annotation, scoring_beside

    found = scoring_beside(recording)
    if found is not None:
        return found[0]
    if not embedded_scoring(recording):
        return None
    try:
        return Path(recording) if read_annotation(recording).codes.size else None
    except InputFileError as exc:
        warnings.append(
            f"its own stages (EDF+ annotations or stage column) were not read as a reference scoring: {exc}"
        )
        return None


def reference_hypnogram(path: str | Path, n_epochs: int, start: datetime | None) -> tuple[Hypnogram, list[str]]:
    """The scoring in ``path`` as a 5-class hypnogram of ``n_epochs`` epochs from ``start``, and its warnings."""
    scored = Hypnogram.from_annotation(path, n_epochs, start)
    if (scored.codes < 0).all():
        raise InputFileError(path, "no scored epoch overlaps the recording", field="stages")
    return scored, scored.metadata["warnings"]
