"""SLPDB stage annotations (``x.an``: one row per 30-s epoch, ``elapsed_time sample# type sub chan num <TAB> aux``;
the first aux token is the Rechtschaffen & Kales stage W, 1, 2, 3, 4, R, or MT / M (movement, unscored), in any
case; later tokens are respiratory and arousal events, ignored). An unknown stage label is an error naming it and
its line."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from wav2sleep.errors import InputFileError
from wav2sleep.io.beat_intervals import parse_clock
from wav2sleep.io.stage_events import StageEvents
from wav2sleep.io.text import text_lines
from wav2sleep.signals import EPOCH_SECONDS
from wav2sleep.stages import labels_to_codes

__all__ = ["read_slpdb_annotations"]


def read_slpdb_annotations(path: str | Path) -> StageEvents:
    path = Path(path)
    lines = text_lines(path, "stage annotations")
    onsets, labels, numbers = [], [], []
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("Elapsed"):
            continue
        fields, _, aux = line.partition("\t")
        try:
            onsets.append(parse_clock(fields.split()[0]))
        except (ValueError, IndexError):
            raise InputFileError(
                path, "unreadable elapsed time", field=f"line {number}", found=repr(line[:60])
            ) from None
        labels.append(aux.split()[0] if aux.split() else "")
        numbers.append(number)
    if not onsets:
        raise InputFileError(path, "no stage rows", expected="one row per 30-s epoch", found="none")
    codes = np.empty(len(labels), dtype=np.int8)
    for i, (label, number) in enumerate(zip(labels, numbers, strict=True)):
        try:
            codes[i] = labels_to_codes([label])[0]
        except ValueError:
            raise InputFileError(path, "unknown stage label", field=f"line {number}",
                                 expected="an R&K stage: W, 1, 2, 3, 4, R, MT or M", found=repr(label)) from None  # fmt: skip
    # Rows are time-stamped at the epoch start, give or take a few milliseconds (the first often at 0:00.004).
    starts = np.floor(np.asarray(onsets) / EPOCH_SECONDS + 1e-3) * EPOCH_SECONDS
    return StageEvents(path, starts, np.full(len(codes), float(EPOCH_SECONDS)), codes.astype(np.int64))
