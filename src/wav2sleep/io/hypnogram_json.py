"""Hypnograms as JSON, in two shapes:

- ``wav2sleep stage``'s own ``X.hypnogram.json``: ``start``, ``epoch_seconds`` (30) and ``stages``, a label per
  epoch (``W``, ``N1`` ... or ``Light``, ``Deep``; ``?`` unscored);
- **Fitbit sleep logs** (the Web API's ``{"sleep": [...]}`` and Google Takeout's ``sleep-YYYY-MM-DD.json``, a list
  of logs): a log of ``"type": "stages"`` holds runs in ``levels.data`` (``dateTime`` in local time, ``level`` wake,
  light, deep or rem, ``seconds``), a 4-class scoring (light sleep: N1 and N2 together); ``shortData``'s short
  wakes (3 min or less) lie over the runs they interrupt, as Fitbit's app draws the night. A file must hold one
  such log (one night): a recording aligns a scoring by its time of day only, so it cannot pick among nights.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import numpy as np

from wav2sleep.errors import InputFileError
from wav2sleep.io.recording import MAX_DURATION_S
from wav2sleep.io.stage_events import StageEvents
from wav2sleep.io.text import size_within, text_lines
from wav2sleep.signals import EPOCH_SECONDS
from wav2sleep.stages import LIGHT, UNSCORED, labels_to_codes

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
    """The log's runs on 30-s epochs from its first, with its ``shortData`` wakes over the runs they interrupt, as
    Fitbit's app draws the night."""
    levels = log.get("levels") if isinstance(log.get("levels"), dict) else {}
    runs = _runs(path, levels.get("data"), "levels.data")
    if not runs:
        raise InputFileError(path, "no stage runs", field="levels.data", expected="runs of wake, light, deep, rem",
                             found="none")  # fmt: skip
    short = _runs(path, levels.get("shortData") or [], "levels.shortData")
    first = min(moment for moment, _, _ in runs)
    offsets = [((moment - first).total_seconds(), seconds, code) for moment, seconds, code in runs + short]
    end = max(offset + seconds for offset, seconds, _ in offsets)
    if min(offset for offset, _, _ in offsets) < 0 or end > MAX_DURATION_S:  # checked before the epochs exist
        raise InputFileError(path, "impossible night", field="levels", expected="runs within 7 days of the first",
                             found=f"{end:g} s")  # fmt: skip
    codes = np.full(int(np.ceil(end / EPOCH_SECONDS)), UNSCORED, dtype=np.int64)
    for offset, seconds, code in offsets:  # the runs, then the short wakes over them
        at = round(offset / EPOCH_SECONDS)
        codes[at : at + round(seconds / EPOCH_SECONDS)] = code
    onsets = np.arange(codes.size, dtype=float) * EPOCH_SECONDS
    return StageEvents(path, onsets, np.full(codes.size, float(EPOCH_SECONDS)), codes, first.time())


def _runs(path: Path, runs, field: str) -> list[tuple[datetime, float, int]]:
    """(start, seconds, stage) of each run in ``field`` (``levels.data`` or ``levels.shortData``)."""
    if not isinstance(runs, list):
        raise InputFileError(path, "not a list of runs", field=field, expected="a list", found=type(runs).__name__)
    out = []
    for i, run in enumerate(runs):
        where = f"{field}[{i}]"
        if not isinstance(run, dict):
            raise InputFileError(path, "not a stage run", field=where, expected="an object", found=repr(run)[:40])
        level = str(run.get("level", "")).lower()
        if level not in FITBIT_LEVELS:
            raise InputFileError(path, "unknown sleep level", field=where, expected=", ".join(FITBIT_LEVELS),
                                 found=repr(level[:40]))  # fmt: skip
        try:
            moment = datetime.fromisoformat(str(run["dateTime"])).replace(tzinfo=None)
            seconds = float(run["seconds"])
            if not 0 <= seconds <= MAX_DURATION_S:
                raise ValueError(seconds)
        except (KeyError, ValueError, TypeError):
            found = repr({k: run.get(k) for k in ("dateTime", "seconds")})[:80]
            raise InputFileError(path, "unreadable run time or length", field=where,
                                 expected="dateTime (ISO) and seconds >= 0", found=found) from None  # fmt: skip
        out.append((moment, seconds, FITBIT_LEVELS[level]))
    return out
