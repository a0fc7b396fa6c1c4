"""The HRV-feature baseline's features on beat series whose HRV is known, and its classifiers."""

import numpy as np
import pytest

from wav2sleep.baselines.hrv import FEATURES, feature_names, hrv_features, make_classifier

NAMES = feature_names()


def _beats(intervals: np.ndarray) -> np.ndarray:
    return np.concatenate([[0.0], np.cumsum(intervals)])


def _column(x: np.ndarray, name: str) -> np.ndarray:
    return x[:, NAMES.index(name)]


def test_twenty_eight_features_in_the_documented_windows():
    assert len(NAMES) == 28 == sum(len(v) for v in FEATURES.values())
    assert "VLF_51min" in NAMES and "HF_5min" in NAMES and "meanHR_30s" in NAMES


def test_a_steady_heart_has_its_rate_and_no_variability():
    x = hrv_features(_beats(np.full(3600, 1.0)), 100, zscore=False)  # 60 bpm for an hour
    assert np.allclose(_column(x, "meanNN_30s"), 1.0) and np.allclose(_column(x, "meanHR_30s"), 60.0)
    for name in ("SDNN_30s", "RMSSD_30s", "pNN50_30s", "rangeNN_30s", "SDNN_5min", "RMSSD_10min"):
        assert np.allclose(_column(x, name), 0.0), name


def test_alternating_intervals_give_their_rmssd_and_pnn50():
    intervals = np.tile([0.9, 1.1], 1800)  # successive differences all 200 ms
    x = hrv_features(_beats(intervals), 100, zscore=False)
    middle = slice(20, 80)  # epochs whose windows lie inside the series
    assert np.allclose(_column(x, "RMSSD_5min")[middle], 0.2, atol=1e-6)
    assert np.allclose(_column(x, "SDNN_5min")[middle], 0.1, atol=2e-3)
    assert np.allclose(_column(x, "pNN50_5min")[middle], 1.0)  # every successive difference over 50 ms


@pytest.mark.parametrize(("frequency", "band"), [(0.25, "HF"), (0.08, "LF")])
def test_a_rhythm_in_the_intervals_shows_in_its_own_band(frequency, band):
    t, beats = 0.0, [0.0]
    while t < 4000:  # intervals modulated at `frequency` Hz (breathing: HF; baroreflex: LF)
        t += 1.0 + 0.05 * np.sin(2 * np.pi * frequency * t)
        beats.append(t)
    x = hrv_features(np.array(beats), 120, zscore=False)
    other = "LF" if band == "HF" else "HF"
    middle = slice(20, 100)
    assert (_column(x, f"{band}_5min")[middle] > _column(x, f"{other}_5min")[middle] + 2).all()  # log1p(ms^2)
    assert (_column(x, f"{band}_norm_5min")[middle] > 80).all()


def test_features_are_z_scored_per_night_and_never_missing():
    rng = np.random.default_rng(0)
    intervals = 0.9 + 0.1 * np.sin(np.arange(30000) / 500) + 0.03 * rng.standard_normal(30000)
    beats = _beats(intervals)
    beats = np.delete(beats, np.arange(9000, 9600))  # a 10-min loss of signal
    x = hrv_features(beats, int(beats[-1] // 30))
    assert np.isfinite(x).all()
    varying = x.std(axis=0) > 0
    assert varying.sum() >= 26
    assert np.allclose(x[:, varying].mean(axis=0), 0, atol=0.15)


def test_too_little_to_compute_is_an_error():
    with pytest.raises(ValueError, match="needs epochs and beats"):
        hrv_features(np.array([0.0, 1.0]), 10)


def test_classifiers_are_fixed_in_advance():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((400, 28))
    y = (x[:, 0] > 0).astype(int) + 2 * (x[:, 1] > 1)
    for kind in ("logistic", "boosting"):
        model = make_classifier(kind, seed=0).fit(x, y)
        assert (model.predict(x) == y).mean() > 0.85, kind
    assert make_classifier("logistic", 0).get_params()["class_weight"] == "balanced"
    with pytest.raises(ValueError, match="must be one of"):
        make_classifier("forest", 0)


def test_a_recording_shorter_than_the_long_windows_still_has_features():
    rng = np.random.default_rng(1)
    beats = _beats(0.9 + 0.05 * rng.standard_normal(2000))  # 30 min: no 51-min window fits
    x = hrv_features(beats, 60)
    assert x.shape == (60, 28) and np.isfinite(x).all()
    assert np.all(_column(x, "VLF_51min") == 0.0)  # the night's mean, as for any feature that cannot be computed
    assert _column(x, "meanNN_30s").std() > 0
