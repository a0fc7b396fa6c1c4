"""Stage- and subject-dependent physiology: beats, breathing, ECG, PPG, belts, EOG and unused PSG channels.

Everything is generated on a 4-Hz control grid first (heart rate, breathing rate and amplitude, pulse amplitude),
smoothed over a minute so that no quantity steps exactly at an epoch boundary, then rendered to waveforms with
vectorised NumPy/SciPy (templates convolved with impulse trains; no Python loop over samples). Stage effects are
modest next to subject variation, slow drifts and noise, so that a classifier must use context to do well.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import signal as sps

from wav2sleep.signals import EPOCH_SECONDS
from wav2sleep.synth.hypnogram_process import simulate_stages

__all__ = ["SubjectParams", "SimulatedNight", "draw_subject", "simulate_night", "DEFAULT_RATES", "NATIVE_UNITS"]

CONTROL_HZ = 4.0
NATIVE_UNITS = {"ECG": "mV", "EOG-L": "uV", "EOG-R": "uV"}  # PPG and belts: arbitrary units
DEFAULT_RATES: dict[str, float] = {"ECG": 256.0, "PPG": 256.0, "ABD": 32.0, "THX": 32.0, "EOG-L": 256.0, "EOG-R": 256.0}

# Per-stage effects, indexed by AASM code W, N1, N2, N3, REM.
HR_OFFSET_BPM = np.array([6.0, 2.0, 0.0, -2.5, 3.5])
HR_VARIABILITY_BPM = np.array([3.5, 2.5, 1.8, 1.0, 3.5])
RSA_BPM = np.array([1.5, 2.5, 3.5, 4.5, 1.5])
BREATH_RATE_PER_MIN = np.array([16.0, 15.0, 14.5, 14.0, 16.5])
BREATH_IRREGULARITY = np.array([0.25, 0.15, 0.08, 0.04, 0.25])
BREATH_AMPLITUDE = np.array([1.0, 0.85, 0.95, 1.1, 0.75])
PULSE_AMPLITUDE = np.array([0.8, 1.0, 1.05, 1.15, 0.85])
MOTION_PER_MIN = np.array([0.4, 0.08, 0.02, 0.01, 0.03])
REM_BURSTS_PER_MIN = np.array([0.0, 0.0, 0.0, 0.0, 3.0])
SLOW_EYE_AMPLITUDE_UV = np.array([20.0, 60.0, 8.0, 0.0, 0.0])
BLINKS_PER_MIN = np.array([6.0, 1.0, 0.0, 0.0, 0.0])


@dataclass(frozen=True)
class SubjectParams:
    """What makes one sleeper differ from another."""

    heart_rate_bpm: float
    stage_effect: float  # scales every stage effect: some people show stages more clearly than others
    breath_rate_per_min: float
    breath_amplitude: float
    ecg_amplitude_mv: float
    ecg_inverted: bool
    pulse_transit_s: float
    fragmentation: float
    noise: float


@dataclass
class SimulatedNight:
    """A simulated night: stage truth, waveforms at their rates, beat times and the subject behind them."""

    stages: np.ndarray
    waveforms: dict[str, tuple[np.ndarray, float]]
    beat_times: np.ndarray
    subject: SubjectParams
    extra: dict[str, tuple[np.ndarray, float]] = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        return float(self.stages.shape[0] * EPOCH_SECONDS)


def draw_subject(rng: np.random.Generator) -> SubjectParams:
    return SubjectParams(
        heart_rate_bpm=float(np.clip(rng.normal(63, 8), 45, 90)),
        stage_effect=float(rng.uniform(0.5, 1.5)),
        breath_rate_per_min=float(np.clip(rng.normal(0, 1.8), -4, 4)),
        breath_amplitude=float(rng.lognormal(0, 0.3)),
        ecg_amplitude_mv=float(rng.lognormal(0, 0.35)),
        ecg_inverted=bool(rng.random() < 0.1),
        pulse_transit_s=float(rng.uniform(0.18, 0.3)),
        fragmentation=float(rng.uniform(0.5, 1.8)),
        noise=float(rng.uniform(0.5, 1.5)),
    )


def _white(rng: np.random.Generator, n: int) -> np.ndarray:
    """Unit white noise; float32 draws are twice as fast and plenty for sensor noise."""
    return rng.standard_normal(n, dtype=np.float32)


def _smooth(x: np.ndarray, seconds: float) -> np.ndarray:
    """Moving average over ``seconds`` on the control grid (edges padded by reflection)."""
    width = max(int(seconds * CONTROL_HZ), 1)
    padded = np.pad(x, width, mode="reflect")
    kernel = np.ones(width) / width
    return np.convolve(padded, kernel, mode="same")[width:-width]


def _ar1(rng: np.random.Generator, n: int, tau_s: float, fs: float) -> np.ndarray:
    """Unit-variance AR(1) noise with correlation time ``tau_s``."""
    a = np.exp(-1.0 / (tau_s * fs))
    return sps.lfilter([np.sqrt(1 - a * a)], [1, -a], rng.standard_normal(n))


def _events(rng: np.random.Generator, rate_per_min: np.ndarray, fs: float) -> np.ndarray:
    """Times (s) of a Poisson process whose rate (per minute) varies on the control grid."""
    counts = rng.poisson(rate_per_min / 60.0 / fs)
    idx = np.repeat(np.arange(counts.shape[0]), counts)
    return (idx + rng.random(idx.shape[0])) / fs


def _render(times: np.ndarray, amplitudes: np.ndarray, template: np.ndarray, fs: float, n: int) -> np.ndarray:
    """Place ``template`` (scaled by ``amplitudes``) at ``times`` in an ``n``-sample trace at ``fs``.

    Events are sparse, so summing shifted copies with one ``bincount`` beats an FFT convolution of the whole trace.
    """
    start = np.round(times * fs).astype(np.int64)
    keep = (start >= 0) & (start < n)
    idx = start[keep, None] + np.arange(template.shape[0])[None, :]
    weights = amplitudes[keep, None] * template[None, :]
    return np.bincount(idx.ravel(), weights=weights.ravel(), minlength=n + template.shape[0])[:n]


def _ecg_template(fs: float) -> np.ndarray:
    t = np.arange(int(0.7 * fs)) / fs - 0.25  # R peak at 0.25 s into the template
    waves = ((0.12, -0.17, 0.025), (-0.12, -0.03, 0.01), (1.0, 0.0, 0.012), (-0.25, 0.035, 0.012), (0.3, 0.25, 0.05))
    return sum(a * np.exp(-0.5 * ((t - mu) / sd) ** 2) for a, mu, sd in waves)


def _ppg_template(fs: float) -> np.ndarray:
    t = np.arange(int(0.9 * fs)) / fs
    return np.exp(-0.5 * ((t - 0.15) / 0.06) ** 2) + 0.35 * np.exp(-0.5 * ((t - 0.42) / 0.08) ** 2)


def _resample_control(x: np.ndarray, fs: float, n: int) -> np.ndarray:
    """Control-grid series onto an ``n``-sample grid at ``fs`` (linear; control quantities are smooth)."""
    t = np.arange(n) / fs
    return np.interp(t, np.arange(x.shape[0]) / CONTROL_HZ, x)


def simulate_night(
    seed: int,
    hours: float,
    *,
    has_ppg: bool = True,
    eog: bool = True,
    rates: dict[str, float] | None = None,
) -> SimulatedNight:
    """Simulate one night of ``hours`` for subject and night ``seed`` (deterministic for a seed).

    Waveforms are in physical units: ECG mV, EOG uV, PPG and belts arbitrary units. ``rates`` overrides the sampling
    rate of any signal (defaults: ``DEFAULT_RATES``).
    """
    rng = np.random.default_rng(seed)
    rates = {**DEFAULT_RATES, **(rates or {})}
    subject = draw_subject(rng)
    n_epochs = max(int(round(hours * 3600 / EPOCH_SECONDS)), 1)
    stages = simulate_stages(n_epochs, rng, subject.fragmentation)
    n_c = int(n_epochs * EPOCH_SECONDS * CONTROL_HZ)
    st = np.repeat(stages, int(EPOCH_SECONDS * CONTROL_HZ))
    k = subject.stage_effect

    def by_stage(table: np.ndarray, seconds: float = 60.0) -> np.ndarray:
        return _smooth(table[st], seconds)

    hours_in = np.arange(n_c) / CONTROL_HZ / 3600
    # Breathing: rate and amplitude per stage, irregular in W/REM, with slow drifts.
    breath_rate = (BREATH_RATE_PER_MIN[st] - 14.5) * k + 14.5 + subject.breath_rate_per_min
    breath_rate = _smooth(breath_rate, 90) * (1 + by_stage(BREATH_IRREGULARITY, 30) * _ar1(rng, n_c, 8, CONTROL_HZ))
    breath_rate += 1.0 * _ar1(rng, n_c, 900, CONTROL_HZ)
    breath_phase = 2 * np.pi * np.cumsum(np.clip(breath_rate, 6, 30) / 60 / CONTROL_HZ)
    breath_amp = subject.breath_amplitude * (1 + (by_stage(BREATH_AMPLITUDE) - 1) * k)
    breath_amp *= np.exp(by_stage(BREATH_IRREGULARITY, 30) * 1.5 * _ar1(rng, n_c, 15, CONTROL_HZ))
    breath_amp *= np.exp(0.15 * _ar1(rng, n_c, 1800, CONTROL_HZ))

    # Heart rate: subject baseline, stage offsets, variability, RSA locked to breathing, a decline over the night.
    hr = subject.heart_rate_bpm + k * by_stage(HR_OFFSET_BPM, 90) - 1.0 * hours_in
    hr += by_stage(HR_VARIABILITY_BPM, 30) * _ar1(rng, n_c, 20, CONTROL_HZ) + 2.5 * _ar1(rng, n_c, 1200, CONTROL_HZ)
    hr += k * by_stage(RSA_BPM, 30) * np.sin(breath_phase)
    hr = np.clip(hr, 35, 140)
    beat_phase = np.cumsum(hr / 60 / CONTROL_HZ)
    t_c = np.arange(n_c) / CONTROL_HZ
    beat_times = np.interp(np.arange(1, int(beat_phase[-1])), beat_phase, t_c)

    motion_times = _events(rng, MOTION_PER_MIN[st] * subject.noise, CONTROL_HZ)
    waveforms: dict[str, tuple[np.ndarray, float]] = {}

    def motion(fs: float, n: int, scale: float) -> np.ndarray:
        """Motion artefacts: 1-4 s bursts of large low-frequency noise."""
        out = np.zeros(n)
        for t0 in motion_times:
            i0, i1 = int(t0 * fs), min(int((t0 + rng.uniform(1, 4)) * fs), n)
            if i1 > i0:
                out[i0:i1] += scale * np.cumsum(rng.standard_normal(i1 - i0)) / np.sqrt(fs)
        return out

    fs = rates["ECG"]
    n = int(n_epochs * EPOCH_SECONDS * fs)
    amp = subject.ecg_amplitude_mv * (1 + 0.1 * np.sin(np.interp(beat_times, t_c, breath_phase)))
    ecg = _render(beat_times, amp, _ecg_template(fs), fs, n) * (-1 if subject.ecg_inverted else 1)
    ecg += 0.15 * _resample_control(_ar1(rng, n_c, 5, CONTROL_HZ), fs, n)  # baseline wander
    ecg += 0.03 * subject.noise * _white(rng, n)
    if fs > 120:
        ecg += 0.02 * np.sin(2 * np.pi * 60 * np.arange(n) / fs + rng.uniform(0, 2 * np.pi))
    waveforms["ECG"] = (ecg + motion(fs, n, 1.5), fs)

    if has_ppg:
        fs = rates["PPG"]
        n = int(n_epochs * EPOCH_SECONDS * fs)
        pulse_amp = np.interp(
            beat_times, t_c, by_stage(PULSE_AMPLITUDE) * np.exp(0.2 * _ar1(rng, n_c, 300, CONTROL_HZ))
        )
        ppg = _render(beat_times + subject.pulse_transit_s, pulse_amp, _ppg_template(fs), fs, n)
        ppg += 0.15 * _resample_control(np.sin(breath_phase) * breath_amp, fs, n)
        ppg += 0.03 * subject.noise * _white(rng, n)
        waveforms["PPG"] = (ppg + motion(fs, n, 2.0), fs)

    for name, lag, gain in (("THX", 0.0, 1.0), ("ABD", 0.35, float(rng.uniform(0.6, 1.3)))):
        fs = rates[name]
        n = int(n_epochs * EPOCH_SECONDS * fs)
        belt = _resample_control(gain * breath_amp * np.sin(breath_phase - lag), fs, n)
        belt += 0.1 * _resample_control(_ar1(rng, n_c, 20, CONTROL_HZ), fs, n)
        belt += 0.05 * subject.noise * _white(rng, n)
        waveforms[name] = (belt + motion(fs, n, 3.0), fs)

    if eog:
        waveforms.update(_eog(rng, st, rates["EOG-L"], n_epochs, subject, motion))
    return SimulatedNight(stages=stages, waveforms=waveforms, beat_times=beat_times, subject=subject)


def _eog(rng, st, fs, n_epochs, subject, motion) -> dict[str, tuple[np.ndarray, float]]:
    """Left/right EOG (uV): rapid eye movements in REM, slow rolling ones around sleep onset, blinks in wake.

    Eye movements are conjugate, so they appear with opposite polarity in the two leads; EEG leaks into both.
    """
    n = int(n_epochs * EPOCH_SECONDS * fs)
    t = np.arange(n) / fs
    # Rapid eye movements: steps that decay with the amplifier's high-pass (~1 s), in bursts.
    rem_times = _events(rng, REM_BURSTS_PER_MIN[st] * 4, CONTROL_HZ)
    step = np.exp(-np.arange(int(1.5 * fs)) / fs / 0.6)
    rems = _render(
        rem_times, rng.choice([-1, 1], rem_times.shape[0]) * rng.uniform(60, 200, rem_times.shape[0]), step, fs, n
    )
    slow = _resample_control(_smooth(SLOW_EYE_AMPLITUDE_UV[st], 60), fs, n) * np.sin(2 * np.pi * 0.25 * t)
    blink_times = _events(rng, BLINKS_PER_MIN[st], CONTROL_HZ)
    blink = np.hanning(int(0.3 * fs))
    blinks = _render(blink_times, rng.uniform(80, 200, blink_times.shape[0]), blink, fs, n)
    out = {}
    common = rems + slow
    for name, sign in (("EOG-L", 1.0), ("EOG-R", -1.0)):
        eeg = sps.lfilter([3.75 * subject.noise], [1, -0.97], _white(rng, n))
        out[name] = (sign * common + blinks + eeg + motion(fs, n, 200.0), fs)
    return out
