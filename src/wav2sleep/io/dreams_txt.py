"""DREAMS database hypnograms (``HypnogramAASM_subject1.txt`` or ``HypnogramR&K_subject1.txt`` beside
``subject1.edf``): a ``[HypnogramAASM]`` (or ``[HypnogramR&K]``) line, then one code per 5-s epoch from the
recording start: 5 wake, 4 REM, 3 stage 1, 2 stage 2, 1 stage 3, 0 stage 4 (3 and 4 are N3), -1 movement, -2 and -3
unknown (unscored)."""

from __future__ import annotations

from pathlib import Path

from wav2sleep.errors import InputFileError
from wav2sleep.io.stage_events import StageEvents, coded_epochs
from wav2sleep.io.text import text_lines
from wav2sleep.stages import UNSCORED

__all__ = ["read_dreams_txt", "is_dreams_txt", "DREAMS_CODES", "DREAMS_EPOCH_S"]

DREAMS_CODES = {5: 0, 4: 4, 3: 1, 2: 2, 1: 3, 0: 3, -1: UNSCORED, -2: UNSCORED, -3: UNSCORED}
DREAMS_EPOCH_S = 5.0


def _is_first_line(line: str) -> bool:
    return line.strip().lower().startswith("[hypnogram")


def is_dreams_txt(path: str | Path) -> bool:
    """Whether ``path`` starts with the DREAMS hypnogram line (``[HypnogramAASM]``, ``[HypnogramR&K]``)."""
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as fh:
            return _is_first_line(fh.readline(256))
    except OSError:
        return False


def read_dreams_txt(path: str | Path) -> StageEvents:
    path = Path(path)
    lines = text_lines(path, "a DREAMS hypnogram")
    if not lines or not _is_first_line(lines[0]):
        raise InputFileError(path, "not a DREAMS hypnogram", field="line 1", expected="[HypnogramAASM]",
                             found=repr(lines[0][:40]) if lines else "an empty file")  # fmt: skip
    return coded_epochs(path, lines[1:], 2, DREAMS_CODES, "5 wake, 4 REM, 3-0 stages 1-4, -1 to -3 unscored",
                        DREAMS_EPOCH_S)  # fmt: skip
