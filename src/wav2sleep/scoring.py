"""Agreement between two stagings from their confusion matrix: the one place these are computed (evaluation,
validation in training, and a staged night against a reference scorer). Unscored epochs (-1) never count."""

from __future__ import annotations

import numpy as np

__all__ = ["confusion_matrix", "cohens_kappa", "accuracy", "f1_scores"]


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> np.ndarray:
    """Counts [true, predicted]; epochs whose true label is -1 (unscored) are left out."""
    y_true, y_pred = np.asarray(y_true).ravel(), np.asarray(y_pred).ravel()
    keep = y_true >= 0
    idx = y_true[keep] * num_classes + y_pred[keep]
    return np.bincount(idx, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def cohens_kappa(cm: np.ndarray) -> float:
    """Unweighted Cohen's kappa; nan for an empty matrix, 0 when chance agreement is total."""
    n = cm.sum()
    if n == 0:
        return float("nan")
    observed = np.trace(cm) / n
    expected = float((cm.sum(0) * cm.sum(1)).sum()) / n**2
    return 0.0 if expected == 1 else float((observed - expected) / (1 - expected))


def accuracy(cm: np.ndarray) -> float:
    n = cm.sum()
    return float(np.trace(cm) / n) if n else float("nan")


def f1_scores(cm: np.ndarray) -> np.ndarray:
    """Per-class F1 (nan for a class neither scored nor predicted)."""
    tp = np.diag(cm).astype(float)
    denom = cm.sum(0) + cm.sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, 2 * tp / denom, np.nan)
