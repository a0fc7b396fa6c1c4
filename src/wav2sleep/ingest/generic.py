"""Any folder of EDF/BDF, WFDB or beat-interval recordings as a generic dataset, with hypnograms beside them.

A recording ``x.edf`` (or ``x.bdf``, an EDF named ``x.rec``, ``x.hea``, ``x.rr``) takes its stages from the scoring
beside it that ``wav2sleep.io.annotations.scoring_beside`` finds (``x-nsrr.xml``, ``x.xml``, WSC files, ``x.an``,
``x.hypnogram.csv``, an EDF+ hypnogram such as Sleep-EDF's, other databases' text scorings, BIDS TSVs), else from its
own EDF+ annotations (a night whose annotations hold no stage is unscored). A table of samples with a stage column
(``.csv`` or ``.parquet``: DREAMT's ``S002_whole_df.csv``) is a scored recording too, its stage column its scoring;
other tables in the folder (hypnograms, this tool's outputs) are not recordings. EDF+ files that hold only annotations
are scorings, not recordings. A repaired copy ``x_fixed.edf`` (the original's ``0_fix_edfs``) is read in place of
``x.edf``, as the same session with the same scoring. Session ids are the path below the folder with ``/`` written
as ``__``. Something named like a recording that is not a readable file (a folder, a dangling or looping link) but
has a hypnogram beside it is kept, so that it is reported as a failed night with the reason rather than silently
skipped.
"""

from __future__ import annotations

from pathlib import Path

from wav2sleep.corpora import NightSource
from wav2sleep.errors import utf8_safe
from wav2sleep.io.annotations import EDF_ANNOTATIONS, TABLE_STAGES, embedded_scoring, scoring_beside
from wav2sleep.io.edf import is_scoring_file
from wav2sleep.io.recording import found_as_recording
from wav2sleep.io.repaired import repaired_from, without_repaired_originals
from wav2sleep.io.table_stages import TABLE_SUFFIXES, has_stage_column
from wav2sleep.io.wfdb_header import multi_segment_parts

__all__ = ["discover_generic"]

RECORDINGS = (".edf", ".bdf", ".rec", ".hea", ".rr")


def _annotation(path: Path) -> tuple[Path | None, str | None]:
    found = scoring_beside(path)
    if found is not None:
        return found
    if has_stage_column(path):
        return path, TABLE_STAGES
    return (path, EDF_ANNOTATIONS) if embedded_scoring(path) else (None, None)


def _is_recording(path: Path) -> bool:
    if path.suffix.lower() in TABLE_SUFFIXES:
        return path.is_file() and has_stage_column(path)
    if path.suffix.lower() not in RECORDINGS:
        return False
    return (found_as_recording(path) if path.is_file() else scoring_beside(path) is not None) and \
        not is_scoring_file(path)  # fmt: skip


def discover_generic(folder: Path, dataset: str) -> list[NightSource]:
    recordings = sorted(p for p in folder.rglob("*") if _is_recording(p))
    segments = multi_segment_parts(recordings)  # parts of a multi-segment WFDB record, read through its header
    recordings = [p for p in recordings if p not in segments]
    beat_files = {p.with_suffix("") for p in recordings if p.suffix == ".rr"}
    # A record with beat intervals (x.rr) is read from them: its x.hea then only gives the start and length.
    recordings = [p for p in recordings if not (p.suffix == ".hea" and p.with_suffix("") in beat_files)]
    nights = []
    for path in without_repaired_originals(recordings):  # X_fixed.edf, the original's repair, is read for X.edf
        annotation, fmt = _annotation(path)
        named = repaired_from(path) or path  # a repaired copy is the same night as its original
        session = str(named.relative_to(folder).with_suffix("")).replace("/", "__")
        session = utf8_safe(session)  # a name's bytes that are not UTF-8 as \xff: the store's tables can hold it
        nights.append(NightSource(dataset, session, session, "", path, annotation, fmt))
    return nights
