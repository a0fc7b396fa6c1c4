"""Evaluate a model on store nights, per dataset x signal subset, as the paper reports it."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from wav2sleep.contract import store_mismatch
from wav2sleep.data.dataset import NightDataset
from wav2sleep.data.splits import read_split
from wav2sleep.evaluation.metrics import confusion_matrix, summarise
from wav2sleep.evaluation.plots import plot_confusion
from wav2sleep.evaluation.tables import write_results
from wav2sleep.inference.windows import predict_logits
from wav2sleep.models import model_contract
from wav2sleep.signals import parse_signals
from wav2sleep.stages import class_labels
from wav2sleep.store import read_manifest

__all__ = ["evaluate_rows", "evaluate", "DEFAULT_SUBSETS", "select_rows"]

DEFAULT_SUBSETS = ("all", "ECG", "ECG+THX", "PPG", "PPG+THX")


def _subset_signals(subset: str, model_signals: Sequence[str]) -> tuple[str, ...]:
    return tuple(model_signals) if subset == "all" else parse_signals(subset)


@torch.no_grad()
def evaluate_rows(model: nn.Module, root: str | Path, rows: Sequence[dict], subsets: Sequence[str] = DEFAULT_SUBSETS,
                  out_dir: str | Path | None = None, n_boot: int = 1000) -> list[dict]:  # fmt: skip
    """Metrics for every dataset x subset. A subset is scored on the nights that have all of its signals ("all":
    every model signal the night has); subsets naming signals the model does not know are skipped. Nights are fed
    as the model's input contract says (normalisation, windows); a store resampled otherwise is warned about."""
    model.eval()
    device = next(model.parameters()).device
    contract = model_contract(model)
    mismatch = store_mismatch(list(rows), contract)
    if mismatch:
        warnings.warn(f"{root}: {mismatch}", stacklevel=2)
    labels = class_labels(model.num_classes)
    results = []
    for dataset in sorted({r["dataset"] for r in rows}):
        ds_rows = [r for r in rows if r["dataset"] == dataset]
        for subset in subsets:
            signals = _subset_signals(subset, model.signals)
            if not set(signals) <= set(model.signals):
                continue
            need = set() if subset == "all" else set(signals)
            usable = [r for r in ds_rows if need <= set(r["signals"].split(","))]
            data = NightDataset(root, usable, signals, model.num_classes, normalisation=None)
            mats = []
            for item in data:
                x = {k: v.numpy() for k, v in item["signals"].items()}
                pred = predict_logits(model, x, len(item["labels"]), contract, device).argmax(-1).numpy()
                mats.append(confusion_matrix(item["labels"].numpy(), pred, model.num_classes))
            if not mats or np.sum(mats) == 0:
                continue
            result = {"dataset": dataset, "subset": subset, **summarise(mats, labels, n_boot)}
            results.append(result)
            if out_dir is not None:
                name = f"{dataset}_{subset.replace('+', '_')}"
                plot_confusion(np.array(result["confusion"]), labels, f"{dataset}, {subset}",
                               Path(out_dir) / "confusion" / f"{name}.png")  # fmt: skip
    if out_dir is not None and results:
        write_results(results, out_dir)
    return results


def select_rows(root: str | Path, scheme: str, partition: str, datasets: Sequence[str] | None = None) -> list[dict]:
    """Usable manifest rows (ok or flagged) of ``partition`` under split ``scheme``, optionally some datasets only."""
    split = read_split(root, scheme)
    rows = read_manifest(root, statuses=("ok", "flagged"))
    return [r for r in rows if split.get((r["dataset"], r["session"])) == partition
            and (not datasets or r["dataset"] in datasets)]  # fmt: skip


def evaluate(model: nn.Module, root: str | Path, *, scheme: str = "paper", partition: str = "test",
             datasets: Sequence[str] | None = None, subsets: Sequence[str] = DEFAULT_SUBSETS,
             out_dir: str | Path | None = None) -> list[dict]:  # fmt: skip
    """Evaluate on the ``partition`` nights of the store at ``root``."""
    return evaluate_rows(model, root, select_rows(root, scheme, partition, datasets), subsets, out_dir)
