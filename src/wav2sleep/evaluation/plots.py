"""Confusion-matrix pictures: counts with row percentages, title with accuracy and kappa."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from wav2sleep.evaluation.metrics import accuracy, cohens_kappa
from wav2sleep.plotting import pyplot, save_figure

__all__ = ["plot_confusion"]


def plot_confusion(cm: np.ndarray, labels, title: str, path: str | Path) -> Path:
    cm = np.asarray(cm)
    rows = cm.sum(1, keepdims=True).clip(1)
    fig, ax = pyplot().subplots(figsize=(4.6, 4.2))
    ax.imshow(cm / rows, cmap="Blues", vmin=0, vmax=1)
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            share = cm[i, j] / rows[i, 0]
            ax.text(j, i, f"{cm[i, j]}\n({100 * share:.0f} %)", ha="center", va="center", fontsize=8,
                    color="white" if share > 0.5 else "black")  # fmt: skip
    ax.set_xticks(range(len(labels)), labels)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("scored")
    ax.set_title(f"{title}\nacc {100 * accuracy(cm):.1f} %, κ {cohens_kappa(cm):.3f}", fontsize=9)
    return save_figure(fig, path, dpi=110)
