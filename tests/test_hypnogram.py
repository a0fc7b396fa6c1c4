from datetime import datetime

import edfio
import numpy as np
import pytest

from wav2sleep.errors import ConfigError
from wav2sleep.hypnogram import Hypnogram

# 2 W, 1 N1, 3 N2, 1 W, 2 N3, 2 REM, 1 unscored, 1 W  (30-s epochs)
CODES = [0, 0, 1, 2, 2, 2, 0, 3, 3, 4, 4, -1, 0]


def test_statistics_on_a_hand_made_night():
    s = Hypnogram(CODES, 5, start=datetime(2020, 1, 1, 23, 0)).sleep_statistics()
    assert s["TIB"] == 6.5 and s["Unscored"] == 0.5
    assert s["SOL"] == 1.0  # two wake epochs before the first N1
    assert s["SPT"] == 4.5  # epochs 2..10
    assert s["TST"] == 4.0 and s["WASO"] == 0.5 and s["Awakenings"] == 1
    assert s["SE"] == pytest.approx(100 * 4.0 / 6.5)
    assert s["Lat_REM"] == 3.5  # epoch 9 - epoch 2
    assert (s["W"], s["N1"], s["N2"], s["N3"], s["REM"]) == (2.0, 0.5, 1.5, 1.0, 1.0)
    assert s["%N2"] == pytest.approx(37.5)
    assert np.isnan(s["LPS"])  # never 10 minutes of continuous sleep
    assert s["Transitions"] == 6


def test_persistent_sleep_and_four_classes():
    codes = [0] * 4 + [1] * 25 + [3] * 5
    s = Hypnogram(codes, 4).sleep_statistics()
    assert s["LPS"] == 2.0 and s["Light"] == 12.5 and s["%REM"] == pytest.approx(100 * 2.5 / 15)
    assert Hypnogram.from_labels(["W", "N1", "N2", "N3", "R", "MT"], 4).codes.tolist() == [0, 1, 1, 2, 3, -1]


def test_no_sleep_at_all():
    s = Hypnogram([0, 0, -1], 5).sleep_statistics()
    assert s["TST"] == 0 and np.isnan(s["SOL"]) and s["SE"] == 0


def test_exports_anchor_to_the_recording_start(tmp_path):
    probs = np.full((len(CODES), 5), 0.2)
    hyp = Hypnogram(CODES, 5, start=datetime(2020, 1, 1, 23, 0), probabilities=probs)
    csv = hyp.to_csv(tmp_path / "h.csv").read_text().splitlines()
    assert csv[0] == "onset,seconds,stage,p_W,p_N1,p_N2,p_N3,p_REM"
    assert csv[3].startswith("2020-01-01T23:01:00,60,N1,0.2000")
    tsv = hyp.to_bids_events(tmp_path / "e.tsv").read_text().splitlines()
    assert tsv[0] == "onset\tduration\ttrial_type\tstage" and tsv[1] == "0\t60\tsleep_stage_W\tW"
    edf = edfio.read_edf(hyp.to_edf_annotations(tmp_path / "a.edf"))
    ann = edf.annotations
    assert edf.startdatetime == datetime(2020, 1, 1, 23, 0)
    assert (ann[1].onset, ann[1].duration, ann[1].text) == (60, 30, "Sleep stage 1")
    assert {a.text for a in ann} <= {"Sleep stage W", "Sleep stage 1", "Sleep stage 2", "Sleep stage 3",
                                     "Sleep stage R", "Sleep stage ?"}  # fmt: skip
    assert '"stages": [' in hyp.to_json()


def test_json_is_strict_json_even_where_statistics_are_undefined(tmp_path):
    import json

    hyp = Hypnogram([0, 0, -1, 0], 4, probabilities=np.full((4, 4), 0.25))  # no sleep: latencies undefined
    text = hyp.to_json(tmp_path / "h.json")
    assert "NaN" not in text and "Infinity" not in text
    doc = json.loads(text, parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"))
    assert doc["statistics"]["SOL"] is None and doc["statistics"]["TST"] == 0
    edf = edfio.read_edf(hyp.to_edf_annotations(tmp_path / "a.edf"))
    assert [a.text for a in edf.annotations] == ["Sleep stage W", "Sleep stage ?", "Sleep stage W"]
    assert Hypnogram([1, 2], 4).to_edf_annotations(tmp_path / "b.edf") and [
        a.text for a in edfio.read_edf(tmp_path / "b.edf").annotations] == ["Sleep stage 1/2", "Sleep stage 3"]  # fmt: skip


def test_crop_and_repr():
    hyp = Hypnogram(CODES, 5, start=datetime(2020, 1, 1, 23, 0))
    part = hyp.crop(2, 6)
    assert part.stages == ["N1", "N2", "N2", "N2"] and part.start == datetime(2020, 1, 1, 23, 1)
    assert repr(hyp) == "<Hypnogram: 13 epochs x 30 s (0.11 h), 5 classes, start 2020-01-01 23:00:00>"


def test_invalid_input():
    with pytest.raises(ConfigError, match="stage codes"):
        Hypnogram([0, 5], 5)
    with pytest.raises(ConfigError, match="probabilities must have shape"):
        Hypnogram([0, 1], 5, probabilities=np.zeros((2, 4)))
    with pytest.raises(ConfigError, match="no probabilities"):
        Hypnogram([0, 1], 5).plot_hypnodensity(None)
