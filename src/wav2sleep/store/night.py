"""The per-night store file: one parquet file, one row, one list column per signal at its own model rate.

Layout (see docs/store.md):
- column ``<SIGNAL>`` (``list<float32>``): the signal at its model rate, ``n_epochs * samples_per_epoch`` values;
  only the signals the night has are present, so no NaN-padded union grid is ever stored;
- column ``stages`` (``list<int8>``): AASM codes 0..4 per 30-s epoch, -1 unscored (absent when not scored);
- schema metadata ``wav2sleep`` (JSON): dataset, session, subject, visit, source file, start time, n_epochs,
  and per signal the channel used, unit, native rate, and QC flags.
Reading one column of one row decodes straight into a NumPy array (no pandas, no per-column dropna).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from wav2sleep.errors import InputFileError
from wav2sleep.signals import signal_spec
from wav2sleep.store.atomic import atomic_path

__all__ = ["Night", "write_night", "read_night", "read_night_meta", "night_path", "STAGES_COLUMN", "FORMAT_VERSION"]

STAGES_COLUMN = "stages"
META_KEY = b"wav2sleep"
FORMAT_VERSION = 1


@dataclass
class Night:
    """One night in the store.

    ``signals`` maps a signal name to float32 samples at the model rate; ``stages`` holds AASM codes (int8, -1
    unscored) or is ``None`` for an unscored recording; ``meta`` is the JSON-able metadata described above.
    """

    signals: dict[str, np.ndarray]
    stages: np.ndarray | None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_epochs(self) -> int:
        return int(self.meta["n_epochs"])

    def validate(self, where: str = "<night>") -> None:
        """Check that every signal and the stages cover exactly ``n_epochs`` epochs."""
        n = self.n_epochs
        for name, x in self.signals.items():
            expected = n * signal_spec(name).samples_per_epoch
            if x.ndim != 1 or x.shape[0] != expected:
                raise InputFileError(
                    where,
                    "signal length does not match the epoch count",
                    field=name,
                    expected=f"{expected} samples ({n} epochs)",
                    found=f"shape {x.shape}",
                )
        if self.stages is not None and self.stages.shape != (n,):
            raise InputFileError(
                where,
                "stage count does not match",
                field=STAGES_COLUMN,
                expected=f"{n} epochs",
                found=f"shape {self.stages.shape}",
            )


def night_path(root: str | Path, dataset: str, session: str) -> Path:
    """Where the store keeps a night: ``ROOT/{dataset}/{session}.parquet``."""
    return Path(root) / dataset / f"{session}.parquet"


def write_night(path: str | Path, night: Night) -> Path:
    """Write ``night`` atomically to ``path`` (temporary file + rename)."""
    night.validate(str(path))
    arrays, names = [], []
    for name, x in night.signals.items():
        values = pa.array(np.ascontiguousarray(x, dtype=np.float32))
        arrays.append(pa.ListArray.from_arrays(pa.array([0, len(values)], pa.int32()), values))
        names.append(name)
    if night.stages is not None:
        values = pa.array(np.asarray(night.stages, dtype=np.int8))
        arrays.append(pa.ListArray.from_arrays(pa.array([0, len(values)], pa.int32()), values))
        names.append(STAGES_COLUMN)
    meta = {**night.meta, "format_version": FORMAT_VERSION, "signals_present": list(night.signals)}
    table = pa.Table.from_arrays(arrays, names=names).replace_schema_metadata({META_KEY: json.dumps(meta)})
    with atomic_path(path) as tmp:
        # Dictionaries do not pay on samples; byte-stream-split + fast zstd shrinks float32 ~15 % and decodes fast.
        pq.write_table(
            table,
            tmp,
            compression="zstd",
            compression_level=1,
            use_dictionary=False,
            column_encoding={f"{name}.list.element": "BYTE_STREAM_SPLIT" for name in night.signals},
        )
    return Path(path)


def read_night_meta(path: str | Path) -> dict[str, Any]:
    """The metadata of a store file without reading its samples."""
    return _meta(path, _schema(path))


def _schema(path: str | Path) -> pa.Schema:
    try:
        return pq.read_schema(path)
    except (OSError, pa.ArrowException) as exc:
        raise InputFileError(path, f"not a readable store file ({exc})") from exc


def _meta(path: str | Path, schema: pa.Schema) -> dict[str, Any]:
    raw = (schema.metadata or {}).get(META_KEY)
    if raw is None:
        raise InputFileError(
            path, "not a wav2sleep store file", field="schema metadata", expected="key 'wav2sleep'", found="none"
        )
    return json.loads(raw)


def read_night(path: str | Path, signals: list[str] | tuple[str, ...] | None = None) -> Night:
    """Read a night; ``signals`` limits the columns read (absent ones are simply not in the result)."""
    schema = _schema(path)
    meta = _meta(path, schema)
    present = meta.get("signals_present", [])
    wanted = present if signals is None else [s for s in signals if s in present]
    if STAGES_COLUMN in schema.names:
        wanted = [*wanted, STAGES_COLUMN]
    table = pq.read_table(path, columns=wanted)
    out: dict[str, np.ndarray] = {}
    stages = None
    for name in table.column_names:
        values = table.column(name).combine_chunks().values.to_numpy(zero_copy_only=False)
        if name == STAGES_COLUMN:
            stages = values.astype(np.int8, copy=False)
        else:
            out[name] = values.astype(np.float32, copy=False)
    night = Night(out, stages, meta)
    night.validate(str(path))
    return night
