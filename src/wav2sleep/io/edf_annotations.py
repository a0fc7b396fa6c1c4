"""Sleep stages in EDF+ annotations: a hypnogram file (Sleep-EDF's ``*-Hypnogram.edf``; what MNE, EDFbrowser and
PSG software export) or the annotation signal of a recording itself.

Each annotation is a TAL (time-stamped annotation list: onset, optional duration, texts) in an ``EDF Annotations``
signal. Texts name a stage in the Sleep-EDF convention (``Sleep stage W/1/2/3/4/R/?``, ``Movement time``), the AASM
one (``Sleep stage N1``, ``Stage - N2``, ``Sleep Stage: REM``) or alone (``W``, ``N3``, ``REM``); every other
annotation (lights, apnoeas, arousals) is not a stage and is ignored. A text that starts like a stage but names
none (``Sleep stage X``) is an error naming it and its record, as for the other stage readers. A stage without a
duration lasts until the next stage (the last one: one epoch). Onsets are data: one that is not a number is an
error naming its record.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from wav2sleep.errors import InputFileError
from wav2sleep.io.edf import ANNOTATIONS, read_header
from wav2sleep.io.stage_events import StageEvents
from wav2sleep.signals import EPOCH_SECONDS
from wav2sleep.stages import UNSCORED, labels_to_codes

__all__ = ["read_edf_stages", "stage_code"]

_SLEEP_STAGE = re.compile(r"^sleep[\s_-]*stage[\s:_-]*(.*)$")
_STAGE = re.compile(r"^stage[\s:_-]*(.*)$")
_UNSCORED_TEXTS = {"movement time", "movement", "unscored", "not scored"}
_NAMED = {"W", "WAKE", "N1", "N2", "N3", "N4", "R", "REM"}  # labels that name a stage on their own
_DIGITS = {"1", "2", "3", "4", "?"}  # R&K digits, a stage only after "Stage"


def stage_code(text: str) -> int | None:
    """The AASM code a stage annotation's text names (-1 unscored), ``None`` for a text that is not a stage.

    ``Sleep stage ...`` must name a stage (else ``ValueError``); ``Stage ...`` and a label alone (``W``, ``N2``,
    ``REM``) count only when they name one, since event lists use such words for other things too."""
    key = " ".join(text.split()).lower()
    if key in _UNSCORED_TEXTS:
        return UNSCORED
    sleep_stage = _SLEEP_STAGE.match(key)
    if sleep_stage is not None:
        if sleep_stage.group(1) == "1/2":
            raise ValueError(
                f"{text!r} is light sleep (N1 and N2 merged, a 4-class hypnogram), not one of the 5 stages"
            )
        try:
            return int(labels_to_codes([sleep_stage.group(1)])[0])
        except ValueError:
            raise ValueError(f"unknown sleep stage {text!r}") from None
    stage = _STAGE.match(key)
    label = stage.group(1) if stage is not None else key
    if label.upper() in _NAMED or (stage is not None and label in _DIGITS):
        return int(labels_to_codes([label])[0])
    return None


def _tals(record: bytes):
    """(onset text, duration text or None, texts) of each TAL in one record's annotation bytes."""
    for tal in record.rstrip(b"\x00").split(b"\x00"):
        if not tal:
            continue
        head, *texts = tal.split(b"\x14")
        onset, _, duration = head.partition(b"\x15")
        yield onset, duration or None, [t.decode("utf-8", errors="replace") for t in texts if t]


def read_edf_stages(path: str | Path) -> StageEvents:
    """The stage events in the annotation signal(s) of the EDF+ file ``path`` (none when it names no stage)."""
    header = read_header(path)
    path = header.path
    columns = [i for i, label in enumerate(header.labels) if label == ANNOTATIONS]
    if not columns:
        raise InputFileError(path, "no EDF+ annotation signal", field="signals",
                             expected=f"an '{ANNOTATIONS}' signal", found=", ".join(header.labels))  # fmt: skip
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=header.header_bytes,
                     shape=(header.n_records, 2 * header.record_samples))  # fmt: skip
    starts = 2 * np.cumsum([0] + [s["samples"] for s in header.signals])
    onsets, durations, codes = [], [], []
    for k in range(header.n_records):
        for i in columns:
            for onset_text, duration_text, texts in _tals(bytes(data[k, starts[i] : starts[i + 1]])):
                where = f"annotation in data record {k}"
                try:
                    stages = [code for code in map(stage_code, texts) if code is not None]
                except ValueError as exc:
                    raise InputFileError(path, str(exc), field=where) from None
                if not stages:
                    continue
                try:
                    onset = float(onset_text)
                    duration = float(duration_text) if duration_text is not None else np.nan
                except ValueError:
                    tal = (onset_text + b"\x15" + (duration_text or b"")).decode("latin-1")
                    raise InputFileError(path, "unreadable annotation onset or duration", field=where,
                                         expected="+seconds[\\x15seconds]", found=repr(tal[:40])) from None  # fmt: skip
                onsets.append(onset)
                durations.append(duration)
                codes.append(stages[-1])
    del data
    return _held_until_next(path, np.array(onsets, float), np.array(durations, float), np.array(codes, np.int64),
                            header.start.time() if header.start else None, list(header.warnings))  # fmt: skip


def _held_until_next(path: Path, onsets, durations, codes, start_clock, warnings) -> StageEvents:
    """Events in time order; a stage without a duration (or with 0) lasts until the next stage, the last one epoch."""
    order = np.argsort(onsets, kind="stable")
    onsets, durations, codes = onsets[order], durations[order], codes[order]
    open_ended = np.isnan(durations) | (durations == 0)
    if open_ended.any():
        following = np.r_[onsets[1:], onsets[-1] + EPOCH_SECONDS] - onsets
        durations = np.where(open_ended, np.where(following > 0, following, EPOCH_SECONDS), durations)
    return StageEvents(path, onsets, durations, codes, start_clock, warnings)
