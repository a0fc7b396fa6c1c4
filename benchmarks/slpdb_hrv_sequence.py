"""An experiment for issue 12 (kept so that its figures can be re-measured): the 28 HRV features of the baseline
(``wav2sleep.baselines.hrv``) as the input of a small network with whole-night context, wav2sleep's dilated-conv
sequence mixer, on the same SLPDB subject folds and epochs as ``benchmarks/slpdb.py``.

The features are computed from beats rebuilt from the ingested IBI grid (the interval ending at each beat,
interpolated, so beat k+1 is at t_k + IBI(t_k+1)), i.e. from what a model sees at inference, not from the ``.rr``
file. Per fold: train on the train and validation subjects' nights (random crops of 4 h or more, Gaussian feature
noise 0.1, AdamW 1e-3, fixed number of epochs; class-balanced cross-entropy unless ``--unbalanced``), predict the
test subjects' nights whole. 4-class and 3-class models are trained separately. With ``--members K`` each of the
``--seeds`` runs is an ensemble of K models with seeds of their own (mean probabilities). Prints JSON: mean and SD
over the runs, and the ensemble of all the runs' models.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
import torch
from torch import nn

from common import machine
from slpdb import SLPDB, fold_sessions, night_labels, over_seeds, summary, three_class
from wav2sleep.baselines.hrv import hrv_features
from wav2sleep.data.dataset import NightDataset
from wav2sleep.data.splits import write_subject_folds
from wav2sleep.heartbeats import RATE_HZ
from wav2sleep.ingest.runner import ingest_folder
from wav2sleep.models.sequence_mixer import SequenceMixer
from wav2sleep.store import read_manifest


def beats_from_grid(x: np.ndarray, fs: float) -> np.ndarray:
    """Beat times (s) whose intervals follow the IBI grid ``x`` (interval ending at each time, ``fs`` Hz)."""
    t_grid = np.arange(x.shape[0]) / fs
    beats, t = [0.0], 0.0
    while True:
        r = float(np.interp(t + float(np.interp(t, t_grid, x)), t_grid, x))  # two fixed-point steps of r = IBI(t+r)
        t += float(np.interp(t + r, t_grid, x))
        if t > t_grid[-1]:
            return np.array(beats)
        beats.append(t)


def target(y: np.ndarray, classes: int) -> np.ndarray:
    """4-class expert labels (-1 unscored) as ``classes`` classes."""
    return y if classes == 4 else three_class(y)


class FeatureSequenceNet(nn.Module):
    def __init__(self, classes: int, dim: int, layers: int, dropout: float) -> None:
        super().__init__()
        self.embed = nn.Sequential(nn.Linear(28, dim), nn.GELU(), nn.Dropout(dropout), nn.Linear(dim, dim))
        self.mixer = SequenceMixer(dim, layers, 7, 5, dropout=dropout)
        self.head = nn.Linear(dim, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.mixer(self.embed(x)))


def fit(nights: list[tuple[np.ndarray, np.ndarray]], classes: int, seed: int, args) -> FeatureSequenceNet:
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    net = FeatureSequenceNet(classes, args.dim, args.layers, args.dropout)
    opt = torch.optim.AdamW(net.parameters(), 1e-3, weight_decay=1e-2)
    y_all = np.concatenate([y for _, y in nights])
    counts = np.bincount(y_all[y_all >= 0], minlength=classes).clip(1)
    weight = None if args.unbalanced else torch.tensor(counts.sum() / (classes * counts), dtype=torch.float32)
    loss_fn = nn.CrossEntropyLoss(weight=weight, ignore_index=-1)
    net.train()
    for _ in range(args.epochs):
        for i in rng.permutation(len(nights)):
            x, y = nights[i]
            length = int(rng.integers(min(len(y), 480), len(y) + 1))
            a = int(rng.integers(0, len(y) - length + 1))
            xb = torch.tensor(x[a : a + length], dtype=torch.float32)[None]
            loss = loss_fn(net(xb + 0.1 * torch.randn_like(xb))[0], torch.tensor(y[a : a + length]))
            opt.zero_grad()
            loss.backward()
            opt.step()
    return net.eval()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--dropout", type=float, default=0.3)
    parser.add_argument("--unbalanced", action="store_true")
    parser.add_argument("--members", type=int, default=1, help="models per run, ensembled (seeds of their own)")
    args = parser.parse_args()
    torch.set_num_threads(2)
    store = Path(tempfile.mkdtemp()) / "store"
    ingest_folder(SLPDB, store, signals="IBI", workers=2, progress=False)
    write_subject_folds(store, args.folds)
    rows = read_manifest(store)
    sessions = sorted(r["session"] for r in rows)
    labels = night_labels(store, rows)
    features = {item["session"]: hrv_features(beats_from_grid(item["signals"]["IBI"].numpy(), RATE_HZ), len(item["labels"]))
                for item in NightDataset(store, rows, ("IBI",), 4, normalisation=None)}  # fmt: skip
    result: dict = {"benchmark": "slpdb_hrv_sequence", "settings": vars(args)}
    for classes in (4, 3):
        runs, probabilities = [], {s: [] for s in sessions}
        for run in range(args.seeds):
            members = {s: [] for s in sessions}
            for seed in range(run * args.members, (run + 1) * args.members):
                for fold in range(args.folds):
                    train, test = fold_sessions(store, rows, fold)
                    net = fit([(features[s], target(labels[s], classes)) for s in train], classes, seed, args)
                    with torch.no_grad():
                        for s in test:
                            members[s].append(
                                net(torch.tensor(features[s], dtype=torch.float32)[None])[0].softmax(-1).numpy()
                            )
            for s in sessions:
                probabilities[s].extend(members[s])
            # A run's model is the ensemble of its members (their mean probabilities).
            pairs = [(target(labels[s], classes), np.mean(members[s], axis=0).argmax(-1)) for s in sessions]
            runs.append(summary(pairs, classes))
        result[f"{classes}class"] = over_seeds(runs)
        # Ensembling over seeds: the mean of the seeds' probabilities.
        ensemble = [(target(labels[s], classes), np.mean(probabilities[s], axis=0).argmax(-1)) for s in sessions]
        result[f"{classes}class_seed_ensemble"] = summary(ensemble, classes)
    result["machine"] = machine()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
