"""Nights as the original wav2sleep's preprocessing stores them (``{session}.parquet``), read as recordings with
their own scoring.

The layout (reference facts, s.1.5-1.6): one table whose unnamed float index (``__index_level_0__``) is seconds from
the recording start over the union of the signals' grids; each signal column (``ECG``, ``PPG``, ``ABD``, ``THX``,
``EOG-L``, ``EOG-R``) at its model rate on its own grid, k·30/spe s for k = 1, 2 ... (NaN on the other rows), ECG
and EOG in mV, belts and pleth already mapped to [-1, 1]; ``Stage`` at each epoch's right edge (30, 60 ... s), AASM
0-4, -1 unscored. Every night is 10 h: a shorter one is zero-padded (stage -1), a longer one cut.

As a recording, each signal keeps its values, the first one repeated at time 0, so that sample k sits at k/fs as in
every other format and holds the value the original has at k/fs (the published contract's grid then gives the model
exactly the stored samples). The padding (trailing epochs where every signal is exactly 0 and no stage is scored) is
dropped and said. The ``Stage`` column is the night's own scoring (``stage --reference auto``, generic ingestion).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from wav2sleep.errors import InputFileError
from wav2sleep.io.parquet import read_table
from wav2sleep.io.recording import Channel, Recording, wanted_channels
from wav2sleep.io.stage_events import StageEvents
from wav2sleep.signals import EPOCH_SECONDS, SIGNALS
from wav2sleep.stages import UNSCORED

__all__ = ["is_original_parquet", "read", "channel_labels", "read_stages"]

INDEX = "__index_level_0__"
STAGE = "Stage"
_SIGNALS = tuple(name for name, spec in SIGNALS.items() if spec.kind != "interval")


def is_original_parquet(path: str | Path) -> bool:
    """A parquet file in the original's layout: the unnamed pandas index, besides it only ``Stage`` and model signals
    by their names, and the index starting one sample period of the finest signal's grid after 0 (a table of the
    same signals indexed from 0 is not in this layout). Only the schema and the first index value are read."""
    if Path(path).suffix.lower() != ".parquet":
        return False
    import pyarrow.parquet as pq

    try:
        file = pq.ParquetFile(path)
        names = set(file.schema_arrow.names)
        signals = names - {INDEX, STAGE}
        if INDEX not in names or not signals or not signals <= set(_SIGNALS):
            return False
        first = next(file.iter_batches(batch_size=1, columns=[INDEX])).column(0)[0].as_py()
    except Exception:  # noqa: BLE001 - unreadable here is "no": the table reader names what is wrong with it
        return False
    finest = max(SIGNALS[name].samples_per_epoch for name in signals)
    return isinstance(first, float) and abs(first - EPOCH_SECONDS / finest) < 1e-9


def _table(path: Path) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    table = read_table(path)
    columns = {name: table.column(name).to_numpy(zero_copy_only=False) for name in table.column_names}
    seconds = np.asarray(columns.pop(INDEX), dtype=np.float64)
    return seconds, columns


def _on_grid(path: Path, seconds: np.ndarray, name: str, per_epoch: int) -> np.ndarray:
    """The rows of ``seconds`` on the grid k * 30 / per_epoch, k = 1, 2 ... in order, else an error naming the
    column."""
    position = seconds * (per_epoch / EPOCH_SECONDS)
    rows = np.flatnonzero(np.abs(position - np.round(position)) < 1e-6)
    steps = np.round(position[rows]).astype(np.int64)
    if not rows.size or not np.array_equal(steps, np.arange(1, rows.size + 1)):
        step = EPOCH_SECONDS / per_epoch
        raise InputFileError(path, "column not on its grid", field=name,
                             expected=f"a value every {step:g} s from {step:g} s (the original wav2sleep's layout)",
                             found=f"{rows.size} rows on it")  # fmt: skip
    return rows


def _stage_values(path: Path, seconds: np.ndarray, columns: dict[str, np.ndarray]) -> np.ndarray:
    """The stage code of each epoch (the Stage values at the right edges), unscored where there is none."""
    if STAGE not in columns:
        return np.empty(0, dtype=np.int64)
    values = np.asarray(columns[STAGE], dtype=np.float64)[_on_grid(path, seconds, STAGE, 1)]
    codes = np.where(np.isfinite(values), values, UNSCORED)
    bad = ~np.isin(codes, [UNSCORED, 0, 1, 2, 3, 4])
    if bad.any():
        first = int(np.argmax(bad))
        raise InputFileError(path, "stage value not an AASM code", field=f"{STAGE}, epoch {first + 1}",
                             expected="-1 or 0 to 4", found=f"{values[first]:g}")  # fmt: skip
    return codes.astype(np.int64)


def _night(path: Path) -> tuple[dict[str, np.ndarray], np.ndarray, int, int]:
    """Each signal's values, the epochs' stage codes, the epochs kept and those dropped as padding."""
    seconds, columns = _table(path)
    with np.errstate(over="ignore"):  # a value beyond float32 becomes inf, which QC flags like any non-finite one
        signals = {name: np.asarray(columns[name], dtype=np.float32)[_on_grid(path, seconds, name,
                   SIGNALS[name].samples_per_epoch)] for name in _SIGNALS if name in columns}  # fmt: skip
    stages = _stage_values(path, seconds, columns)
    epochs = min(x.size // SIGNALS[name].samples_per_epoch for name, x in signals.items())
    used = [np.flatnonzero(x != 0)[-1:] // SIGNALS[name].samples_per_epoch + 1 for name, x in signals.items()]
    scored = np.flatnonzero(stages[:epochs] != UNSCORED)[-1:] + 1
    kept = min(int(max(np.concatenate([*used, scored, [0]]))), epochs)  # whole epochs of every signal
    return signals, stages, kept, epochs - kept


def channel_labels(path: str | Path) -> list[str]:
    import pyarrow.parquet as pq

    return [name for name in pq.read_schema(path).names if name in _SIGNALS]


def read(path: str | Path, labels=None) -> Recording:
    path = Path(path)
    signals, _, kept, padding = _night(path)
    wanted = wanted_channels(path, list(signals), labels)
    channels = {}
    for name in wanted:
        spec = SIGNALS[name]
        values = signals[name][: kept * spec.samples_per_epoch]
        data = np.r_[values[:1], values]  # the value at time 0, so that sample k sits at k / fs
        channels[name] = Channel(name, data, spec.rate_hz, "mV" if spec.kind == "voltage" else "")
    notes = ["the original wav2sleep's preprocessed layout: signals at the model rates"]
    if padding:
        notes.append(f"its zero padding after epoch {kept} ({padding} epochs) dropped")
    return Recording(path, channels, None, float(kept * EPOCH_SECONDS), notes)


def read_stages(path: str | Path) -> StageEvents:
    path = Path(path)
    _, stages, kept, _ = _night(path)
    if not stages.size:
        raise InputFileError(path, "no Stage column", expected="the original's Stage column")
    codes = stages[:kept] if kept else stages
    onsets = np.arange(codes.size, dtype=float) * EPOCH_SECONDS
    return StageEvents(path, onsets, np.full(codes.size, float(EPOCH_SECONDS)), codes)
