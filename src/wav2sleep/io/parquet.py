"""Parquet tables read whole, sized from their footer first.

Parquet compresses a constant or all-null column to almost nothing: a file of a few megabytes can state billions
of rows, and decoding it would take all the machine's memory (and kill a batch run with it). The footer states the
rows and columns, so a table whose decoded columns could not fit in half the machine's memory is refused before
anything is decoded.
"""

from __future__ import annotations

import os
from pathlib import Path

from wav2sleep.errors import InputFileError

__all__ = ["read_table", "decode_budget_bytes"]

BYTES_PER_VALUE = 8  # every column becomes a float64 (or object) NumPy array


def decode_budget_bytes() -> int | None:
    """Half this machine's physical memory, or ``None`` where the system does not say."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2
    except (AttributeError, ValueError, OSError):  # no sysconf (Windows) or the name unknown
        return None


def read_table(path: Path):
    """The pyarrow table of the parquet file ``path``, refused with an ``InputFileError`` when its footer states
    more rows and columns than half the memory could hold."""
    import pyarrow.parquet as pq

    file = pq.ParquetFile(path)
    rows, width = file.metadata.num_rows, file.metadata.num_columns
    decoded, budget = rows * width * BYTES_PER_VALUE, decode_budget_bytes()
    if budget is not None and decoded > budget:
        raise InputFileError(path, "table too large to decode",
                             expected=f"at most {budget / 2**30:.1f} GiB decoded (half this machine's memory)",
                             found=f"{rows} rows x {width} columns ({decoded / 2**30:.1f} GiB) in "
                                   f"{path.stat().st_size} bytes on disk")  # fmt: skip
    return file.read()
