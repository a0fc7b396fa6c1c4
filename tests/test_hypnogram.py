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
    assert s["SME"] == pytest.approx(100 * 4.0 / 4.5)
    assert s["Lat_REM_from_start"] == 4.5  # epoch 9 from the start (YASA's Lat_REM)
    assert np.isnan(s["Lat_5min"])  # never 10 consecutive sleep epochs
    assert s["SFI"] == pytest.approx(4 / (4.0 / 60))  # N1>N2, N2>W, W>N3, N3>REM in the SPT, per hour of TST


def test_persistent_sleep_and_four_classes():
    codes = [0] * 4 + [1] * 25 + [3] * 5
    s = Hypnogram(codes, 4).sleep_statistics()
    assert (
        s["Lat_5min"] == 2.0 and s["LPS"] == 2.0 and s["Light"] == 12.5 and s["%REM"] == pytest.approx(100 * 2.5 / 15)
    )
    assert Hypnogram.from_labels(["W", "N1", "N2", "N3", "R", "MT"], 4).codes.tolist() == [0, 1, 1, 2, 3, -1]


def test_no_sleep_at_all():
    s = Hypnogram([0, 0, -1], 5).sleep_statistics()
    assert s["TST"] == 0 and np.isnan(s["SOL"]) and s["SE"] == 0
    for undefined in ("SPT", "WASO", "SME", "SFI", "Lat_REM", "Lat_REM_from_start", "Lat_5min", "%N1", "%REM"):
        assert np.isnan(s[undefined]), undefined


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


@pytest.mark.parametrize("num_classes", [4, 5])
def test_every_export_reads_back_into_the_same_hypnogram(tmp_path, num_classes):
    import json

    rng = np.random.default_rng(num_classes)
    codes = rng.integers(0, num_classes, 40)
    codes[[5, 6, 30]] = -1
    probs = rng.dirichlet(np.ones(num_classes), 40)
    probs[[5, 6, 30]] = np.nan  # gated epochs have no probabilities
    hyp = Hypnogram(codes, num_classes, start=datetime(2021, 3, 4, 22, 15, 30), probabilities=probs, scorer="me")
    hyp.to_json(tmp_path / "h.json")
    back = Hypnogram.from_json(tmp_path / "h.json")
    assert Hypnogram.from_json(hyp.to_json()).codes.tolist() == codes.tolist()  # from the text itself too
    assert back.codes.tolist() == codes.tolist() and back.start == hyp.start and back.num_classes == num_classes
    np.testing.assert_allclose(back.probabilities, probs, atol=1e-4)  # rounded to 4 decimals, NaN kept
    csv_back = Hypnogram.from_csv(hyp.to_csv(tmp_path / "h.csv"))
    assert csv_back.codes.tolist() == codes.tolist() and csv_back.start == hyp.start
    np.testing.assert_allclose(csv_back.probabilities, probs, atol=1e-4)
    bids = hyp.to_bids_events(tmp_path / "sub-01_task-sleep_events.tsv")
    assert Hypnogram.from_bids(bids).codes.tolist() == codes.tolist()
    sidecar = json.loads((tmp_path / "sub-01_task-sleep_events.json").read_text())
    assert sidecar["onset"]["Units"] == "s" and "?" in sidecar["stage"]["Levels"]
    bep = hyp.to_bids_hypnogram(tmp_path / "sub-01_task-sleep_hypnogram.tsv")
    bep_back = Hypnogram.from_bids(bep)
    assert bep_back.codes.tolist() == codes.tolist() and bep_back.scorer == "me"
    rows = [line.split("\t") for line in bep.read_text().splitlines()]
    assert rows[0] == ["onset", "duration", "stage", "scorer", "confidence"] and len(rows) == 41  # one per epoch
    assert rows[6][2] == "n/a" and rows[6][4] == "n/a"  # epoch 5: unscored, no confidence
    assert float(rows[1][4]) == pytest.approx(probs[0].max(), abs=1e-4) and rows[1][2] in ("Wake", *hyp.labels)
    bep_sidecar = json.loads((tmp_path / "sub-01_task-sleep_hypnogram.json").read_text())
    assert bep_sidecar["ScoringMethod"] == "automatic" and "Wake" in bep_sidecar["stage"]["Levels"]
    edf_back = Hypnogram.from_edf(hyp.to_edf_annotations(tmp_path / "h.edf"))
    assert edf_back.codes.tolist() == codes.tolist() and edf_back.start == hyp.start
    assert edf_back.num_classes == num_classes


def test_scorers_files_read_as_hypnograms(tmp_path):
    from wav2sleep.synth.annotations import write_nsrr_xml

    stages = np.array([0, 0, 1, 2, 2, 3, 4, 4, 0])
    write_nsrr_xml(tmp_path / "x-nsrr.xml", stages, datetime(2020, 1, 1, 22))
    assert Hypnogram.from_annotation(tmp_path / "x-nsrr.xml").codes.tolist() == stages.tolist()
    (tmp_path / "x.hypnogram.csv").write_text("stage\nW\nN1\nN2\n?\nREM\n")
    assert Hypnogram.from_annotation(tmp_path / "x.hypnogram.csv").codes.tolist() == [0, 1, 2, -1, 4]


def test_editing_and_inspecting_like_yasa():
    hyp = Hypnogram(CODES, 5, start=datetime(2020, 1, 1, 23, 0), probabilities=np.full((13, 5), 0.2))
    tail = hyp.crop(-4)
    assert tail.codes.tolist() == [4, 4, -1, 0] and tail.start == datetime(2020, 1, 1, 23, 4, 30)
    assert hyp.crop(2, -8).stages == ["N1", "N2", "N2"]
    with pytest.raises(ConfigError, match="empty"):
        hyp.crop(5, 5)
    with pytest.raises(ConfigError, match="empty"):
        hyp.crop(-2, 3)
    timed = hyp.crop_time(datetime(2020, 1, 1, 23, 1), datetime(2020, 1, 1, 23, 2, 30))
    assert timed.codes.tolist() == [1, 2, 2] and hyp.crop_time(60, 150).codes.tolist() == [1, 2, 2]
    padded = hyp.pad(2, 1)
    assert (
        padded.n_epochs == 16 and padded.codes[:2].tolist() == [-1, -1] and padded.start == datetime(2020, 1, 1, 22, 59)
    )
    assert np.isnan(padded.probabilities[0]).all() and padded.sleep_statistics()["TST"] == 4.0
    copy = hyp.copy()
    copy.codes[0] = 4
    assert hyp.codes[0] == 0  # a real copy
    assert hyp.upsample(1).shape == (13 * 30,) and hyp.upsample(1)[30 * 2] == 1
    with pytest.raises(ConfigError, match="whole number of samples"):
        hyp.upsample(0.01)
    assert hyp.as_int().tolist() == CODES
    events = hyp.as_events()
    assert events.iloc[0].to_dict() == {"onset": 0, "duration": 60, "stage": "W", "description": "Sleep stage W"}
    assert list(hyp.proba.columns) == ["W", "N1", "N2", "N3", "REM"] and hyp.proba.index[1] == datetime(
        2020, 1, 1, 23, 0, 30
    )
    counts, probs = hyp.transition_matrix()
    assert counts.loc["N2", "W"] == 1 and counts.loc["N2", "N2"] == 2 and counts.values.sum() == 10
    assert probs.loc["N2"].sum() == pytest.approx(1.0)
    periods = hyp.find_periods(min_epochs=2)
    assert periods["stage"].tolist() == ["W", "N2", "N3", "REM"] and periods["minutes"].tolist() == [1.0, 1.5, 1.0, 1.0]
    ax = hyp.plot()
    assert ax.get_xlabel() == ""  # the hypnodensity below carries the time axis


def test_edf_annotations_one_per_epoch_read_back_the_same(tmp_path):
    hyp = Hypnogram(CODES, 5, start=datetime(2020, 1, 1, 23, 0))
    edf = edfio.read_edf(hyp.to_edf_annotations(tmp_path / "e.edf", per_epoch=True))
    assert len(edf.annotations) == len(CODES) and all(a.duration == 30 for a in edf.annotations)
    assert Hypnogram.from_edf(tmp_path / "e.edf").codes.tolist() == CODES


def test_outputs_get_bids_entity_names():
    from wav2sleep.inference.report import bids_name

    assert bids_name("sub-01_ses-2_task-sleep_eeg", "events") == "sub-01_ses-2_task-sleep_events.tsv"
    assert bids_name("sub-A7_task-psg", "hypnogram") == "sub-A7_task-psg_hypnogram.tsv"
    assert bids_name("shhs1-200001", "events") == "sub-shhs1200001_task-sleep_events.tsv"  # not BIDS-named
    assert bids_name("night 3", "hypnogram") == "sub-night3_task-sleep_hypnogram.tsv"
