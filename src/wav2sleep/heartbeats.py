"""Heart-beat intervals on the IBI grid (256 samples per 30-s epoch), from beat times or detected in an ECG.

One construction serves beat-interval files and ECG channels: the interval ending at each beat (0.3-2 s, i.e.
30-200 beats per minute) is linearly interpolated onto the grid, so that dropped or ectopic beats are bridged;
where usable beats are more than 10 s apart (lost signal, artefact) the grid holds the night's median interval,
with a warning giving how much of the night that is. Beats are detected in ECG with sleepecg's detector.
``beats_from_grid`` goes back: beat times whose intervals follow a grid (what HRV features are computed from).
"""

from __future__ import annotations

import numpy as np

from wav2sleep.signals import signal_spec

__all__ = [
    "RATE_HZ",
    "NORMAL_RR_S",
    "MAX_GAP_S",
    "intervals_on_grid",
    "in_normal_range",
    "detect_beats",
    "ibi_from_ecg",
    "beats_from_grid",
]

RATE_HZ = signal_spec("IBI").rate_hz
NORMAL_RR_S = (0.3, 2.0)
MAX_GAP_S = 10.0
MAX_IMPLAUSIBLE = 0.2  # share of detected intervals outside NORMAL_RR_S above which an ECG is called unreliable


def in_normal_range(intervals: np.ndarray) -> np.ndarray:
    """Which intervals (s) a human heart beating normally can have (``NORMAL_RR_S``; NaN is not)."""
    return (intervals >= NORMAL_RR_S[0]) & (intervals <= NORMAL_RR_S[1])


def intervals_on_grid(ends: np.ndarray, intervals: np.ndarray, duration_s: float,
                      label: str) -> tuple[np.ndarray, list[str]]:  # fmt: skip
    """Intervals (s) ending at times ``ends`` (s, increasing) -> float32 samples at ``RATE_HZ`` over
    ``duration_s``, and warnings (prefixed with ``label``)."""
    t = np.arange(int(duration_s * RATE_HZ)) / RATE_HZ
    x = np.interp(t, ends, intervals).astype(np.float32)
    after = np.searchsorted(ends, t)
    inside = (after > 0) & (after < ends.size)
    spans = np.zeros(t.shape)  # distance between the usable beats around each grid point
    spans[inside] = ends[after[inside]] - ends[after[inside] - 1]
    gap = spans > MAX_GAP_S
    # Before the first and after the last usable beat (a second or two at the ends) the median is used silently.
    x[gap | ~inside] = np.float32(np.median(intervals))
    warnings = []
    if gap.any():
        warnings.append(f"{label}: {100 * gap.mean():.1f} % of the night ({gap.sum() / RATE_HZ:.0f} s) without usable "
                        f"beats for over {MAX_GAP_S:.0f} s; filled with the median interval")  # fmt: skip
    return x, warnings


def detect_beats(ecg: np.ndarray, fs: float) -> np.ndarray:
    """R-peak times (s) in an ECG, by sleepecg's detector (polarity-independent; about 0.4 s per 10-h night)."""
    import sleepecg

    x = np.nan_to_num(np.asarray(ecg, dtype=np.float64))
    return np.asarray(sleepecg.detect_heartbeats(x, fs), dtype=np.float64) / fs


def ibi_from_ecg(ecg: np.ndarray, fs: float, label: str) -> tuple[np.ndarray, list[str]]:
    """The IBI signal of an ECG channel (``label`` names it in warnings and errors)."""
    try:
        beats = detect_beats(ecg, fs)
    except ValueError:  # sleepecg refuses a flat signal
        beats = np.zeros(0)
    rr = np.diff(beats)
    usable = in_normal_range(rr)
    if usable.sum() < 2:  # no intervals: missing samples, which QC flags (the night's other signals still count)
        missing = np.full(int(ecg.shape[0] / fs * RATE_HZ), np.nan, dtype=np.float32)
        return missing, [f"{label}: only {beats.size} beats detected in the ECG; no beat intervals"]
    x, warnings = intervals_on_grid(beats[1:][usable], rr[usable], ecg.shape[0] / fs, label)
    notes = [f"{label}: beat intervals from {beats.size} beats detected in the ECG"]
    implausible = 1.0 - usable.mean()
    if implausible > MAX_IMPLAUSIBLE:  # a clean ECG has a few ectopic or missed beats, not this many
        notes.append(f"{label}: {100 * implausible:.0f} % of the detected beat intervals are outside "
                     f"{NORMAL_RR_S[0]}-{NORMAL_RR_S[1]} s: the ECG may be noise or not an ECG; its beat intervals "
                     "are unreliable")  # fmt: skip
    return x, [*notes, *warnings]


def beats_from_grid(grid: np.ndarray, fs: float = RATE_HZ) -> np.ndarray:
    """Beat times (s, the first at 0) whose intervals follow the IBI grid ``grid`` (the interval ending at each
    time, s, ``fs`` Hz): beat k+1 is at t_k + r with r = IBI(t_k + r), solved by two fixed-point steps, the grid
    interpolated linearly (held at its last value past the end). Missing values and values below
    ``NORMAL_RR_S[0] / 2`` count as the grid's median (a stretch of tiny intervals would take a step per interval);
    a grid with none usable has no beats."""
    values = np.asarray(grid, dtype=np.float64)
    ok = np.isfinite(values) & (values >= NORMAL_RR_S[0] / 2)
    if not ok.any():
        return np.zeros(0)
    values = np.where(ok, values, np.median(values[ok])).tolist()  # Python floats: a scalar loop over ~40k beats
    last = len(values) - 1
    last_time = last / fs

    def at(t: float) -> float:
        u = t * fs
        i = int(u)
        if i >= last:
            return values[last]
        return values[i] + (u - i) * (values[i + 1] - values[i])

    beats, t = [0.0], 0.0
    while True:
        r = at(t + at(t))
        t += at(t + r)
        if t > last_time:
            return np.array(beats)
        beats.append(t)
