"""The HRV-feature baseline for beat-interval staging: 28 heart-rate-variability features per 30-s epoch, computed
with sleepecg's feature extraction, z-scored per night, and scikit-learn classifiers whose settings were fixed
before they were run (``benchmarks/slpdb.py`` compares them with our models on the same folds and epochs).

Features (``FEATURES``), each over a window centred on the epoch (windows that run past the night's ends are cut
there by sleepecg):
- 30 s: meanNN, SDNN, RMSSD, pNN50, rangeNN, meanHR;
- 5 min: meanNN, SDNN, RMSSD, pNN50, SD1, SD2, CSI, CVI, and the spectral total_power, LF, HF, LF/HF, LF_norm,
  HF_norm (intervals resampled at 4 Hz, Welch; sleepecg's bands: VLF 0.0033-0.04, LF 0.04-0.15, HF 0.15-0.4 Hz);
- 10 min: meanNN, SDNN, RMSSD, SD2, LF, HF, LF/HF;
- 51 min: VLF (sleepecg needs at least 3,030 s, ten cycles of its lowest frequency, to estimate it).
Powers (in ms^2) and LF/HF are log-transformed (log1p) before the per-night z-score; a feature sleepecg cannot
compute in a window (too few beats, or a recording shorter than the window) becomes the night's mean (0 after
z-scoring). Beats: every beat of the file (ectopic ones too, as sleepecg's own classifiers see detected beats),
intervals outside 0.3-2 s treated as missing.

Not included, though often listed with these: the frequency of the HF peak (sleepecg does not compute it, and we do
not write spectral code of our own for a baseline).
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = ["FEATURES", "hrv_features", "make_classifier", "CLASSIFIERS"]

# (lookback, lookforward) in seconds around each epoch's start: windows centred on the epoch.
WINDOWS = {"30s": (0, 30), "5min": (135, 165), "10min": (285, 315), "51min": (1515, 1545)}
FEATURES = {
    "30s": ("meanNN", "SDNN", "RMSSD", "pNN50", "rangeNN", "meanHR"),
    "5min": (
        "meanNN",
        "SDNN",
        "RMSSD",
        "pNN50",
        "SD1",
        "SD2",
        "CSI",
        "CVI",
        "total_power",
        "LF",
        "HF",
        "LF_HF_ratio",
        "LF_norm",
        "HF_norm",
    ),
    "10min": ("meanNN", "SDNN", "RMSSD", "SD2", "LF", "HF", "LF_HF_ratio"),
    "51min": ("VLF",),
}
POWERS = frozenset({"total_power", "VLF", "LF", "HF"})  # s^2 from sleepecg
RR_RANGE_S = (0.3, 2.0)
CLASSIFIERS = ("logistic", "boosting")


def feature_names() -> list[str]:
    return [f"{name}_{window}" for window, names in FEATURES.items() for name in names]


def hrv_features(beat_times: np.ndarray, n_epochs: int, zscore: bool = True) -> np.ndarray:
    """[n_epochs, 28] features of the night whose beats are at ``beat_times`` (s from the start of epoch 0)."""
    import sleepecg

    beats = np.sort(np.asarray(beat_times, dtype=float))
    if n_epochs < 1 or beats.size < 3:
        raise ValueError(f"an HRV feature night needs epochs and beats; got {n_epochs} epochs, {beats.size} beats")
    record = sleepecg.SleepRecord(sleep_stages=np.zeros(n_epochs, dtype=int), sleep_stage_duration=30,
                                  heartbeat_times=beats)  # fmt: skip
    columns = []
    for window, names in FEATURES.items():
        back, forward = WINDOWS[window]
        try:
            with np.errstate(invalid="ignore", divide="ignore"):  # 0/0 ratios of a steady heart: NaN, handled below
                features, _, ids = sleepecg.extract_features([record], lookback=back, lookforward=forward,
                                                             feature_selection=list(names), min_rri=RR_RANGE_S[0],
                                                             max_rri=RR_RANGE_S[1], max_nans=0.5)  # fmt: skip
            block = np.asarray(features[0], dtype=float)
        except (ValueError, IndexError):  # sleepecg fails where no window is usable (a night shorter than it)
            block, ids = np.full((n_epochs, len(names)), np.nan), names
        for k, name in enumerate(ids):
            column = block[:, k]
            if name in POWERS:
                column = np.log1p(np.clip(column, 0, None) * 1e6)  # ms^2
            elif name == "LF_HF_ratio":
                column = np.log1p(np.clip(column, 0, None))
            columns.append(column)
    x = np.stack(columns, axis=1)
    x[~np.isfinite(x)] = np.nan
    if zscore:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column (no beats in any window): below
            mean, std = np.nanmean(x, axis=0), np.nanstd(x, axis=0)
        std = np.where(np.isfinite(std) & (std > 0), std, 1.0)
        x = (x - np.nan_to_num(mean)) / std
        x[np.isnan(x)] = 0.0
    return x


def make_classifier(kind: str, seed: int):
    """The baseline classifiers, settings fixed in advance (not tuned on any fold): class-balanced logistic
    regression (deterministic: the seed changes nothing) and gradient boosting (histogram-based, class-balanced,
    70 % of the features per split, so that the seed matters)."""
    if kind == "logistic":
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=1.0, class_weight="balanced", max_iter=5000, random_state=seed)
    if kind == "boosting":
        from sklearn.ensemble import HistGradientBoostingClassifier

        return HistGradientBoostingClassifier(learning_rate=0.05, max_iter=300, max_leaf_nodes=15,
                                              l2_regularization=1.0, min_samples_leaf=40, max_features=0.7,
                                              class_weight="balanced", early_stopping=False, random_state=seed)  # fmt: skip
    raise ValueError(f"classifier must be one of {', '.join(CLASSIFIERS)}, got {kind!r}")
