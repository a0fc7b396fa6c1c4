"""Per-night signal transforms shared by training and inference (so both see the same inputs)."""

from __future__ import annotations

import numpy as np

__all__ = ["zscore", "polarity_flip", "STD_FLOOR"]

STD_FLOOR = 1e-6


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


def polarity_flip(signals: dict, generator=None, p: float = 0.5) -> dict:
    """Multiply each signal of each batch element by -1 with probability ``p`` (training augmentation).

    Sensor polarity varies between devices and montages (inverted ECG leads, belts), so the model should not rely on it.
    """
    import torch

    out = {}
    for name, x in signals.items():
        flip = torch.rand(x.shape[0], generator=generator, device="cpu") < p
        sign = torch.where(flip, -1.0, 1.0).to(x.device, x.dtype)
        out[name] = x * sign[:, None]
    return out
