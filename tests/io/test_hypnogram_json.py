"""Hypnograms as JSON: Fitbit's sleep logs (a wearable's 4-class scoring) and our own, read as references."""

import json
from datetime import datetime

import numpy as np
import pytest

from wav2sleep.errors import InputFileError
from wav2sleep.hypnogram import Hypnogram
from wav2sleep.io.annotations import read_annotation
from wav2sleep.stages import LIGHT


def fitbit_log(runs: list[tuple[str, str, int]], kind: str = "stages", day: str = "2020-02-21") -> dict:
    """A sleep log as Fitbit's Web API and Google Takeout give it (runs: dateTime, level, seconds)."""
    data = [{"dateTime": t, "level": level, "seconds": s} for t, level, s in runs]
    return {"dateOfSleep": day, "isMainSleep": True, "logId": 26013218219, "startTime": runs[0][0], "type": kind,
            "levels": {"data": data, "shortData": [{"dateTime": runs[1][0], "level": "wake", "seconds": 60}],
                       "summary": {}}}  # fmt: skip


RUNS = [("2020-02-20T23:21:30.000", "wake", 630), ("2020-02-20T23:32:00.000", "light", 1800),
        ("2020-02-21T00:02:00.000", "deep", 1200), ("2020-02-21T00:22:00.000", "rem", 1770)]  # fmt: skip


def test_a_fitbit_night_is_a_4_class_scoring_with_its_short_wakes_aligned_by_its_clock_across_midnight(tmp_path):
    path = tmp_path / "sleep-2020-02-21.json"
    path.write_text(json.dumps([fitbit_log(RUNS)]))  # Google Takeout: a list of logs
    events = read_annotation(path)
    # 21 epochs awake, then light sleep interrupted by a 60-s wake (shortData) at its start, deep, REM.
    expected = [0] * 21 + [0] * 2 + [LIGHT] * 58 + [3] * 40 + [4] * 59
    assert events.codes.tolist() == expected and str(events.start_clock) == "23:21:30"
    # A recording from 23:00: the log starts 1290 s (43 epochs) in; light sleep makes it a 4-class hypnogram.
    scored = Hypnogram.from_annotation(path, 180, datetime(2020, 2, 20, 23, 0))
    assert scored.num_classes == 4 and scored.stages[42:44] == ["?", "W"]
    assert scored.stages[43:] == ["W"] * 23 + ["Light"] * 58 + ["Deep"] * 40 + ["REM"] * 16  # cut at the end
    (tmp_path / "api.json").write_text(json.dumps({"sleep": [fitbit_log(RUNS)], "summary": {}}))  # the Web API
    np.testing.assert_array_equal(read_annotation(tmp_path / "api.json").codes, events.codes)


@pytest.mark.parametrize(
    "doc, message",
    [([fitbit_log(RUNS), fitbit_log(RUNS, day="2020-02-22")], r"not one staged night.*found 2 \(2020-02-21, 2020-02-22\)"),
     ([fitbit_log(RUNS, kind="classic")], "not one staged night.*none of 1 logs"),
     ([fitbit_log([RUNS[0], (RUNS[1][0], "restless", 60)])], r"\[levels.data\[1\]\]: unknown sleep level"),
     ([fitbit_log([RUNS[0], (RUNS[1][0], "light", -5)])], r"\[levels.data\[1\]\]: unreadable run time or length"),
     ([fitbit_log([RUNS[0], ("9999-01-01T00:00:00", "light", 30)])], r"\[levels\]: impossible night"),
     ({"stages": ["W", "N9"], "epoch_seconds": 30}, r"\[stages\]: unknown stage label 'N9'"),
     ({"stages": ["W"], "epoch_seconds": 20}, r"\[epoch_seconds\]: epochs are not 30 s")],
)  # fmt: skip
def test_json_that_is_not_one_night_of_stages_is_refused_naming_the_field(tmp_path, doc, message):
    path = tmp_path / "h.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputFileError, match=message):
        read_annotation(path)


def test_broken_json_names_the_line_and_column(tmp_path):
    path = tmp_path / "h.json"
    path.write_text('{"stages": ["W",\n  "N2" "N3"]}')
    with pytest.raises(InputFileError, match=r"h.json \[line 2, column 8\]: not valid JSON"):
        read_annotation(path)
    path.write_text("[" * 100_000)
    with pytest.raises(InputFileError, match="h.json: not valid JSON"):
        read_annotation(path)
