"""Per-night signal transforms shared by training and inference (so both see the same inputs)."""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["zscore", "zscore_window", "causal_zscore", "normalise", "NORMALISATIONS", "polarity_flip", "STD_FLOOR"]

STD_FLOOR = 1e-6
NORMALISATIONS = ("zscore", "zscore-window", "causal", "none")


def zscore(x: np.ndarray, valid: int | None = None) -> np.ndarray:
    """Standardise a night's signal with the mean and std of its real samples.

    ``valid`` is the number of real samples at the start of ``x`` (the rest is padding): only they enter the
    statistics, unlike the reference, which z-scores over the zero-padded 10-h trace. Padding stays 0. Non-finite
    samples are set to 0 and excluded from the statistics.
    """
    x = np.asarray(x, dtype=np.float32)
    n = x.shape[-1] if valid is None else valid
    real = x[..., :n]
    out = np.zeros_like(x)
    finite = np.isfinite(real)
    if finite.all():  # the common case: centre in place, variance as one BLAS dot product, no float64 copies
        centred = out[..., :n]
        np.subtract(real, np.float32(real.mean(dtype=np.float64)), out=centred)
        flat = centred.reshape(-1)
        std = max(float(np.sqrt(np.dot(flat, flat) / max(flat.size, 1))), STD_FLOOR)
        centred *= np.float32(1 / std)
        return out
    count = max(int(finite.sum()), 1)
    clean = np.where(finite, real, np.float32(0))
    mean = clean.sum(dtype=np.float64) / count
    var = (np.square(clean - mean, dtype=np.float64) * finite).sum() / count
    out[..., :n] = np.where(finite, (clean - mean) / max(np.sqrt(var), STD_FLOOR), 0.0)
    return out


def zscore_window(x: np.ndarray) -> np.ndarray:
    """Standardise over every sample of the window, zero padding included, with the sample (n - 1) standard
    deviation: the original's per-night z-score, which the published checkpoints were trained with."""
    x = np.asarray(x, dtype=np.float32)
    if x.size < 2 or not np.isfinite(x).all():
        return x.copy()
    mean = x.mean(dtype=np.float64)
    std = max(float(x.std(dtype=np.float64, ddof=1)), STD_FLOOR)
    return ((x - np.float32(mean)) * np.float32(1 / std)).astype(np.float32, copy=False)


def causal_zscore(
    x: np.ndarray,
    fs: float,
    valid: int | None = None,
    *,
    baseline_tau: float = 120.0,
    variance_tau: float = 900.0,
    clip_sigmas: float = 4.0,
    std_floor: float = 0.1,
) -> np.ndarray:
    """Running (causal) standardisation: output t depends only on samples up to t (after a short warm-up).

    Exponential moving mean (time constant ``baseline_tau`` s) and variance (``variance_tau`` s), weights
    alpha = (1 / fs) / tau per sample. At each sample the mean is updated first; the residual against the new mean,
    clipped at ``clip_sigmas`` times the previous (floored) std so that artefacts barely move the variance, updates
    the variance; the output is the unclipped residual over max(std, ``std_floor``). Mean and variance start from
    the first max(1, min(120 s, 10 % of the night)) samples: the only look-ahead. Non-finite samples give 0 and
    leave the state unchanged; padding after ``valid`` stays 0. The reference's settings; see docs/training.md.
    """
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 1:
        raise ValueError(f"causal_zscore takes one signal (1-D), got shape {x.shape}")
    n = x.shape[0] if valid is None else valid
    out = np.zeros_like(x)
    if n == 0:
        return out
    warmup = x[: max(1, min(round(120 * fs), round(0.1 * n)))]
    finite = warmup[np.isfinite(warmup)].astype(np.float64)
    mean0 = float(finite.mean()) if finite.size else 0.0
    var0 = float(finite.var()) if finite.size else 0.0
    alpha_mean, alpha_var = min(1.0, 1 / (fs * baseline_tau)), min(1.0, 1 / (fs * variance_tau))
    _ema_kernel()(x[:n], out[:n], mean0, var0, alpha_mean, alpha_var, clip_sigmas, std_floor)
    return out


@functools.cache
def _ema_kernel():
    """The sample loop, compiled by numba on first use (cached on disk); imported lazily to keep startup fast."""
    import numba

    @numba.njit(cache=True, nogil=True)
    def kernel(x, out, mean, var, alpha_mean, alpha_var, clip_sigmas, std_floor):
        std = max(np.sqrt(var), std_floor)
        for t in range(x.shape[0]):
            v = x[t]
            if not np.isfinite(v):
                continue
            mean += alpha_mean * (v - mean)
            residual = v - mean
            bound = clip_sigmas * std
            clipped = min(max(residual, -bound), bound)
            var += alpha_var * (clipped * clipped - var)
            std = max(np.sqrt(var), std_floor)
            out[t] = residual / std

    return kernel


def normalise(x: np.ndarray, method: str, fs: float, valid: int | None = None) -> np.ndarray:
    """Normalise one night's signal by ``method`` (one of ``NORMALISATIONS``); ``fs`` is its sample rate in Hz."""
    if method == "zscore":
        return zscore(x, valid)
    if method == "zscore-window":
        return zscore_window(x)
    if method == "causal":
        return causal_zscore(x, fs, valid)
    if method == "none":  # the model takes the samples in their units (e.g. beat intervals in seconds)
        return np.asarray(x, dtype=np.float32)
    raise ValueError(f"unknown normalisation {method!r}; choose from {', '.join(NORMALISATIONS)}")


def polarity_flip(signals: dict, generator=None, p: float = 0.5) -> dict:
    """Multiply each signal of each batch element by -1 with probability ``p`` (training augmentation).

    Sensor polarity varies between devices and montages (inverted ECG leads, belts), so the model should not rely on it.
    Beat intervals have no polarity (a longer interval is a slower heart): they are left as they are.
    """
    import torch

    from wav2sleep.signals import signal_spec

    out = {}
    for name, x in signals.items():
        if signal_spec(name).kind == "interval":
            out[name] = x
            continue
        flip = torch.rand(x.shape[0], generator=generator, device="cpu") < p
        sign = torch.where(flip, -1.0, 1.0).to(x.device, x.dtype)
        out[name] = x * sign[:, None]
    return out
