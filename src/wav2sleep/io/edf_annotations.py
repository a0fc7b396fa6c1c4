"""Sleep stages in EDF+ annotations: a hypnogram file (Sleep-EDF's ``*-Hypnogram.edf``; what MNE, EDFbrowser and
PSG software export) or the annotation signal of a recording itself.

Each annotation is a TAL (time-stamped annotation list: onset, optional duration, texts) in an ``EDF Annotations``
signal. Texts name a stage in the Sleep-EDF convention (``Sleep stage W/1/2/3/4/R/?``, ``Movement time``), the AASM
one (``Sleep stage N1``, ``Stage - N2``, ``Sleep Stage: REM``) or alone (``W``, ``N3``, ``REM``); every other
annotation (lights, apnoeas, arousals) is not a stage and is ignored. A text that starts like a stage but names
none (``Sleep stage X``) is an error naming it and its record, as for the other stage readers. A stage without a
duration lasts until the next stage (the last one: one epoch). Onsets and durations are data: one that is not a
finite number is an error naming its record.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from wav2sleep.errors import InputFileError
from wav2sleep.io.edf import ANNOTATIONS, read_header
from wav2sleep.io.stage_events import StageEvents, held_until_next
from wav2sleep.stages import stage_from_text

__all__ = ["read_edf_stages"]


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
                    stages = [code for code in map(stage_from_text, texts) if code is not None]
                except ValueError as exc:
                    raise InputFileError(path, str(exc), field=where) from None
                if not stages:
                    continue
                try:
                    onset = float(onset_text)
                    duration = float(duration_text) if duration_text is not None else np.nan
                    if not math.isfinite(onset) or (duration_text is not None and not math.isfinite(duration)):
                        raise ValueError("not a finite number")
                except ValueError:
                    tal = (onset_text + b"\x15" + (duration_text or b"")).decode("latin-1")
                    raise InputFileError(path, "unreadable annotation onset or duration", field=where,
                                         expected="+seconds[\\x15seconds]", found=repr(tal[:40])) from None  # fmt: skip
                onsets.append(onset)
                durations.append(duration)
                codes.append(stages[-1])
    del data
    return held_until_next(path, np.array(onsets, float), np.array(durations, float), np.array(codes, np.int64),
                            header.start.time() if header.start else None, list(header.warnings))  # fmt: skip
