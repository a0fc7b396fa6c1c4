import numpy as np
import pytest

from wav2sleep.dsp import epoch_usability, qc_flags, resample, scale_units, to_model_rate
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
    y = resample(x, FS, ECG_RATE, "linear", "end")
    grid = np.arange(1, y.shape[0] + 1) / ECG_RATE  # starts one output period in, as the original does
    expected = np.where(grid > T[-1], 0.0, np.interp(grid, T, x))  # and is 0 past the last sample
    np.testing.assert_allclose(y, expected, atol=1e-6)
    assert y[-1] == 0.0 and grid[-1] > T[-1]
    assert np.abs(y).max() > 0.5  # no anti-aliasing: the 20-Hz tone folds back
    start = resample(x, FS, ECG_RATE, "linear")  # grid "start": sample j at j / fs
    np.testing.assert_allclose(start[1:], y[:-1], atol=1e-6)
    assert start[0] == x[0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_linear_mode_equals_np_interp_bit_for_bit(dtype):
    """The linear mode interpolates from each output sample's two neighbours (no night-long copies); it must give
    exactly what np.interp over the float32 samples gives, missing (NaN) stretches and odd rates included."""
    rng = np.random.default_rng(7)
    for fs_in, fs_out in ((256.0, 1024 / 30), (25.0, 25.0), (10.0, 256 / 30), (37.3, 74.6), (1.0, 1024 / 30)):
        for grid, shift in (("start", 0), ("end", 1)):
            x = rng.standard_normal(3001).astype(dtype)
            x[500:640] = np.nan
            n_out = int(x.shape[0] * fs_out / fs_in) + 40  # runs past the last sample: zeros there
            times = (np.arange(n_out) + shift) / fs_out
            t_in = np.arange(x.shape[0]) / fs_in
            expected = np.interp(times, t_in, x.astype(np.float32)).astype(np.float32)
            expected[times > t_in[-1]] = 0.0
            np.testing.assert_array_equal(resample(x, fs_in, fs_out, "linear", grid, n_out=n_out), expected)
    assert resample(np.array([2.0]), 1.0, 2.0, "linear", n_out=3).tolist() == [2.0, 0.0, 0.0]


@pytest.mark.parametrize("mode", ["soxr", "linear"])
@pytest.mark.parametrize(("fs_in", "signal"), [(125.0, "ECG"), (256.0, "ECG"), (10.0, "THX"), (200.0, "EOG-L")])
def test_model_rate_sample_j_sits_at_j_over_fs(mode, fs_in, signal):
    """Pins the grid: a slow tone resampled to the model rate equals the tone at t = j / fs (grid "start") and at
    t = (j + 1) / fs (grid "end", the original's), never the other; see docs/store.md."""
    from wav2sleep.signals import signal_spec

    fs_out = signal_spec(signal).rate_hz
    f0 = 0.23  # slow enough for linear interpolation to be exact to 5e-3, fast enough that one sample shows
    t = np.arange(int(fs_in * 600)) / fs_in
    x = np.sin(2 * np.pi * f0 * t + 0.4)
    for grid, shift in (("start", 0), ("end", 1)):
        y = to_model_rate(x, fs_in, signal, 20, mode, grid)
        j = np.arange(y.shape[0])
        inner = slice(200, y.shape[0] - 200)
        right = np.sin(2 * np.pi * f0 * (j + shift) / fs_out + 0.4)
        wrong = np.sin(2 * np.pi * f0 * (j + 1 - shift) / fs_out + 0.4)
        assert np.abs(y - right)[inner].max() < 5e-3
        assert np.abs(y - wrong)[inner].max() > 5 * np.abs(y - right)[inner].max()


def test_an_impulse_lands_on_its_model_rate_sample():
    """A unit step at exactly 60 s (native sample 60 * fs) crosses half height at model-rate sample 60 * fs_out with
    grid "start", one sample earlier with grid "end" (whose sample j is (j + 1) / fs)."""
    fs_in, signal = 256.0, "ECG"
    fs_out = 1024 / 30
    x = np.zeros(int(fs_in * 300))
    x[int(60 * fs_in) :] = 1.0
    for mode in ("linear", "soxr"):
        start = to_model_rate(x, fs_in, signal, 10, mode, "start")
        end = to_model_rate(x, fs_in, signal, 10, mode, "end")
        k = int(60 * fs_out)  # 2048: exactly 60 s
        assert start[k] > 0.5 > start[k - 1]
        assert end[k - 1] > 0.5 > end[k - 2]


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


@pytest.mark.parametrize(
    ("unit", "values", "note"),
    [
        ("s", [0.8, 1.0], None),
        ("ms", [800.0, 1000.0], None),
        ("", [800.0, 1000.0], "inferred ms"),
        ("", [0.8, 1.0], "inferred s"),
        ("bpm", [75.0, 60.0], "converted to beat intervals"),
        ("", [75.0, 60.0], "read as a heart rate"),
    ],
)
def test_beat_intervals_are_scaled_to_seconds(unit, values, note):
    x, warnings, flags = scale_units(np.array(values * 50, dtype=np.float32), unit, "IBI")
    assert np.allclose(x[:2], [0.8, 1.0]) and not flags
    assert (note is None and not warnings) or note in warnings[0]


def test_intervals_in_an_unknown_unit_are_flagged_and_implausible_epochs_unusable():
    x, warnings, flags = scale_units(np.full(100, 7.0, dtype=np.float32), "furlong", "IBI")
    assert flags == ["unknown unit"] and "not a time unit" in warnings[0] and np.all(x == 7.0)
    rate = 256 / 30
    ibi = np.full(int(10 * 30 * rate), 0.9, dtype=np.float32)
    ibi[int(3 * 30 * rate) : int(5 * 30 * rate)] = 4.0  # two epochs whose intervals no heart has
    usable, failing = epoch_usability(ibi + 0.01 * np.sin(np.arange(ibi.size)), rate, "IBI", 10)
    assert usable.tolist() == [True] * 3 + [False] * 2 + [True] * 5 and failing["implausible"] == 2
