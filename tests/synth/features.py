"""Simple per-epoch features for the separability check (what a non-deep baseline would use)."""

import numpy as np

from wav2sleep.signals import EPOCH_SECONDS


def epoch_features(night) -> np.ndarray:
    """Mean heart rate, its std, breathing rate and belt amplitude per 30-s epoch."""
    n = night.stages.shape[0]
    rr = np.diff(night.beat_times)
    epoch_of_beat = (night.beat_times[1:] // EPOCH_SECONDS).astype(int)
    hr = 60 / rr
    counts = np.bincount(epoch_of_beat, minlength=n)[:n].clip(1)
    mean_hr = np.bincount(epoch_of_beat, hr, minlength=n)[:n] / counts
    sq = np.bincount(epoch_of_beat, hr**2, minlength=n)[:n] / counts
    sd_hr = np.sqrt(np.clip(sq - mean_hr**2, 0, None))
    belt, fs = night.waveforms["THX"]
    per_epoch = belt[: n * int(EPOCH_SECONDS * fs)].reshape(n, -1)
    centred = per_epoch - per_epoch.mean(axis=1, keepdims=True)
    crossings = (np.diff(np.sign(centred), axis=1) > 0).sum(axis=1) * 2  # per minute
    amplitude = centred.std(axis=1)
    return np.column_stack([mean_hr, sd_hr, crossings, amplitude])
