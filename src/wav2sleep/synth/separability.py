"""How learnable the synthetic corpus is without context: a per-epoch logistic regression on simple features.

The features are what a non-deep baseline would use: mean heart rate and its standard deviation (from the beat
times), breathing rate (zero crossings of the thoracic belt) and belt amplitude, standardised per night. Trained on
some subjects and scored on others, its kappa must land clearly between chance (0) and perfect (1): the stages
shape the physiology, but no signal gives the label away.
"""

from __future__ import annotations

import numpy as np

from wav2sleep.signals import EPOCH_SECONDS
from wav2sleep.synth.physiology import SimulatedNight, simulate_night

__all__ = ["epoch_features", "separability_kappa"]


def epoch_features(night: SimulatedNight) -> np.ndarray:
    """[n_epochs, 4]: mean heart rate, heart-rate std, breaths per minute, belt amplitude."""
    n = night.stages.shape[0]
    rr = np.diff(night.beat_times)
    epoch_of_beat = (night.beat_times[1:] // EPOCH_SECONDS).astype(int)
    keep = epoch_of_beat < n
    hr, epoch_of_beat = 60 / rr[keep], epoch_of_beat[keep]
    counts = np.bincount(epoch_of_beat, minlength=n).clip(1)
    mean_hr = np.bincount(epoch_of_beat, hr, minlength=n) / counts
    sd_hr = np.sqrt(np.clip(np.bincount(epoch_of_beat, hr**2, minlength=n) / counts - mean_hr**2, 0, None))
    belt, fs = night.waveforms["THX"]
    per_epoch = belt[: n * int(EPOCH_SECONDS * fs)].reshape(n, -1)
    centred = per_epoch - per_epoch.mean(axis=1, keepdims=True)
    breaths = (np.diff(np.sign(centred), axis=1) > 0).sum(axis=1) * 60 / EPOCH_SECONDS
    return np.column_stack([mean_hr, sd_hr, breaths, centred.std(axis=1)])


def separability_kappa(train_subjects: int = 6, test_subjects: int = 4, hours: float = 6.0, seed: int = 100) -> float:
    """Cohen's kappa (5 classes) of the per-epoch logistic regression on held-out synthetic subjects."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import cohen_kappa_score

    nights = [simulate_night(seed + i, hours, eog=False, has_ppg=False, rates={"ECG": 64})
              for i in range(train_subjects + test_subjects)]  # fmt: skip

    def xy(group):
        feats = [epoch_features(n) for n in group]
        return np.vstack([(f - f.mean(0)) / f.std(0) for f in feats]), np.concatenate([n.stages for n in group])

    x, y = xy(nights[:train_subjects])
    xt, yt = xy(nights[train_subjects:])
    return float(cohen_kappa_score(yt, LogisticRegression(max_iter=2000).fit(x, y).predict(xt)))
