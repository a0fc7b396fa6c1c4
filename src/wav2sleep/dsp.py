"""Signal processing for ingestion and inference: anti-aliased resampling to the model rates, units, QC flags.

Resampling uses soxr (a band-limited polyphase resampler: content above the new Nyquist frequency is removed
instead of folding back as it does with plain interpolation). ``mode="linear"`` reproduces the original's linear
interpolation (sample times i/fs; points outside the recorded samples are 0) for weight compatibility. ``grid``
places output sample j at j / fs_out (``start``, ours) or (j + 1) / fs_out (``end``, the original's); see
``wav2sleep.contract`` and docs/store.md.
"""

from __future__ import annotations

import numpy as np

from wav2sleep.errors import ConfigError
from wav2sleep.heartbeats import NORMAL_RR_S, RATE_HZ, ibi_from_ecg
from wav2sleep.signals import EPOCH_SECONDS, is_alias, signal_spec

__all__ = [
    "resample",
    "to_model_rate",
    "scale_range",
    "scale_units",
    "qc_flags",
    "model_rate_signals",
    "epoch_usability",
    "USABILITY_RULES",
    "RESAMPLE_MODES",
    "VOLTAGE_UNITS",
    "TIME_UNITS",
]

RESAMPLE_MODES = ("soxr", "linear")
# Factor to millivolts, for units spelled the ways EDF headers spell them.
VOLTAGE_UNITS = {"uv": 1e-3, "µv": 1e-3, "μv": 1e-3, "microv": 1e-3, "mv": 1.0, "v": 1e3, "volts": 1e3, "nv": 1e-6}
IMPLAUSIBLE_MV = {"ECG": 20.0, "EOG-L": 10.0, "EOG-R": 10.0}
# Typical robust amplitude (99th percentile of |x - median|) in mV, to infer a blank unit: uV, mV and V readings of
# the same signal lie three decades apart, so the nearest on a log scale is unambiguous for real recordings.
TYPICAL_MV = {"ECG": 1.0, "EOG-L": 0.2, "EOG-R": 0.2}
# Beat intervals: factor to seconds, and heart-rate units (converted to intervals, 60 / rate). A blank unit is
# inferred from the median value: seconds and milliseconds of a human heart (0.2-3 s) lie three decades apart, and
# rates (20-200 per minute) fall between them.
TIME_UNITS = {"s": 1.0, "sec": 1.0, "secs": 1.0, "second": 1.0, "seconds": 1.0, "ms": 1e-3, "msec": 1e-3,
              "millisecond": 1e-3, "milliseconds": 1e-3}  # fmt: skip
RATE_UNITS = frozenset({"bpm", "beats/min", "beat/min", "1/min", "/min", "min-1", "min^-1"})


def resample(x: np.ndarray, fs_in: float, fs_out: float, mode: str = "soxr", grid: str = "start",
             n_out: int | None = None) -> np.ndarray:  # fmt: skip
    """Resample ``x`` (sample i at i / ``fs_in``) to ``fs_out`` Hz, float32 out.

    Output sample j sits at j / fs_out (``grid="start"``) or (j + 1) / fs_out (``"end"``). ``n_out`` fixes the
    output length (default: as many output samples as the input spans); points past the input are 0.
    """
    x = np.asarray(x)
    if mode not in RESAMPLE_MODES:
        raise ConfigError(f"unknown resampling mode {mode!r}; known: {', '.join(RESAMPLE_MODES)}")
    if grid not in ("start", "end"):
        raise ConfigError(f"unknown sample grid {grid!r}; known: start, end")
    shift = 1 if grid == "end" else 0
    if n_out is None:
        n_out = int(np.floor(x.shape[0] * fs_out / fs_in))
    if mode == "linear":
        return _interpolate_uniform(x, fs_in, fs_out, shift, n_out)
    x = np.asarray(x, dtype=np.float32)
    if fs_in == fs_out:
        y = x[shift:].copy()
    else:
        import soxr

        y = soxr.resample(x, fs_in, fs_out, quality="HQ")[shift:]  # soxr: output j at j / fs_out
    if y.shape[0] >= n_out:
        return y[:n_out]
    return np.pad(y, (0, n_out - y.shape[0]))


def _interpolate_uniform(x: np.ndarray, fs_in: float, fs_out: float, shift: int, n_out: int) -> np.ndarray:
    """``np.interp`` at the output times (j + shift) / fs_out over input samples at i / fs_in, 0 past the last
    sample (the original's linear mode), bit for bit, from the two neighbours of each output sample: the input grid
    is uniform, so no night-long float64 copies of the input and its times are needed (5x faster on a 10-h ECG)."""
    n_in = x.shape[0]
    times = (np.arange(n_out, dtype=np.float64) + shift) / fs_out
    if n_in < 2:
        return np.where(times > 0, 0.0, x[0] if n_in else 0.0).astype(np.float32)
    inside = times[times <= (n_in - 1) / fs_in]  # the original fills 0 outside the recorded samples; a prefix
    left = np.minimum((inside * fs_in).astype(np.int64), n_in - 2)
    # The interval np.interp picks: t_left <= t < t_right, times computed as it does (i / fs_in).
    left -= inside < left / fs_in
    left += (inside >= (left + 1) / fs_in) & (left < n_in - 2)
    t_left, t_right = left / fs_in, (left + 1) / fs_in
    # Samples as float32 first, as every other path reads them.
    x0, x1 = (x[i].astype(np.float32).astype(np.float64) for i in (left, left + 1))
    interpolated = (x1 - x0) / (t_right - t_left) * (inside - t_left) + x0
    # As np.interp: a point on an input sample takes that sample, even when its neighbour is missing (NaN).
    interpolated = np.where(inside == t_left, x0, np.where(inside == t_right, x1, interpolated))
    y = np.zeros(n_out, dtype=np.float32)
    y[: inside.shape[0]] = interpolated
    return y


def to_model_rate(x: np.ndarray, fs: float, signal: str, n_epochs: int, mode: str = "soxr",
                  grid: str = "start") -> np.ndarray:  # fmt: skip
    """``x`` at ``fs`` Hz to exactly ``n_epochs * samples_per_epoch`` samples at the model rate of ``signal``.

    The last partial epoch is dropped (one sample past it is kept for interpolation); a recording a few samples
    short is zero-padded.
    """
    spe = signal_spec(signal).samples_per_epoch
    keep = int(round(n_epochs * EPOCH_SECONDS * fs)) + 1
    return resample(x[:keep], fs, spe / EPOCH_SECONDS, mode, grid, n_out=n_epochs * spe)


def scale_range(x: np.ndarray, physical_range: tuple[float, float] | None, signal: str) -> np.ndarray:
    """Belts and pleth mapped to [-1, 1] by the header's physical range, as the original does (``scaling=range``);
    voltages, intervals, channels without a usable range are left as they are."""
    if signal_spec(signal).kind != "arbitrary" or physical_range is None:
        return x
    low, high = physical_range
    if not (np.isfinite(low) and np.isfinite(high)) or high == low:
        return x
    return ((x - np.float32((high + low) / 2)) / np.float32(abs(high - low) / 2)).astype(np.float32, copy=False)


def scale_units(x: np.ndarray, unit: str, signal: str) -> tuple[np.ndarray, list[str], list[str]]:
    """Voltage signals (ECG, EOG) to mV and beat intervals to seconds -> (samples, warnings, QC flags); belts and
    pleth are left as they are (they are standardised later).

    A blank unit is inferred from the amplitude (uV, mV or V, whichever puts it nearest the signal's typical
    amplitude) and reported: a repair. A unit that is not a voltage (or a blank one with no usable amplitude) keeps
    the values as if mV and flags ``unknown unit``: the channel may not be what its label says.
    """
    kind = signal_spec(signal).kind
    if kind == "interval":
        return _scale_intervals(x, unit, signal)
    if kind != "voltage":
        return x, [], []
    key = unit.strip().lower().replace(" ", "")
    if not key:
        inferred = _unit_from_amplitude(x, signal)
        if inferred is not None:
            factor = VOLTAGE_UNITS[inferred.lower()]
            return (x * np.float32(factor) if factor != 1.0 else x), [
                f"{signal}: unit blank; inferred {inferred} from the amplitude and scaled to mV"], []  # fmt: skip
        return x, [f"{signal}: unit blank and amplitude unusable; values kept as if mV"], ["unknown unit"]
    if key in VOLTAGE_UNITS:
        factor = VOLTAGE_UNITS[key]
        return (x * np.float32(factor) if factor != 1.0 else x), [], []
    return x, [f"{signal}: unit {unit!r} not a voltage unit (uV, mV, V); values kept as if mV"], ["unknown unit"]


def _scale_intervals(x: np.ndarray, unit: str, signal: str) -> tuple[np.ndarray, list[str], list[str]]:
    """Beat intervals to seconds: s or ms as stated; a heart rate (bpm) converted to intervals; a blank unit
    inferred from the median (s, ms or bpm) and reported; any other unit kept as if s and flagged."""
    key = unit.strip().lower().replace(" ", "")
    if key in TIME_UNITS:
        return (x * np.float32(TIME_UNITS[key]) if TIME_UNITS[key] != 1.0 else x), [], []
    if key in RATE_UNITS:
        return _rate_to_intervals(x), [f"{signal}: heart rate in {unit} converted to beat intervals (60 / rate)"], []
    if not key:
        positive = x[np.isfinite(x) & (x > 0)]
        median = float(np.median(positive)) if positive.size else float("nan")
        if 0.2 <= median <= 3.0:
            return x, [f"{signal}: unit blank; inferred s from the values (median {median:.3g})"], []
        if 200 <= median <= 3000:
            return x * np.float32(1e-3), [f"{signal}: unit blank; inferred ms from the values (median {median:.4g}) "
                                          "and scaled to s"], []  # fmt: skip
        if 20 <= median < 200:
            return _rate_to_intervals(x), [f"{signal}: unit blank; values (median {median:.3g}) read as a heart rate "
                                           "in bpm and converted to beat intervals"], []  # fmt: skip
        return x, [f"{signal}: unit blank and values (median {median:.3g}) fit no interval unit; kept as if s"], [
            "unknown unit"]  # fmt: skip
    return x, [f"{signal}: unit {unit!r} not a time unit (s, ms) or heart rate (bpm); values kept as if s"], [
        "unknown unit"]  # fmt: skip


def _rate_to_intervals(rate: np.ndarray) -> np.ndarray:
    """Beats per minute -> seconds between beats; a rate of 0 or below is missing."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(rate > 0, np.float32(60.0) / rate, np.nan).astype(np.float32)


def _robust_amplitude(x: np.ndarray) -> float:
    """The 99th percentile of |x - median| over the finite samples of ``x`` (NaN when there are none), in one
    working copy: median and percentile partition it in place (a night-long ECG is 37 MB a copy)."""
    work = x[np.isfinite(x)]  # a copy, whatever x holds
    if work.size == 0:
        return float("nan")
    median = np.median(work, overwrite_input=True)
    np.abs(np.subtract(work, median, out=work), out=work)
    return float(np.percentile(work, 99, overwrite_input=True))


def _unit_from_amplitude(x: np.ndarray, signal: str) -> str | None:
    amplitude = _robust_amplitude(x)
    if not amplitude > 0:  # NaN (no finite samples) or 0
        return None
    distance = {u: abs(np.log10(amplitude * VOLTAGE_UNITS[u.lower()] / TYPICAL_MV[signal])) for u in ("uV", "mV", "V")}
    return min(distance, key=distance.get)


# Per-epoch usability (quality gating): an epoch of a signal is unusable when
USABILITY_RULES = {
    "missing": 0.5,  # more than this share of its samples is missing (NaN: EDF+D gaps, dropouts)
    "flat": 1e-3,  # its standard deviation is below this fraction of the night's median epoch std (or exactly 0)
    "clipped": 0.5,  # more than this share of its samples sit at the night's minimum or maximum value (rails)
    "extreme": 50.0,  # its standard deviation exceeds this multiple of the night's median epoch std
}


def _epoch_sums(x: np.ndarray, bounds: np.ndarray, rails: tuple[float, float]) -> np.ndarray:
    """Per epoch (``bounds``: sample index of each epoch edge): finite samples, their sum, sum of squares and the
    samples at either rail -> float64 [4, n_epochs]. Computed over blocks of about 2**20 samples: full-night float64
    temporaries are page-faulted in at a cost that outweighs the arithmetic (1.2 s -> 0.1 s for a 10-h 256-Hz ECG)."""
    n_epochs = bounds.shape[0] - 1
    sums = np.zeros((4, n_epochs))
    lo, hi = rails
    first = 0
    while first < n_epochs:
        last = int(np.searchsorted(bounds, bounds[first] + 2**20, side="right")) - 1
        last = min(max(last, first + 1), n_epochs)
        segment = x[bounds[first] : bounds[last]]
        if segment.size:
            starts = np.minimum(bounds[first:last] - bounds[first], segment.size - 1)
            filled = np.diff(bounds[first : last + 1]) > 0  # reduceat gives the next sample for an empty epoch
            finite = np.isfinite(segment)
            clean = np.where(finite, segment, 0.0).astype(np.float64)
            at_rails = finite & ((segment == lo) | (segment == hi))
            for row, values in enumerate((finite, clean, clean * clean, at_rails)):
                sums[row, first:last] = np.add.reduceat(values, starts, dtype=np.float64) * filled
        first = last
    return sums


def epoch_usability(x: np.ndarray, rate: float, signal: str, n_epochs: int) -> tuple[np.ndarray, dict[str, int]]:
    """Which 30-s epochs of ``x`` (physical units, NaN = missing) are usable -> (bool [n_epochs], epochs failing each
    rule). Rules: ``USABILITY_RULES``, plus for ECG/EOG an epoch standard deviation above a third of the implausible
    amplitude (``IMPLAUSIBLE_MV``: 6.7 mV ECG, 3.3 mV EOG), and for beat intervals a mean interval outside
    ``heartbeats.NORMAL_RR_S``, 30-200 bpm (``implausible``). Epochs past the end of ``x`` are unusable (missing)."""
    bounds = np.minimum(np.round(np.arange(n_epochs + 1) * EPOCH_SECONDS * rate).astype(np.int64), x.shape[0])
    lengths = np.diff(bounds)
    any_finite = x.size > 0 and bool(np.isfinite(x).any())
    lo, hi = (float(np.nanmin(x)), float(np.nanmax(x))) if any_finite else (np.nan, np.nan)
    count, total, squares, rails = _epoch_sums(x, bounds, (lo, hi))
    safe = np.maximum(count, 1)
    std = np.sqrt(np.maximum(squares / safe - (total / safe) ** 2, 0.0))
    reasons = {"missing": count < (1 - USABILITY_RULES["missing"]) * np.maximum(lengths, 1)}
    scored = ~reasons["missing"]
    typical = float(np.median(std[scored])) if scored.any() else 0.0
    reasons["flat"] = scored & ((std == 0) | (std < USABILITY_RULES["flat"] * typical))
    reasons["clipped"] = scored & (rails > USABILITY_RULES["clipped"] * safe) & (hi > lo)
    extreme = scored & (std > USABILITY_RULES["extreme"] * typical) if typical > 0 else np.zeros(n_epochs, bool)
    limit = IMPLAUSIBLE_MV.get(signal)
    if limit is not None:
        extreme |= scored & (std > limit / 3)
    reasons["extreme"] = extreme
    if signal_spec(signal).kind == "interval":  # a mean interval no human heart has: a wrong unit, not beats
        mean = total / safe
        reasons["implausible"] = scored & ((mean < NORMAL_RR_S[0]) | (mean > NORMAL_RR_S[1]))
    usable = ~np.logical_or.reduce(list(reasons.values()))
    return usable, {k: int(v.sum()) for k, v in reasons.items() if v.any()}


def qc_flags(x: np.ndarray, signal: str) -> list[str]:
    """Quality flags of a signal in physical units: ``nan``, ``flat``, ``clipped``, ``implausible amplitude``."""
    flags = []
    finite = np.isfinite(x)
    if not finite.all():
        flags.append("nan")
        x = x[finite]
    if x.size == 0:
        return [*flags, "flat"]
    lo, hi = float(x.min()), float(x.max())
    # The std is at least range / sqrt(2 n) (the two extremes alone): only a tiny range needs it computed.
    if hi == lo or (hi - lo < 2e-9 * np.sqrt(2 * x.size) and float(np.std(x)) < 1e-9):
        return [*flags, "flat"]
    at_rails = (np.count_nonzero(x == lo) + np.count_nonzero(x == hi)) / x.size
    if at_rails > 0.01:
        flags.append("clipped")
    limit = IMPLAUSIBLE_MV.get(signal)
    # |x - median| never exceeds the range, so a range within the limit spares the sort.
    if limit is not None and hi - lo > limit and _robust_amplitude(x) > limit:
        flags.append("implausible amplitude")
    return flags


def model_rate_signals(channels: dict, n_epochs: int, mode: str = "soxr", grid: str = "start",
                       scaling: str = "units") -> tuple[dict, dict, list[str]]:  # fmt: skip
    """Channels picked for model signals (``{signal: channel}`` with ``.data``, ``.rate_hz``, ``.unit``,
    ``.label``, ``.warnings``, ``.physical_range``) -> (``{signal: float32 samples at the model rate}``, per-signal
    metadata, warnings). The metadata of each signal holds ``usable`` (bool per epoch, ``epoch_usability``) and the
    number of epochs failing each usability rule.

    Units are scaled (and with ``scaling="range"`` belts/pleth mapped by their physical range), QC flags computed
    (non-finite samples then zeroed) and every signal resampled to exactly ``n_epochs`` epochs on ``grid``.
    Ingestion and inference share this, so a night is prepared the same way for both.
    """
    out, meta, warnings = {}, {}, []
    for signal, channel in channels.items():
        warnings += channel.warnings
        data, rate, unit = channel.data, channel.rate_hz, channel.unit
        source = signal_spec(signal).derived_from
        derived = source is not None and not is_alias(channel.label, signal)
        if derived:  # IBI from an ECG channel: beats detected in the scaled ECG
            ecg, ecg_warnings, _ = scale_units(data, unit, source)
            data, beat_warnings = ibi_from_ecg(ecg, rate, channel.label)
            rate, unit = RATE_HZ, signal_spec(signal).unit
            warnings += ecg_warnings + beat_warnings
        x, unit_warnings, unit_flags = scale_units(data, unit, signal)
        warnings += unit_warnings
        usable, failing = epoch_usability(x, rate, signal, n_epochs)
        flags = unit_flags + qc_flags(x, signal)
        if "nan" in flags:
            x = np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0)
        if flags:
            warnings.append(f"{signal} ({channel.label}): QC {', '.join(flags)}")
        if failing:
            why = ", ".join(f"{k} {v}" for k, v in failing.items())
            warnings.append(f"{signal} ({channel.label}): unusable in {int((~usable).sum())} of {n_epochs} epochs "
                            f"({why})")  # fmt: skip
        if scaling == "range" and not derived:
            x = scale_range(x, channel.physical_range, signal)
        out[signal] = to_model_rate(x, rate, signal, n_epochs, mode, grid)
        meta[signal] = {"channel": channel.label, "unit": channel.unit, "native_rate_hz": channel.rate_hz, "qc": flags,
                        "usable": usable, "unusable_epochs": failing,
                        **({"derived_from": source} if derived else {})}  # fmt: skip
    return out, meta, warnings
