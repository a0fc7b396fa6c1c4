"""Beat intervals from ECG: detected beats against the synthetic ECG's true beats, the IBI grid, channel picking."""

import numpy as np
import pytest

from wav2sleep.heartbeats import RATE_HZ, beats_from_grid, detect_beats, ibi_from_ecg, intervals_on_grid
from wav2sleep.signals import pick_channel
from wav2sleep.synth import simulate_night

R_PEAK_S = 0.25  # the synthetic ECG template peaks 0.25 s after its beat time


@pytest.mark.parametrize("seed", [2, 16])  # 16: a subject with an inverted ECG
def test_detected_beats_match_the_true_ones(seed):
    night = simulate_night(seed, 1.0, has_ppg=False, eog=False, rates={"ECG": 200.0, "ABD": 1.0, "THX": 1.0})
    ecg, fs = night.waveforms["ECG"]
    found, truth = detect_beats(ecg, fs), night.beat_times + R_PEAK_S
    nearest = np.abs(truth[np.clip(np.searchsorted(truth, found), 1, truth.size - 1) - [[0], [1]]] - found).min(0)
    precision = (nearest < 0.05).mean()
    recall = (nearest < 0.05).sum() / truth[truth < ecg.size / fs - 1].size
    assert precision > 0.99 and recall > 0.99


def test_ibi_from_ecg_follows_the_true_intervals():
    night = simulate_night(4, 1.0, has_ppg=False, eog=False, rates={"ECG": 256.0, "ABD": 1.0, "THX": 1.0})
    ecg, fs = night.waveforms["ECG"]
    x, warnings = ibi_from_ecg(ecg, fs, "EKG")
    true_rr, _ = intervals_on_grid(night.beat_times[1:], np.diff(night.beat_times), ecg.size / fs, "truth")
    assert x.shape == (int(3600 * RATE_HZ),) and x.dtype == np.float32 and "beats detected" in warnings[0]
    assert np.median(np.abs(x - true_rr)) < 0.01  # within 10 ms on most of the grid
    flat, warnings = ibi_from_ecg(np.zeros(int(600 * fs)), fs, "EKG")
    assert np.isnan(flat).all() and "no beat intervals" in warnings[0]


def test_gaps_are_filled_with_the_median_and_reported():
    ends = np.r_[np.arange(1, 100, 1.0), np.arange(150, 200, 1.0)]  # no beat between 99 s and 150 s
    x, warnings = intervals_on_grid(ends, np.ones(ends.size), 200.0, "RR")
    assert np.allclose(x, 1.0) and "(51 s)" in warnings[0]


def test_ibi_picks_a_beat_channel_before_an_ecg():
    assert pick_channel(["EKG", "RR"], "IBI") == "RR"
    assert pick_channel(["EEG", "EKG"], "IBI") == "EKG"
    assert pick_channel(["EEG", "Thor"], "IBI") is None


def test_detector_on_a_real_ecg_against_expert_beat_annotations(shared_data):
    """MIT-BIH Arrhythmia record 100 (30 min, lead MLII): detected R peaks against the cardiologists' beats."""
    import wfdb

    record = str(shared_data / "wfdb_excerpts" / "100")
    signal = wfdb.rdrecord(record, channel_names=["MLII"])
    annotation = wfdb.rdann(record, "atr")
    beat_symbols = set("NLRBAaJSVrFejnE/fQ?")
    truth = np.array([s for s, c in zip(annotation.sample, annotation.symbol, strict=True) if c in beat_symbols])
    truth = truth / signal.fs
    found = detect_beats(signal.p_signal[:, 0], signal.fs)
    nearest = np.abs(truth[np.clip(np.searchsorted(truth, found), 1, truth.size - 1) - [[0], [1]]] - found).min(0)
    matched = (nearest < 0.1).sum()
    assert matched / found.size > 0.99 and matched / truth.size > 0.99


def test_ingesting_ibi_from_real_ecgs(shared_data, tmp_path):
    import shutil

    from wav2sleep.ingest.runner import ingest_folder
    from wav2sleep.store import read_manifest, read_night

    shutil.copytree(shared_data / "wfdb_excerpts", tmp_path / "excerpts")
    summary = ingest_folder(tmp_path / "excerpts", tmp_path / "store", signals="ECG,IBI", workers=1, progress=False)
    assert summary.failed == 0
    for row in read_manifest(tmp_path / "store"):
        night = read_night(tmp_path / "store" / row["path"])
        meta = night.meta["signals"]["IBI"]
        assert meta["derived_from"] == "ECG" and meta["channel"] == night.meta["signals"]["ECG"]["channel"]
        ibi = night.signals["IBI"]
        assert ibi.shape == (night.n_epochs * 256,) and 0.4 < np.median(ibi) < 1.5, row["session"]


def test_beats_rebuilt_from_the_grid_follow_the_true_beats():
    rng = np.random.default_rng(3)
    beats = np.cumsum(np.r_[0.0, 0.9 + 0.1 * np.sin(np.arange(3000) / 40) + 0.02 * rng.standard_normal(3000)])
    grid, _ = intervals_on_grid(beats[1:], np.diff(beats), beats[-1], "RR")
    rebuilt = beats_from_grid(grid, RATE_HZ)
    assert rebuilt[0] == 0.0 and abs(rebuilt.size - beats.size) <= 2
    # Each rebuilt interval is the grid's interval where the beat ends: within 30 ms of the true interval.
    n = min(rebuilt.size, beats.size) - 1
    assert np.median(np.abs(np.diff(rebuilt)[:n] - np.diff(beats)[:n])) < 0.03
    assert np.abs(rebuilt[-1] - beats[-1]) < 2.0  # no drift over 45 min


def test_beats_from_a_grid_with_missing_or_impossible_values():
    grid = np.full(int(600 * RATE_HZ), 1.0, dtype=np.float32)
    grid[100:900] = np.nan  # missing intervals count as the median (1 s); zeros would never advance
    grid[2000:2100] = 0.0
    beats = beats_from_grid(grid, RATE_HZ)
    assert np.allclose(np.diff(beats), 1.0) and beats.size == 600
    assert beats_from_grid(np.full(1000, np.nan), RATE_HZ).size == 0
    assert beats_from_grid(np.zeros(1000), RATE_HZ).size == 0
    tiny = np.full(int(600 * RATE_HZ), 1.0, dtype=np.float32)
    tiny[5000:6000] = 1e-9  # a wrong unit in a stretch: a step per interval would take 10^11 steps
    assert np.allclose(np.diff(beats_from_grid(tiny, RATE_HZ)), 1.0)


def test_an_ecg_that_is_noise_is_called_unreliable():
    rng = np.random.default_rng(0)
    x, warnings = ibi_from_ecg(rng.standard_normal(256 * 600), 256.0, "EKG")
    assert any("outside 0.3-2.0 s" in w and "unreliable" in w for w in warnings)
    night = simulate_night(4, 0.25, has_ppg=False, eog=False, rates={"ECG": 256.0, "ABD": 1.0, "THX": 1.0})
    _, clean = ibi_from_ecg(*night.waveforms["ECG"], "EKG")
    assert not any("unreliable" in w for w in clean)
