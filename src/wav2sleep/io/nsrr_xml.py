"""NSRR ``annotations-events-nsrr`` XML (sleep stages and the recording start clock time), Compumedics Profusion
XML (NSRR's ``annotations-events-profusion``: one stage per epoch), and Philips Respironics RML (``X.rml``, as
Sleepware/Alice and Somnolyzer write it: ``Stage Type=... Start=...`` elements, each held until the next).

Parsed as XML (any layout or whitespace, with or without a default namespace). NSRR: stage events are
``ScoredEvent``s whose ``EventType`` names stages (``Stages|Stages``); the R&K digit after ``|`` in ``EventConcept``
gives the stage. Profusion (``CMPStudyConfig``): ``SleepStages`` lists one R&K digit per epoch of ``EpochLength``
seconds from the recording start. Either way S3 and S4 -> N3, and 6, 7, 9 -> unscored; another digit is an error
naming the event or epoch. RML (``PatientStudy``): the scorer's ``UserStaging`` (else ``MachineStaging``, with a
warning), AASM or R&K staging, types ``Wake``, ``NonREM1``-``NonREM4``, ``REM``, ``NotScored``; stages start at
``Start`` seconds from the recording start and the last one lasts to the session's ``Duration``; the session's
``RecordingStart`` gives the scoring's start clock.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, time
from pathlib import Path

import numpy as np

from wav2sleep.errors import InputFileError
from wav2sleep.io.stage_events import StageEvents
from wav2sleep.stages import RK_TO_AASM, UNSCORED

__all__ = ["read_nsrr_xml"]

RML_TYPES = {"wake": 0, "nonrem1": 1, "nonrem2": 2, "nonrem3": 3, "nonrem4": 3, "rem": 4, "notscored": UNSCORED}


def _seconds(path: Path, text: str | None, field: str) -> float:
    """A stage event's time field (seconds): a finite number, else an error naming ``field``."""
    text = (text or "").strip()
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not np.isfinite(value):
        raise InputFileError(path, "stage event field is not a finite number", field=field, expected="seconds",
                             found=repr(text))  # fmt: skip
    return value


def _clock(text: str | None) -> time | None:
    """``ClockTime`` like ``00.00.00 23.04.05``: the last token is the time of day."""
    if not text:
        return None
    try:
        h, m, s = (int(float(x)) for x in text.split()[-1].replace(":", ".").split(".")[:3])
        return time(h, m, s)
    except ValueError:
        return None


def read_nsrr_xml(path: str | Path) -> StageEvents:
    path = Path(path)
    try:
        if path.stat().st_size == 0:
            raise InputFileError(path, "empty file", expected="NSRR XML annotations", found="0 bytes")
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        line, col = exc.position
        raise InputFileError(path, f"malformed XML at line {line}, column {col}", found=str(exc)) from exc
    except OSError as exc:
        raise InputFileError(path, f"cannot read file ({exc.strerror or exc})") from exc
    for element in root.iter():  # a default namespace ({uri}ScoredEvent) changes no meaning here
        if isinstance(element.tag, str):
            element.tag = element.tag.rsplit("}", 1)[-1]
    epoch_list = root.find(".//SleepStages")
    if epoch_list is not None:
        return _profusion(path, root, epoch_list)
    if root.find(".//StagingData") is not None:
        return _rml(path, root)
    onsets, durations, codes, clock = [], [], [], None
    for event in root.iter("ScoredEvent"):
        concept = (event.findtext("EventConcept") or "").strip()
        if concept.lower().startswith("recording start time"):
            clock = _clock(event.findtext("ClockTime"))
            continue
        if "stage" not in (event.findtext("EventType") or "").lower():
            continue
        digit = concept.rsplit("|", 1)[-1].strip()
        if not digit.isdigit() or int(digit) not in RK_TO_AASM:
            raise InputFileError(path, "unknown stage", field="EventConcept", expected="'<name>|<0-9>'",
                                 found=repr(concept))  # fmt: skip
        onsets.append(_seconds(path, event.findtext("Start"), f"Start (stage event {len(codes)})"))
        durations.append(_seconds(path, event.findtext("Duration"), f"Duration (stage event {len(codes)})"))
        codes.append(RK_TO_AASM[int(digit)])
    if not codes:
        raise InputFileError(path, "no sleep stage events", field="ScoredEvent", expected="Stages|Stages events",
                             found="none")  # fmt: skip
    return StageEvents(path, np.array(onsets), np.array(durations), np.array(codes, dtype=np.int64), clock)


def _profusion(path: Path, root: ET.Element, epoch_list: ET.Element) -> StageEvents:
    """Profusion's epoch list: ``<EpochLength>30</EpochLength>`` and ``<SleepStages><SleepStage>2</SleepStage>...``."""
    text = (root.findtext(".//EpochLength") or "30").strip()
    try:
        epoch = float(text)
    except ValueError:
        epoch = float("nan")
    if not 0 < epoch <= 3600:
        raise InputFileError(path, "impossible epoch length", field="EpochLength", expected="seconds in (0, 3600]",
                             found=repr(text))  # fmt: skip
    digits = [(element.text or "").strip() for element in epoch_list.iter("SleepStage")]
    for i, digit in enumerate(digits):
        if not digit.isdigit() or int(digit) not in RK_TO_AASM:
            raise InputFileError(path, "unknown stage", field=f"SleepStage (epoch {i})",
                                 expected=f"one of {sorted(RK_TO_AASM)}", found=repr(digit))  # fmt: skip
    codes = np.array([RK_TO_AASM[int(d)] for d in digits], dtype=np.int64)
    return StageEvents(path, np.arange(codes.size) * epoch, np.full(codes.size, epoch), codes)


def _rml(path: Path, root: ET.Element) -> StageEvents:
    """Philips Respironics RML: ``StagingData/UserStaging/NeuroAdultAASMStaging/Stage`` (``Type``, ``Start``)."""
    warnings = []
    staging = root.find(".//StagingData/UserStaging")
    if staging is None or staging.find(".//Stage") is None:
        staging = root.find(".//StagingData/MachineStaging")
        if staging is not None and staging.find(".//Stage") is not None:
            warnings.append("no scorer's staging (UserStaging): the machine staging (MachineStaging) is used")
    # One staging: AASM where the scorer also gave R&K's (stages of both would overlap).
    blocks = [] if staging is None else [b for b in staging if b.find("Stage") is not None]
    blocks.sort(key=lambda b: "aasm" not in str(b.tag).lower())
    stages = list(blocks[0].iter("Stage")) if blocks else []
    if not stages:
        raise InputFileError(path, "no sleep stage events", field="StagingData", expected="Stage elements",
                             found="none")  # fmt: skip
    onsets, codes = [], []
    for i, stage in enumerate(stages):
        kind = (stage.get("Type") or "").strip()
        if kind.lower() not in RML_TYPES:
            raise InputFileError(path, "unknown stage", field=f"Stage {i} Type", expected=", ".join(RML_TYPES),
                                 found=repr(kind))  # fmt: skip
        onsets.append(_seconds(path, stage.get("Start"), f"Stage {i} Start"))
        codes.append(RML_TYPES[kind.lower()])
    order = np.argsort(onsets, kind="stable")
    onsets_array, codes_array = np.array(onsets)[order], np.array(codes, dtype=np.int64)[order]
    end = _session_seconds(root.findtext(".//Session/Duration"))
    last = end - onsets_array[-1] if end is not None and end > onsets_array[-1] else 30.0
    durations = np.r_[np.diff(onsets_array), last]
    start = _session_start(root.findtext(".//Session/RecordingStart"), warnings)
    return StageEvents(path, onsets_array, durations, codes_array, start, warnings)


def _session_seconds(text: str | None) -> float | None:
    try:
        value = float((text or "").strip())
    except ValueError:
        return None
    return value if np.isfinite(value) else None


def _session_start(text: str | None, warnings: list[str]) -> time | None:
    """``RecordingStart`` (ISO date-time): its time of day. Metadata: unreadable is a warning."""
    if not text or not text.strip():
        return None
    try:
        return datetime.fromisoformat(text.strip()).time().replace(tzinfo=None)
    except ValueError:
        warnings.append(f"RecordingStart {text.strip()[:40]!r} unreadable; stages assumed to start with the recording")
        return None
