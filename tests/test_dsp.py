import numpy as np
import pytest

from wav2sleep.dsp import qc_flags, resample, scale_units, to_model_rate
from wav2sleep.errors import ConfigError

FS = 256.0
T = np.arange(int(FS * 600)) / FS
ECG_RATE = 1024 / 30


def test_tone_above_new_nyquist_is_removed():
    y = resample(np.sin(2 * np.pi * 20 * T), FS, ECG_RATE)  # new Nyquist 17.07 Hz
    assert np.abs(y[200:-200]).max() < 1e-3


def test_breathing_tone_is_kept():
    y = resample(np.sin(2 * np.pi * 0.25 * T), FS, ECG_RATE)
    t = np.arange(y.shape[0]) / ECG_RATE
    assert np.abs(y - np.sin(2 * np.pi * 0.25 * t))[200:-200].max() < 1e-3


def test_linear_mode_is_the_reference_interpolation_and_aliases():
    x = np.sin(2 * np.pi * 20 * T)
    y = resample(x, FS, ECG_RATE, "linear")
    grid = np.arange(1, y.shape[0] + 1) / ECG_RATE  # starts one output period in, as the reference does
    np.testing.assert_allclose(y, np.interp(grid, T, x), atol=1e-6)
    assert np.abs(y).max() > 0.5  # no anti-aliasing: the 20-Hz tone folds back


def test_to_model_rate_gives_exact_epoch_counts():
    for fs, n in ((125.0, 20), (256.0, 20), (200.0, 19), (10.0, 20)):
        x = np.random.default_rng(0).standard_normal(int(fs * 600 + 7))
        assert to_model_rate(x, fs, "ECG", n).shape == (n * 1024,)
        assert to_model_rate(x, fs, "THX", n).shape == (n * 256,)
    with pytest.raises(ConfigError, match="unknown resampling mode"):
        resample(np.zeros(10), 10, 20, "cubic")


def test_units_to_millivolts():
    x = np.ones(4, dtype=np.float32)
    assert scale_units(x, "uV", "ECG")[0][0] == pytest.approx(1e-3)
    assert scale_units(x, "V", "EOG-L")[0][0] == pytest.approx(1e3)
    assert scale_units(x, "mV", "ECG")[1:] == ([], [])
    _, warn, flags = scale_units(x, "furlong", "ECG")
    assert "unit 'furlong' not a voltage unit" in warn[0] and flags == ["unknown unit"]
    assert scale_units(x, "", "THX") == (x, [], [])  # belts are not voltages


@pytest.mark.parametrize(("signal", "amplitude_mv"), [("ECG", 1.5), ("ECG", 0.4), ("EOG-L", 0.3), ("EOG-R", 0.05)])
@pytest.mark.parametrize(("unit", "per_mv"), [("uV", 1e3), ("mV", 1.0), ("V", 1e-3)])
def test_blank_units_are_inferred_from_the_amplitude(signal, amplitude_mv, unit, per_mv):
    t = np.arange(0, 60, 1 / 256)
    mv = (amplitude_mv * np.sin(2 * np.pi * 1.1 * t) ** 15).astype(np.float32)  # peaky, like R waves
    scaled, warn, flags = scale_units(mv * np.float32(per_mv), "", signal)
    np.testing.assert_allclose(scaled, mv, rtol=1e-5, atol=1e-7)
    assert f"inferred {unit}" in warn[0] and flags == []
    _, warn, flags = scale_units(np.zeros(100, np.float32), " ", signal)
    assert "amplitude unusable" in warn[0] and flags == ["unknown unit"]


def test_qc_flags():
    rng = np.random.default_rng(0)
    assert qc_flags(rng.standard_normal(1000), "ECG") == []
    assert qc_flags(np.full(1000, 0.3), "ECG") == ["flat"]
    clipped = np.clip(rng.standard_normal(1000), -1, 1)
    assert "clipped" in qc_flags(clipped, "THX")
    with_nan = rng.standard_normal(1000)
    with_nan[5] = np.nan
    assert qc_flags(with_nan, "ECG") == ["nan"]
    assert "implausible amplitude" in qc_flags(rng.standard_normal(1000) * 100, "ECG")
