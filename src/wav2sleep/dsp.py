"""Signal processing for ingestion and inference: anti-aliased resampling to the model rates, units, QC flags.

Resampling uses soxr (a band-limited polyphase resampler: content above the new Nyquist frequency is removed
instead of folding back as it does with plain interpolation). ``mode="linear"`` reproduces the reference's linear
interpolation (sample times i/fs onto the grid k * 30/spe, k = 1..N, edges held) for weight compatibility.
"""

from __future__ import annotations

import numpy as np

from wav2sleep.errors import ConfigError
from wav2sleep.signals import EPOCH_SECONDS, is_alias, signal_spec

__all__ = [
    "resample",
    "to_model_rate",
    "scale_units",
    "qc_flags",
    "model_rate_signals",
    "RESAMPLE_MODES",
    "VOLTAGE_UNITS",
]

RESAMPLE_MODES = ("soxr", "linear")
# Factor to millivolts, for units spelled the ways EDF headers spell them.
VOLTAGE_UNITS = {"uv": 1e-3, "µv": 1e-3, "μv": 1e-3, "microv": 1e-3, "mv": 1.0, "v": 1e3, "volts": 1e3, "nv": 1e-6}
IMPLAUSIBLE_MV = {"ECG": 20.0, "EOG-L": 10.0, "EOG-R": 10.0}
# Typical robust amplitude (99th percentile of |x - median|) in mV, to infer a blank unit: uV, mV and V readings of
# the same signal lie three decades apart, so the nearest on a log scale is unambiguous for real recordings.
TYPICAL_MV = {"ECG": 1.0, "EOG-L": 0.2, "EOG-R": 0.2}


def resample(x: np.ndarray, fs_in: float, fs_out: float, mode: str = "soxr") -> np.ndarray:
    """Resample ``x`` from ``fs_in`` to ``fs_out`` Hz (float32 out)."""
    x = np.asarray(x, dtype=np.float32)
    if mode not in RESAMPLE_MODES:
        raise ConfigError(f"unknown resampling mode {mode!r}; known: {', '.join(RESAMPLE_MODES)}")
    if fs_in == fs_out:
        return x.copy()
    if mode == "linear":
        n_out = int(np.floor(x.shape[0] * fs_out / fs_in))
        grid = np.arange(1, n_out + 1) / fs_out
        return np.interp(grid, np.arange(x.shape[0]) / fs_in, x).astype(np.float32)
    import soxr

    return soxr.resample(x, fs_in, fs_out, quality="HQ")


def to_model_rate(x: np.ndarray, fs: float, signal: str, n_epochs: int, mode: str = "soxr") -> np.ndarray:
    """``x`` at ``fs`` Hz to exactly ``n_epochs * samples_per_epoch`` samples at the model rate of ``signal``.

    The last partial epoch is dropped; a recording a few samples short is zero-padded.
    """
    spe = signal_spec(signal).samples_per_epoch
    need = n_epochs * spe
    keep = int(round(n_epochs * EPOCH_SECONDS * fs))
    out = resample(x[:keep], fs, spe / EPOCH_SECONDS, mode)
    if out.shape[0] >= need:
        return out[:need]
    return np.pad(out, (0, need - out.shape[0]))


def scale_units(x: np.ndarray, unit: str, signal: str) -> tuple[np.ndarray, list[str], list[str]]:
    """Voltage signals (ECG, EOG) to mV -> (samples, warnings, QC flags); belts and pleth are left as they are
    (they are standardised later).

    A blank unit is inferred from the amplitude (uV, mV or V, whichever puts it nearest the signal's typical
    amplitude) and reported: a repair. A unit that is not a voltage (or a blank one with no usable amplitude) keeps
    the values as if mV and flags ``unknown unit``: the channel may not be what its label says.
    """
    if signal_spec(signal).kind != "voltage":
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


def _unit_from_amplitude(x: np.ndarray, signal: str) -> str | None:
    finite = x[np.isfinite(x)]
    if finite.size == 0:
        return None
    amplitude = float(np.percentile(np.abs(finite - np.median(finite)), 99))
    if amplitude <= 0:
        return None
    distance = {u: abs(np.log10(amplitude * VOLTAGE_UNITS[u.lower()] / TYPICAL_MV[signal])) for u in ("uV", "mV", "V")}
    return min(distance, key=distance.get)


def qc_flags(x: np.ndarray, signal: str) -> list[str]:
    """Quality flags of a signal in physical units: ``nan``, ``flat``, ``clipped``, ``implausible amplitude``."""
    flags = []
    finite = np.isfinite(x)
    if not finite.all():
        flags.append("nan")
        x = x[finite]
    if x.size == 0 or float(np.ptp(x)) == 0.0 or float(np.std(x)) < 1e-9:
        return [*flags, "flat"]
    lo, hi = float(x.min()), float(x.max())
    at_rails = np.count_nonzero((x == lo) | (x == hi)) / x.size
    if at_rails > 0.01:
        flags.append("clipped")
    limit = IMPLAUSIBLE_MV.get(signal)
    if limit is not None and float(np.percentile(np.abs(x - np.median(x)), 99)) > limit:
        flags.append("implausible amplitude")
    return flags


def model_rate_signals(channels: dict, n_epochs: int, mode: str = "soxr") -> tuple[dict, dict, list[str]]:
    """Channels picked for model signals (``{signal: channel}`` with ``.data``, ``.rate_hz``, ``.unit``,
    ``.label``, ``.warnings``) -> (``{signal: float32 samples at the model rate}``, per-signal metadata, warnings).

    Units are scaled, QC flags computed (non-finite samples then zeroed) and every signal resampled to exactly
    ``n_epochs`` epochs. Ingestion and inference share this, so a night is prepared the same way for both.
    """
    out, meta, warnings = {}, {}, []
    for signal, channel in channels.items():
        warnings += channel.warnings
        data, rate, unit = channel.data, channel.rate_hz, channel.unit
        source = signal_spec(signal).derived_from
        derived = source is not None and not is_alias(channel.label, signal)
        if derived:  # IBI from an ECG channel: beats detected in the scaled ECG
            from wav2sleep.heartbeats import RATE_HZ, ibi_from_ecg

            ecg, ecg_warnings, _ = scale_units(data, unit, source)
            data, beat_warnings = ibi_from_ecg(ecg, rate, channel.label)
            rate, unit = RATE_HZ, signal_spec(signal).unit
            warnings += ecg_warnings + beat_warnings
        x, unit_warnings, unit_flags = scale_units(data, unit, signal)
        warnings += unit_warnings
        flags = unit_flags + qc_flags(x, signal)
        if "nan" in flags:
            x = np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0)
        if flags:
            warnings.append(f"{signal} ({channel.label}): QC {', '.join(flags)}")
        out[signal] = to_model_rate(x, rate, signal, n_epochs, mode)
        meta[signal] = {"channel": channel.label, "unit": channel.unit, "native_rate_hz": channel.rate_hz, "qc": flags,
                        **({"derived_from": source} if derived else {})}  # fmt: skip
    return out, meta, warnings
