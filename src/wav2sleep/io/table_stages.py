"""The stage column of a table of samples: a wearable study's export that carries the scorer's stage on every row
beside the signals, as DREAMT's ``S002_whole_df.csv`` does (``TIMESTAMP, BVP, ACC_X, ..., Sleep_Stage``, 64 Hz).

Its runs of one label become stage events on the table's own time axis (the rows' times as the recording reader
places them, gaps included), so a staging of the table compares with the scoring it carries
(``stage --reference auto``). Labels that are not stages (DREAMT's ``P``, the preparation before lights off, or
``Missing``) and empty cells are unscored, and said; a ``Sleep stage ...`` text that names no stage is an error naming
its row.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from wav2sleep.errors import InputFileError
from wav2sleep.io.hypnogram_csv import names_stages
from wav2sleep.io.original_parquet import is_original_parquet
from wav2sleep.io.original_parquet import read_stages as read_original_stages
from wav2sleep.io.original_predictions import is_original_predictions
from wav2sleep.io.stage_events import StageEvents
from wav2sleep.io.tabular import is_time_column, row_place, table_columns, time_axis
from wav2sleep.io.text import header_names
from wav2sleep.stages import UNSCORED, labels_to_codes, stage_from_text

__all__ = ["has_stage_column", "read_table_stages", "TABLE_SUFFIXES"]

TABLE_SUFFIXES = (".csv", ".parquet")


# Columns of a hypnogram table besides its time and stage: a table that has only these is a scoring, not signals
# with a stage column (``epoch,time,stage`` one row per epoch; ours, ``onset,seconds,stage,p_W,...``).
_SCORING_FIELDS = frozenset({"epoch", "epoch number", "epoch no", "index", "onset", "duration", "event", "scorer",
                             "confidence", "clock", "clock time", "date", "start", "end", "notes", "comment"})  # fmt: skip


def _stage_column(names: list[str]) -> str | None:
    """The stage column of a table of samples: one named as stages beside a time column and at least one signal."""
    stages = [n for n in names if names_stages(n) and not is_time_column(n)]
    signals = [n for n in names if not is_time_column(n) and not names_stages(n)
               and " ".join(n.strip().lower().split()) not in _SCORING_FIELDS and not n.startswith("p_")]  # fmt: skip
    return stages[0] if stages and signals and any(map(is_time_column, names)) else None


def _column_names(path: Path) -> list[str]:
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names)
    return header_names(path)


def has_stage_column(path: str | Path) -> bool:
    """Whether ``path`` is a table of samples with a stage column (its header alone is read)."""
    path = Path(path)
    if path.suffix.lower() not in TABLE_SUFFIXES:
        return False
    if is_original_parquet(path):
        return True
    if is_original_predictions(path):  # Timestamp, Pred, Stage: a model's output, not signals
        return False
    try:
        return _stage_column(_column_names(path)) is not None
    except Exception:  # noqa: BLE001 - unreadable here is "no": the recording reader names what is wrong with it
        return False


def _text(value) -> str:
    """A stage cell as text: empty for a missing one, ``2`` for a numeric 2.0."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return ""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def _code(text: str) -> int | None:
    """The AASM code of a stage cell (unscored for an empty one), None for a label that is not a stage. Texts read
    as in EDF+ annotations (``Sleep stage 2``, ``N2``, ``REM``); a bare digit or ``S1`` as in a hypnogram CSV (R&K:
    4 is stage 4, deep sleep; 5 is REM). A ``Sleep stage`` text naming no stage is a ``ValueError``."""
    if not text:
        return UNSCORED
    code = stage_from_text(text)
    if code is not None:
        return code
    try:
        return int(labels_to_codes([text])[0])
    except ValueError:
        return None


def read_table_stages(path: str | Path) -> StageEvents:
    path = Path(path)
    if is_original_parquet(path):
        return read_original_stages(path)
    columns = table_columns(path)
    name = _stage_column(list(columns))
    if name is None:
        raise InputFileError(path, "no stage column beside a time column and signals", field="columns",
                             expected="a column named stage (Sleep_Stage, stage ...)",
                             found=", ".join(columns))  # fmt: skip
    axis = time_axis(path, columns)
    labels = np.array([_text(v) for v in columns[name]], dtype=object)
    texts, row_text = np.unique(labels, return_inverse=True)
    codes_of_text, not_stages = np.empty(texts.size, dtype=np.int64), []
    for k, text in enumerate(texts):
        try:
            code = _code(text)
        except ValueError as exc:
            raise InputFileError(path, str(exc), field=f"{name}, {row_place(path, int(np.argmax(row_text == k)))}") \
                from None  # fmt: skip
        if code is None:
            not_stages.append(text)
        codes_of_text[k] = UNSCORED if code is None else code
    codes = codes_of_text[row_text]
    sample = np.arange(codes.size) if axis.grid is None else axis.grid
    # A run ends where the stage changes or the time column has a gap (its epochs are unscored, not held).
    ends = np.flatnonzero((np.diff(codes) != 0) | (np.diff(sample) != 1))
    firsts, lasts = np.r_[0, ends + 1], np.r_[ends, codes.size - 1]
    onsets = sample[firsts] / axis.rate
    durations = (sample[lasts] + 1) / axis.rate - onsets
    warnings = list(axis.notes)
    if not_stages:
        rows = dict(zip(texts, np.bincount(row_text, minlength=texts.size), strict=True))
        warnings.append(
            f"{name}: labels that are not stages left unscored: "
            + ", ".join(f"{t!r} ({rows[t] / axis.rate:.0f} s)" for t in not_stages)
        )
    start_clock = axis.start.time() if axis.start is not None else None
    return StageEvents(path, onsets, durations, codes[firsts], start_clock, warnings)
