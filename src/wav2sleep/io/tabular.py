"""Recordings as tables or arrays: CSV, parquet, NumPy ``.npz``/``.npy``.

- CSV / parquet: one column per channel plus a time column (``time``, ``seconds`` or ``timestamp``): seconds from
  the start, or ISO clock times (then the first one is the recording start). The sampling rate is taken from the
  time column (it must be regular); a table without one is refused, since its rate would be unknown.
- ``.npz``: one array per channel and the rate as ``fs`` (shared) or ``fs_<channel>`` (per channel).
- ``.npy``: a single channel; its rate must come from a sidecar ``<name>.json`` ``{"fs": ..., "label": ...}``.
Non-finite values are kept (QC flags and zeroes them later).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import numpy as np

from wav2sleep.errors import InputFileError
from wav2sleep.io.recording import Channel, Recording, wanted_channels

__all__ = ["channel_labels", "read"]

TIME_COLUMNS = ("time", "seconds", "timestamp", "t")


def _table(path: Path) -> dict[str, np.ndarray]:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path) if path.suffix.lower() == ".parquet" else pacsv.read_csv(path)
    except Exception as exc:  # pyarrow raises several types for malformed files
        raise InputFileError(path, f"unreadable table ({exc})") from exc
    return {name: table.column(name).to_numpy(zero_copy_only=False) for name in table.column_names}


def _time_axis(path: Path, columns: dict[str, np.ndarray]) -> tuple[str, float, datetime | None]:
    name = next((c for c in columns if c.strip().lower() in TIME_COLUMNS), None)
    if name is None:
        raise InputFileError(path, "no time column", field="columns", expected=f"one of {', '.join(TIME_COLUMNS)}",
                             found=", ".join(columns))  # fmt: skip
    t = columns[name]
    start = None
    if not np.issubdtype(t.dtype, np.number):
        clock = t.astype("datetime64[ns]")
        start = clock[0].astype("datetime64[us]").item()
        t = (clock - clock[0]).astype("timedelta64[ns]").astype(np.float64) / 1e9
    steps = np.diff(t.astype(np.float64))
    if steps.size == 0 or steps.min() <= 0 or (steps.max() - steps.min()) > 1e-3 * steps.mean():
        raise InputFileError(path, "time column not regular", field=name, expected="evenly spaced samples")
    return name, 1.0 / float(steps.mean()), start


def channel_labels(path: str | Path) -> list[str]:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".npz":
        with np.load(path) as data:
            return [k for k in data.files if not k.startswith("fs")]
    if suffix == ".npy":
        return [_sidecar(path).get("label", path.stem)]
    columns = _table(path)
    time_name, _, _ = _time_axis(path, columns)
    return [c for c in columns if c != time_name]


def _sidecar(path: Path) -> dict:
    side = path.with_suffix(".json")
    if not side.exists():
        raise InputFileError(path, "a .npy recording needs a sidecar", field="fs", expected=f"{side.name} with fs")
    try:
        meta = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputFileError(side, f"sidecar not readable as JSON ({exc})") from None
    if not isinstance(meta, dict):
        raise InputFileError(side, "sidecar is not a JSON object", expected='{"fs": ...}', found=type(meta).__name__)
    meta["fs"] = _rate(side, meta.get("fs"), "fs")
    if "label" in meta and not isinstance(meta["label"], str):
        raise InputFileError(side, "channel label is not text", field="label", found=repr(meta["label"]))
    return meta


def _rate(path: Path, value, field: str) -> float:
    """A sampling rate from a sidecar or array file: a finite positive number, else an error naming the field."""
    try:
        rate = float(np.asarray(value).reshape(()))
    except (TypeError, ValueError):
        rate = float("nan")
    if not (np.isfinite(rate) and rate > 0):
        raise InputFileError(path, "sampling rate missing or impossible", field=field,
                             expected="a positive number of Hz", found=repr(value))  # fmt: skip
    return rate


def read(path: str | Path, labels=None) -> Recording:
    path = Path(path)
    suffix = path.suffix.lower()
    notes: list[str] = []
    if suffix == ".npy":
        meta = _sidecar(path)
        data = {meta.get("label", path.stem): np.load(path, allow_pickle=False)}
        rates = dict.fromkeys(data, meta["fs"])
        start = None
        if meta.get("start"):
            try:
                start = datetime.fromisoformat(str(meta["start"]))
            except ValueError:  # metadata: warn and go on, the samples are fine
                notes.append(f"start {meta['start']!r} in {path.with_suffix('.json').name} unreadable; clock times "
                             "unknown")  # fmt: skip
    elif suffix == ".npz":
        with np.load(path, allow_pickle=False) as npz:
            data = {k: npz[k] for k in npz.files if not k.startswith("fs")}
            rates = {k: _rate(path, npz[f"fs_{k}"] if f"fs_{k}" in npz.files else npz["fs"] if "fs" in npz.files
                              else None, f"fs_{k} or fs") for k in data}  # fmt: skip
        start = None
    else:
        columns = _table(path)
        time_name, fs, start = _time_axis(path, columns)
        data = {k: v for k, v in columns.items() if k != time_name}
        rates = dict.fromkeys(data, fs)
    wanted = wanted_channels(path, list(data), labels)
    channels = {k: Channel(k, np.asarray(data[k], dtype=np.float32), rates[k]) for k in wanted}
    duration = min(c.duration_s for c in channels.values())
    return Recording(path, channels, start, duration, notes)
