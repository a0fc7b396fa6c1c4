"""St Vincent's University Hospital / UCD sleep apnea database scorings (PhysioNet ``ucddb``: ``ucddb002_stage.txt``
beside the PSG ``ucddb002.rec``, an EDF under another extension): one stage code per line, one line per 30-s
epoch from the recording start. Codes (the database's own, not R&K's order): 0 wake, 1 REM, 2-5 stages 1-4 (3 and
4 are N3), 6 artefact and 7 indeterminate (unscored)."""

from __future__ import annotations

from pathlib import Path

from wav2sleep.io.stage_events import StageEvents, coded_epochs
from wav2sleep.io.text import text_lines
from wav2sleep.signals import EPOCH_SECONDS
from wav2sleep.stages import UNSCORED

__all__ = ["read_ucd_stages", "UCD_CODES"]

UCD_CODES = {0: 0, 1: 4, 2: 1, 3: 2, 4: 3, 5: 3, 6: UNSCORED, 7: UNSCORED}


def read_ucd_stages(path: str | Path) -> StageEvents:
    path = Path(path)
    lines = text_lines(path, "a stage file (one code per line)")
    return coded_epochs(path, lines, 1, UCD_CODES, "0 wake, 1 REM, 2-5 stages 1-4, 6 artefact, 7 indeterminate",
                        float(EPOCH_SECONDS))  # fmt: skip
