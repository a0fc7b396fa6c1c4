"""Validation metrics pooled, per dataset and per signal subset, checked against per-night sums done by hand."""

import lightning as L
import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from wav2sleep.data.dataset import NightDataset, collate_nights
from wav2sleep.evaluation.metrics import cohens_kappa, confusion_matrix
from wav2sleep.models import create_model
from wav2sleep.store import read_manifest
from wav2sleep.training.module import StagingModule

SIGNALS = ("ECG", "PPG", "THX")


def _by_hand(model, items, subset=None):
    """Summed cross-entropy, scored epochs and confusion matrix per dataset, one night at a time."""
    out = {}
    for it in items:
        names = subset or [s for s in SIGNALS if s in it["signals"]]
        if not all(s in it["signals"] for s in names):
            continue
        with torch.no_grad():
            logits = model({s: it["signals"][s][None] for s in names})[0]
        labels = it["labels"]
        ce = torch.nn.functional.cross_entropy(logits, labels, ignore_index=-1, reduction="sum").item()
        cm = confusion_matrix(labels.numpy(), logits.argmax(-1).numpy(), 4)
        loss, count, total = out.get(it["dataset"], (0.0, 0, 0))
        out[it["dataset"]] = (loss + ce, count + int((labels >= 0).sum()), total + cm)
    return out


def test_pooled_per_dataset_and_subset_metrics(ingested):
    _, store = ingested
    rows = [r for r in read_manifest(store) if r["dataset"] in ("mesa", "shhs", "cfs")]
    data = NightDataset(store, rows, SIGNALS, 4)
    torch.manual_seed(0)
    model = create_model("wav2sleep", signals=SIGNALS, feature_dim=16, epoch_mixer={"nhead": 2, "dim_ff": 32},
                         sequence_mixer={"kernel_size": 3, "num_dilations": 2}).eval()  # fmt: skip
    module = StagingModule(model, val_datasets=["mesa", "shhs", "cfs"], val_subsets=["ECG", "PPG+THX", "EOG-L"])
    assert module.val_groups == [None, ("ECG",), ("PPG", "THX")]  # subsets the model cannot take are left out
    trainer = L.Trainer(accelerator="cpu", logger=False, enable_progress_bar=False, enable_model_summary=False)
    trainer.validate(module, DataLoader(data, batch_size=3, collate_fn=collate_nights), verbose=False)
    got = {k: float(v) for k, v in trainer.callback_metrics.items()}

    items = list(data)
    for subset, tag in [(None, ""), (["ECG"], "_ECG"), (["PPG", "THX"], "_PPG_THX")]:
        per_dataset = _by_hand(model, items, subset)
        for dataset, (loss, count, cm) in per_dataset.items():
            assert got[f"val{tag}_loss_{dataset}"] == pytest.approx(loss / count, rel=1e-4)
            assert got[f"val{tag}_{dataset}_kappa"] == pytest.approx(cohens_kappa(cm), abs=1e-6)
        pooled_loss = sum(v[0] for v in per_dataset.values()) / sum(v[1] for v in per_dataset.values())
        assert got[f"val{tag}_loss"] == pytest.approx(pooled_loss, rel=1e-4)
        assert got[f"val{tag}_kappa"] == pytest.approx(cohens_kappa(sum(v[2] for v in per_dataset.values())), abs=1e-6)
    # Nights without PPG are not scored for PPG+THX: a dataset with none of them has no such metric.
    no_ppg = {r["dataset"] for r in rows} - {r["dataset"] for r in rows if "PPG" in r["signals"].split(",")}
    assert no_ppg and all(f"val_PPG_THX_loss_{d}" not in got for d in no_ppg)
    assert np.isfinite(list(got.values())).all()
