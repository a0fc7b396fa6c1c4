"""St Vincent's University Hospital / UCD sleep apnea database scorings (PhysioNet ``ucddb``: ``ucddb002_stage.txt``
beside the PSG ``ucddb002.rec``, an EDF under another extension): one stage code per line, one line per 30-s
epoch from the recording start. Codes (the database's own, not R&K's order): 0 wake, 1 REM, 2-5 stages 1-4 (3 and
4 are N3), 6 artefact and 7 indeterminate (unscored)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from wav2sleep.errors import InputFileError
from wav2sleep.io.stage_events import StageEvents
from wav2sleep.io.text import text_lines
from wav2sleep.signals import EPOCH_SECONDS
from wav2sleep.stages import UNSCORED

__all__ = ["read_ucd_stages", "UCD_CODES"]

UCD_CODES = {0: 0, 1: 4, 2: 1, 3: 2, 4: 3, 5: 3, 6: UNSCORED, 7: UNSCORED}


def read_ucd_stages(path: str | Path) -> StageEvents:
    path = Path(path)
    codes = []
    for number, line in enumerate(text_lines(path, "a stage file (one code per line)"), 1):
        text = line.strip()
        if not text:
            continue
        try:
            codes.append(UCD_CODES[int(text)])
        except (ValueError, KeyError):
            raise InputFileError(path, "unknown stage code", field=f"line {number}",
                                 expected="0 wake, 1 REM, 2-5 stages 1-4, 6 artefact, 7 indeterminate", found=repr(text[:40])) from None  # fmt: skip
    if not codes:
        raise InputFileError(path, "empty file", expected="one stage code per 30-s epoch", found="no codes")
    onsets = np.arange(len(codes), dtype=float) * EPOCH_SECONDS
    return StageEvents(path, onsets, np.full(len(codes), float(EPOCH_SECONDS)), np.array(codes, dtype=np.int64))
