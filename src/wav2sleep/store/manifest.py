"""The manifest: one row per night of the store, rebuilt from the per-night status records.

``ROOT/manifest.parquet`` columns: dataset, session, subject, visit, path (night file relative to ROOT; empty if
failed), status (ok | flagged | failed), error, warnings ("; "-joined), signals (comma-joined), n_epochs, source,
resample_mode (soxr | linear; empty for stores written before it was recorded, which used soxr).
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from wav2sleep.errors import ConfigError, utf8_safe
from wav2sleep.store.atomic import atomic_path

__all__ = ["MANIFEST_FILE", "STATUS_DIR", "COLUMNS", "write_manifest", "read_manifest", "require_store"]

MANIFEST_FILE = "manifest.parquet"
STATUS_DIR = ".status"
COLUMNS = {"dataset": pa.string(), "session": pa.string(), "subject": pa.string(), "visit": pa.string(),
           "path": pa.string(), "status": pa.string(), "error": pa.string(), "warnings": pa.string(),
           "signals": pa.string(), "n_epochs": pa.int64(), "source": pa.string(),
           "resample_mode": pa.string()}  # fmt: skip


def _records(root: Path) -> list[dict]:
    rows = []
    for status in sorted(root.glob(f"*/{STATUS_DIR}/*.json")):
        try:
            rows.append(json.loads(status.read_text()))
        except (OSError, ValueError):
            continue  # a status record is written atomically; an unreadable one is treated as not done
    return rows


def write_manifest(root: str | Path) -> Path:
    """Rebuild ``ROOT/manifest.parquet`` from the status records (atomically)."""
    root = Path(root)
    rows = _records(root)
    # Paths and messages may hold a file name's bytes that are not UTF-8, which a parquet string cannot.
    cells = {c: [utf8_safe(v) if isinstance(v, str) else v for v in (r.get(c) for r in rows)] for c in COLUMNS}
    table = pa.table({c: pa.array(cells[c], t) for c, t in COLUMNS.items()})
    path = root / MANIFEST_FILE
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)
    return path


def require_store(root: Path, name: str = "") -> None:
    """Refuse a folder that is not a store (neither a manifest nor an ingested night's status record): commands
    must not write splits or an empty manifest into a mistyped path. ``name`` prefixes the error (a config key)."""
    if not root.is_dir() or not ((root / MANIFEST_FILE).is_file() or any(root.glob(f"*/{STATUS_DIR}/*.json"))):
        raise ConfigError(f"{name or root}: not a wav2sleep store (no {MANIFEST_FILE}); make one with "
                          "`wav2sleep ingest FOLDER --out STORE`")  # fmt: skip


def read_manifest(root: str | Path, statuses: tuple[str, ...] | None = None) -> list[dict]:
    """Manifest rows (rebuilt if the status records are newer), optionally only those with ``statuses``."""
    root = Path(root)
    require_store(root)
    path = root / MANIFEST_FILE
    newest = max((p.stat().st_mtime for p in root.glob(f"*/{STATUS_DIR}/*.json")), default=0.0)
    if not path.exists() or path.stat().st_mtime < newest:
        write_manifest(root)
    rows = pq.read_table(path).to_pylist()
    return [r for r in rows if statuses is None or r["status"] in statuses]
