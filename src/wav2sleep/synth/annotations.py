"""Stage annotation files as the datasets ship them: NSRR XML, WSC ``.stg.txt`` + ``.log.txt``, ``.allscore.txt``."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from wav2sleep.signals import EPOCH_SECONDS
from wav2sleep.store.atomic import atomic_path, write_text_atomic

__all__ = ["stage_runs", "write_nsrr_xml", "write_wsc_stg", "write_wsc_allscore", "NSRR_CONCEPTS"]

# NSRR EventConcept per AASM code (R&K digit after the bar; REM is 5, unscored 9).
NSRR_CONCEPTS = {0: "Wake|0", 1: "Stage 1 sleep|1", 2: "Stage 2 sleep|2", 3: "Stage 3 sleep|3", 4: "REM sleep|5",
                 -1: "Unscored|9"}  # fmt: skip
WSC_CODES = {0: 0, 1: 1, 2: 2, 3: 3, 4: 5, -1: 7}
WSC_ALLSCORE_TEXT = {0: "STAGE - W", 1: "STAGE - N1", 2: "STAGE - N2", 3: "STAGE - N3", 4: "STAGE - R",
                     -1: "STAGE - NO STAGE"}  # fmt: skip


def stage_runs(stages: np.ndarray) -> list[tuple[int, int, int]]:
    """Runs of equal stages as (first epoch, number of epochs, code), the way NSRR merges scored events."""
    stages = np.asarray(stages)
    edges = np.flatnonzero(np.diff(stages)) + 1
    starts = np.r_[0, edges]
    lengths = np.diff(np.r_[starts, stages.shape[0]])
    return [(int(s), int(n), int(stages[s])) for s, n in zip(starts, lengths, strict=True)]


def _event(parent: ET.Element, etype: str, concept: str, start: float, duration: float, **extra: str) -> None:
    ev = ET.SubElement(parent, "ScoredEvent")
    ET.SubElement(ev, "EventType").text = etype
    ET.SubElement(ev, "EventConcept").text = concept
    ET.SubElement(ev, "Start").text = f"{start:g}"
    ET.SubElement(ev, "Duration").text = f"{duration:.1f}"
    for key, value in extra.items():
        ET.SubElement(ev, key).text = value


def write_nsrr_xml(
    path: str | Path,
    stages: np.ndarray,
    start: datetime,
    *,
    offset_s: float = 0.0,
    events: list[tuple[str, str, float, float]] | None = None,
    stage_events: list[tuple[float, float, int]] | None = None,
) -> Path:
    """NSRR ``annotations-events-nsrr`` XML: a Recording Start Time event, merged stage runs, other events.

    ``offset_s`` shifts every stage event (scoring that starts after the recording); ``events`` adds
    (EventType, EventConcept, start, duration) rows such as apnoeas and desaturations, as real files have.
    ``stage_events`` ((onset s, duration s, code) rows) replaces the merged runs of ``stages``: the fault corpus
    uses it for gaps, overlaps and odd durations.
    """
    root = ET.Element("PSGAnnotation")
    ET.SubElement(root, "SoftwareVersion").text = "Compumedics"
    ET.SubElement(root, "EpochLength").text = str(EPOCH_SECONDS)
    scored = ET.SubElement(root, "ScoredEvents")
    total = len(stages) * EPOCH_SECONDS
    _event(scored, "", "Recording Start Time", 0, total, ClockTime=start.strftime("00.00.00 %H.%M.%S"))
    if stage_events is None:
        stage_events = [(s * EPOCH_SECONDS, n * EPOCH_SECONDS, c) for s, n, c in stage_runs(stages)]
    rows = [("Stages|Stages", NSRR_CONCEPTS[c], offset_s + onset, dur) for onset, dur, c in stage_events]  # fmt: skip
    rows += events or []
    for etype, concept, onset, duration in sorted(rows, key=lambda r: r[2]):
        _event(scored, etype, concept, onset, duration)
    ET.indent(root)
    with atomic_path(path) as tmp:
        ET.ElementTree(root).write(tmp, encoding="UTF-8", xml_declaration=True)
    return Path(path)


def write_wsc_stg(stg_path: str | Path, log_path: str | Path, stages: np.ndarray, start: datetime) -> None:
    """WSC ``.stg.txt`` (tab-separated, epochs numbered from 1) and the ``.log.txt`` holding the start clock time."""
    lines = ["Epoch\tUser-Defined Stage\tCAST-Defined Stage"]
    lines += [f"{i}\t{WSC_CODES[int(c)]}\t{WSC_CODES[int(c)]}" for i, c in enumerate(stages, start=1)]
    write_text_atomic(stg_path, "\n".join(lines) + "\n")
    log = [f"{start:%H:%M:%S} 1\tRecording Started", f"{start + timedelta(minutes=3):%H:%M:%S} 7\tLights Out"]
    write_text_atomic(log_path, "\n".join(log) + "\n")


def write_wsc_allscore(path: str | Path, stages: np.ndarray, start: datetime) -> None:
    """WSC ``.allscore.txt``: clock-timed events, stages noted only where they change."""
    rows = [f"{start:%H:%M:%S}.000\tSTART RECORDING", f"{start:%H:%M:%S}.000\tLIGHTS OUT"]
    for s, _, code in stage_runs(stages):
        t = start + timedelta(seconds=s * EPOCH_SECONDS)
        rows.append(f"{t:%H:%M:%S}.000\t{WSC_ALLSCORE_TEXT[code]}")
    end = start + timedelta(seconds=len(stages) * EPOCH_SECONDS)
    rows.append(f"{end:%H:%M:%S}.000\tLIGHTS ON")
    write_text_atomic(path, "\n".join(rows) + "\n")
