"""Stage annotation files: one table of formats and readers, and the one guarded way to read them.

Formats: NSRR XML (``*.xml``), WSC ``*.stg.txt`` and ``*.allscore.txt``, SLPDB ``*.an``, and a plain hypnogram CSV.
``read_annotation`` picks the reader from the format (or the file name) and, like ``read_recording``, lets only
``InputFileError`` out, naming the file.
"""

from __future__ import annotations

from pathlib import Path

from wav2sleep.errors import InputFileError
from wav2sleep.io.hypnogram_csv import read_hypnogram_csv
from wav2sleep.io.nsrr_xml import read_nsrr_xml
from wav2sleep.io.recording import guard_reader
from wav2sleep.io.slpdb_annotations import read_slpdb_annotations
from wav2sleep.io.stage_events import StageEvents
from wav2sleep.io.wsc import read_wsc_allscore, read_wsc_stg

__all__ = ["NSRR_XML", "WSC_STG", "WSC_ALLSCORE", "HYPNOGRAM_CSV", "SLPDB_AN", "ANNOTATION_READERS",
           "annotation_format", "read_annotation"]  # fmt: skip

NSRR_XML = "nsrr-xml"
WSC_STG = "wsc-stg"
WSC_ALLSCORE = "wsc-allscore"
HYPNOGRAM_CSV = "hypnogram-csv"
SLPDB_AN = "slpdb-an"
ANNOTATION_READERS = {NSRR_XML: read_nsrr_xml, WSC_STG: read_wsc_stg, WSC_ALLSCORE: read_wsc_allscore,
                      HYPNOGRAM_CSV: read_hypnogram_csv, SLPDB_AN: read_slpdb_annotations}  # fmt: skip
_ENDINGS = ((".stg.txt", WSC_STG), (".allscore.txt", WSC_ALLSCORE), (".xml", NSRR_XML), (".an", SLPDB_AN),
            (".csv", HYPNOGRAM_CSV))  # fmt: skip


def annotation_format(path: str | Path) -> str:
    """The annotation format of ``path``, from its name."""
    name = Path(path).name.lower()
    for ending, fmt in _ENDINGS:
        if name.endswith(ending):
            return fmt
    raise InputFileError(path, "not a stage annotation file", field="name",
                         expected=", ".join(e for e, _ in _ENDINGS), found=Path(path).name)  # fmt: skip


def read_annotation(path: str | Path, fmt: str | None = None) -> StageEvents:
    """Read the stage events of ``path`` (format ``fmt`` or from the name)."""
    fmt = fmt or annotation_format(path)
    if fmt not in ANNOTATION_READERS:
        raise InputFileError(path, "unknown annotation format", expected=", ".join(ANNOTATION_READERS), found=fmt)
    if not Path(path).is_file():
        raise InputFileError(path, "annotation file not found" if not Path(path).exists() else "not a file")
    return guard_reader(path, ANNOTATION_READERS[fmt], path)
