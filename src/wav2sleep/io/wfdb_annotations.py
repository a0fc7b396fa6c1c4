"""Sleep stages in binary WFDB annotation files, as PhysioNet distributes them: SLPDB's ``X.st`` (one annotation per
30-s epoch, the R&K stage first in its aux note: ``W``, ``1``-``4``, ``R``, ``MT``, then respiratory events) and the
2018 PhysioNet/CinC Challenge's ``X.arousal`` (a stage ``W``, ``N1``-``N3``, ``R`` at each change, among arousal
and respiratory events such as ``(arousal_rera``).

Read with ``wfdb.rdann``; sample numbers become seconds through the sampling frequency the file stores, else the one
of the record header ``X.hea`` beside it (read leniently, as for recordings). In an ``.st`` file every annotation is
an epoch's stage, so a first aux token that names none is an error naming it (a note without text is skipped); in
other files such an annotation is another kind of event and is skipped. Each stage lasts until the next one; the
last until the end of the record (its header's length), or one epoch without a header. Onsets within 0.1 s of an
epoch boundary are put on it (SLPDB annotates each epoch a sample or so after its start). Known limit: ``wfdb.rdann`` takes a note annotation at
sample 0 for a definition of the file's own and drops it, so a stage marked at sample 0 is lost (the epochs before
the next stage are unscored).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from wav2sleep.errors import InputFileError
from wav2sleep.io.stage_events import StageEvents, held_until_next
from wav2sleep.io.wfdb_header import open_wfdb_record
from wav2sleep.signals import EPOCH_SECONDS
from wav2sleep.stages import labels_to_codes, stage_from_text

__all__ = ["read_wfdb_stages"]

_RK_TOKENS = {"1", "2", "3", "4", "M"}  # R&K digits and SLPDB's movement mark, stages as an aux note's first token


def _stage(token: str) -> int | None:
    code = stage_from_text(token)
    if code is None and token.upper() in _RK_TOKENS:
        code = int(labels_to_codes([token])[0])
    return code


# A note whose text starts "## " is, to wfdb, a definition of the file's own: its sampling frequency or its custom
# labels. Any other such note (a damaged one) sends ``wfdb.rdann`` into an endless loop, so the notes are checked in
# the raw bytes first. A note is a length word (low byte, then 0xFC-0xFF: type 63 and the length's top bits).
_NOTE = re.compile(rb"([\x00-\xff])([\xfc-\xff])## ", re.DOTALL)
_DEFINITIONS = re.compile(r"## (time resolution: \d+\.?\d*|annotation type definitions|end of definitions)")


def _check_definition_notes(path: Path) -> None:
    raw = path.read_bytes()
    resolutions = 0
    for match in _NOTE.finditer(raw):
        length = match.group(1)[0] | ((match.group(2)[0] & 3) << 8)
        text = raw[match.start(0) + 2 : match.start(0) + 2 + length].decode("latin-1")
        resolutions += text.startswith("## time resolution")
        if not _DEFINITIONS.fullmatch(text) or resolutions > 1:
            raise InputFileError(path, "damaged definition note", field="annotation notes",
                                 expected="## time resolution: N (once), ## annotation type definitions ...",
                                 found=repr(text[:60]))  # fmt: skip


def _record_timing(path: Path, stored: float | None) -> tuple[float, float | None]:
    """(sampling frequency, record length in s or None): the file's frequency, else its record header's."""
    header = path.with_suffix(".hea")
    if not header.is_file():
        if not stored:
            raise InputFileError(path, "sampling frequency unknown", field="fs",
                                 expected=f"stored in the file, or the record header {header.name} beside it",
                                 found="neither")  # fmt: skip
        return float(stored), None
    try:
        with open_wfdb_record(header) as opened:
            fs, length = float(stored or opened.header.fs or 0), opened.header.sig_len
    except InputFileError:
        if not stored:
            raise
        return float(stored), None  # the header only gives the record's length here: go on without it
    if not 0 < fs <= 1e6:
        raise InputFileError(path, "impossible sampling frequency", field="fs", expected="(0, 1 MHz]", found=str(fs))
    return fs, (int(length) / fs if length else None)


def read_wfdb_stages(path: str | Path) -> StageEvents:
    import wfdb

    path = Path(path)
    extension = path.suffix.lstrip(".")
    _check_definition_notes(path)
    annotations = wfdb.rdann(str(path.with_suffix("")), extension)
    fs, record_s = _record_timing(path, annotations.fs)
    onsets, codes = [], []
    for sample, note in zip(annotations.sample, annotations.aux_note or [], strict=False):
        tokens = (note or "").split()
        code = _stage(tokens[0]) if tokens else None
        if code is None and tokens and extension.lower() == "st":
            raise InputFileError(path, "unknown stage label", field=f"annotation at sample {int(sample)}",
                                 expected="an R&K stage: W, 1, 2, 3, 4, R, MT or M", found=repr(note))  # fmt: skip
        if code is not None:
            onsets.append(int(sample) / fs)
            codes.append(code)
    onsets = np.asarray(onsets, dtype=float)
    boundary = np.round(onsets / EPOCH_SECONDS) * EPOCH_SECONDS
    onsets = np.where(np.abs(onsets - boundary) < 0.1, boundary, onsets)
    events = held_until_next(path, onsets, np.full(onsets.size, np.nan), np.asarray(codes, dtype=np.int64), None, [])
    if record_s is not None and events.onsets.size and record_s > events.onsets[-1] + EPOCH_SECONDS:
        events.durations[-1] = record_s - events.onsets[-1]  # the last stage holds to the end of the record
    return events
