"""Agreement metrics from confusion matrices; unscored epochs (-1) never count.

Pooled metrics sum the confusion matrices of all nights (as the reference does); per-night metrics give each night
equal weight (median and interquartile range of Cohen's kappa); bootstrap intervals resample nights.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from wav2sleep.scoring import accuracy, cohens_kappa, confusion_matrix, f1_scores

__all__ = ["confusion_matrix", "cohens_kappa", "accuracy", "f1_scores", "summarise", "bootstrap_ci"]


def bootstrap_ci(per_night: Sequence[np.ndarray], stat, n_boot: int = 1000, seed: int = 0) -> tuple[float, float]:
    """95 % interval of ``stat(pooled confusion matrix)`` over nights resampled with replacement."""
    mats = np.stack(per_night)
    if len(mats) < 2:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(mats), size=(n_boot, len(mats)))
    values = np.array([stat(mats[d].sum(0)) for d in draws])
    lo, hi = np.nanpercentile(values, [2.5, 97.5])
    return float(lo), float(hi)


def summarise(per_night: Sequence[np.ndarray], labels: Sequence[str], n_boot: int = 1000) -> dict:
    """Pooled kappa/accuracy/macro-F1/per-class F1, per-night kappa median and IQR, bootstrap 95 % intervals."""
    pooled = np.sum(per_night, axis=0)
    f1 = f1_scores(pooled)
    night_kappas = np.array([cohens_kappa(m) for m in per_night])
    night_kappas = night_kappas[np.isfinite(night_kappas)]
    q1, med, q3 = np.percentile(night_kappas, [25, 50, 75]) if night_kappas.size else (np.nan,) * 3
    return {
        "nights": len(per_night),
        "epochs": int(pooled.sum()),
        "kappa": cohens_kappa(pooled),
        "kappa_ci": bootstrap_ci(per_night, cohens_kappa, n_boot),
        "accuracy": accuracy(pooled),
        "accuracy_ci": bootstrap_ci(per_night, accuracy, n_boot),
        "macro_f1": float(np.nanmean(f1)),
        "f1": {label: float(v) for label, v in zip(labels, f1, strict=True)},
        "night_kappa_median": float(med),
        "night_kappa_iqr": (float(q1), float(q3)),
        "confusion": pooled.tolist(),
    }
