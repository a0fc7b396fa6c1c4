"""Hypnograms as JSON, in two shapes:

- ``wav2sleep stage``'s own ``X.hypnogram.json``: ``start``, ``epoch_seconds`` (30) and ``stages``, a label per
  epoch (``W``, ``N1`` ... or ``Light``, ``Deep``; ``?`` unscored);
- **Fitbit sleep logs** (the Web API's ``{"sleep": [...]}`` and Google Takeout's ``sleep-YYYY-MM-DD.json``, a list
  of logs): a log of ``"type": "stages"`` holds runs in ``levels.data`` (``dateTime`` in local time, ``level`` wake,
  light, deep or rem, ``seconds``), a 4-class scoring (light sleep: N1 and N2 together). Only the ``data`` runs are
  read: Fitbit's ``shortData`` (wakes of 3 min or less inside them) would overlap them. A file must hold one such
  log (one night): the log is chosen by the recording only through its clock, which is a time of day.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import numpy as np

from wav2sleep.errors import InputFileError
from wav2sleep.io.stage_events import StageEvents, clock_seconds
from wav2sleep.io.text import size_within, text_lines
from wav2sleep.signals import EPOCH_SECONDS
from wav2sleep.stages import LIGHT, labels_to_codes

__all__ = ["read_hypnogram_json"]

FITBIT_LEVELS = {"wake": 0, "light": LIGHT, "deep": 3, "rem": 4}
MAX_BYTES = 64 * 1024 * 1024  # a year of Fitbit logs is a few MB; beyond this it is no hypnogram


def read_hypnogram_json(path: str | Path) -> StageEvents:
    path = Path(path)
    size_within(path, MAX_BYTES, "a hypnogram", "file too large for a hypnogram")
    try:
        doc = json.loads("\n".join(text_lines(path, "a hypnogram (JSON)")))
    except json.JSONDecodeError as exc:
        raise InputFileError(
            path, f"not valid JSON ({exc.msg})", field=f"line {exc.lineno}, column {exc.colno}"
        ) from None
    except RecursionError:
        raise InputFileError(path, "not valid JSON (nested too deeply)") from None
    if isinstance(doc, dict) and isinstance(doc.get("stages"), list):
        return _ours(path, doc)
    logs = doc.get("sleep") if isinstance(doc, dict) and "sleep" in doc else doc if isinstance(doc, list) else [doc]
    if not isinstance(logs, list) or not all(isinstance(log, dict) for log in logs):
        raise InputFileError(path, "no hypnogram", expected="wav2sleep's hypnogram JSON or Fitbit sleep logs",
                             found=type(doc).__name__)  # fmt: skip
    staged = [log for log in logs if log.get("type") == "stages"]
    if len(staged) != 1:
        nights = ", ".join(str(log.get("dateOfSleep", "?")) for log in staged[:5])
        raise InputFileError(path, "not one staged night", field="sleep logs",
                             expected='one log of "type": "stages" (a file per night)',
                             found=f"{len(staged)} ({nights})" if staged else f"none of {len(logs)} logs")  # fmt: skip
    return _fitbit(path, staged[0])


def _ours(path: Path, doc: dict) -> StageEvents:
    if doc.get("epoch_seconds", EPOCH_SECONDS) != EPOCH_SECONDS:
        raise InputFileError(path, "epochs are not 30 s", field="epoch_seconds", expected=str(EPOCH_SECONDS),
                             found=repr(doc.get("epoch_seconds")))  # fmt: skip
    try:
        codes = labels_to_codes([str(s) for s in doc["stages"]]).astype(np.int64)
    except ValueError as exc:
        raise InputFileError(path, str(exc), field="stages") from None
    if not codes.size:
        raise InputFileError(path, "no stages", field="stages", expected="a stage per 30-s epoch", found="none")
    start = None
    if doc.get("start"):
        try:
            start = datetime.fromisoformat(str(doc["start"])).time()
        except ValueError:  # metadata: the stages still count from the recording start
            start = None
    onsets = np.arange(codes.size, dtype=float) * EPOCH_SECONDS
    return StageEvents(path, onsets, np.full(codes.size, float(EPOCH_SECONDS)), codes, start)


def _fitbit(path: Path, log: dict) -> StageEvents:
    runs = (log.get("levels") or {}).get("data") if isinstance(log.get("levels"), dict) else None
    if not isinstance(runs, list) or not runs:
        raise InputFileError(path, "no stage runs", field="levels.data", expected="runs of wake, light, deep, rem",
                             found="none")  # fmt: skip
    moments, durations, codes = [], [], []
    for i, run in enumerate(runs):
        where = f"levels.data[{i}]"
        if not isinstance(run, dict):
            raise InputFileError(path, "not a stage run", field=where, expected="an object", found=repr(run)[:40])
        level = str(run.get("level", "")).lower()
        if level not in FITBIT_LEVELS:
            raise InputFileError(path, "unknown sleep level", field=where, expected=", ".join(FITBIT_LEVELS),
                                 found=repr(level[:40]))  # fmt: skip
        try:
            moments.append(datetime.fromisoformat(str(run["dateTime"])).replace(tzinfo=None))
            seconds = float(run["seconds"])
            if not np.isfinite(seconds) or seconds < 0:
                raise ValueError(seconds)
        except (KeyError, ValueError, TypeError):
            raise InputFileError(path, "unreadable run time or length", field=where,
                                 expected="dateTime (ISO) and seconds >= 0",
                                 found=repr({k: run.get(k) for k in ("dateTime", "seconds")})[:80]) from None  # fmt: skip
        durations.append(seconds)
        codes.append(FITBIT_LEVELS[level])
    order = sorted(range(len(moments)), key=moments.__getitem__)  # the runs in time order (dates and all)
    moments = [moments[k] for k in order]
    return StageEvents(path, clock_seconds(moments), np.array(durations)[order], np.array(codes, np.int64)[order],
                       moments[0].time())  # fmt: skip
