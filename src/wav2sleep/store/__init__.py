"""The training store: per-night parquet files, atomic writes, and the manifest of all nights."""

from wav2sleep.store.atomic import atomic_path, write_bytes_atomic, write_text_atomic
from wav2sleep.store.manifest import MANIFEST_FILE, read_manifest, write_manifest
from wav2sleep.store.night import (
    FORMAT_VERSION,
    STAGES_COLUMN,
    Night,
    night_path,
    read_night,
    read_night_meta,
    write_night,
)

__all__ = [
    "Night",
    "write_night",
    "read_night",
    "read_night_meta",
    "night_path",
    "atomic_path",
    "write_bytes_atomic",
    "write_text_atomic",
    "read_manifest",
    "write_manifest",
    "MANIFEST_FILE",
    "STAGES_COLUMN",
    "FORMAT_VERSION",
]
