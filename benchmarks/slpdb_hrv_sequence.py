"""Cross-validation of the HRVSequence recipe (``models.hrv_sequence``, ``training.hrv_sequence``; the shipped
``builtin:ibi-slpdb``): the 28 HRV features of the baseline (``wav2sleep.baselines.hrv``) as the input of a small
network with whole-night context, wav2sleep's dilated-conv sequence mixer, on the same SLPDB subject folds and
epochs as ``benchmarks/slpdb.py``.

The features are computed from beats rebuilt from the ingested IBI grid (the interval ending at each beat,
interpolated, so beat k+1 is at t_k + IBI(t_k+1)), i.e. from what a model sees at inference, not from the ``.rr``
file. Per fold: train on the train and validation subjects' nights (random crops of 4 h or more, Gaussian feature
noise 0.1, AdamW 1e-3, fixed number of epochs; class-balanced cross-entropy unless ``--unbalanced``), predict the
test subjects' nights whole. 4-class and 3-class models are trained separately; the 4-class models are also scored
on 3 classes with light and deep merged (``4class_merged``: their probabilities summed), as the shipped 4-class
model gives 3 classes. With ``--members K`` each of the ``--seeds`` runs is an ensemble of K models with seeds of
their own (mean probabilities). With ``--pretrain-nights N`` every member of a run starts from one network trained
for ``--pretrain-epochs`` passes on N synthetic 8-h beat-interval nights (``synth.beats``, ingested like the real
ones; the same steps as ``fit_member``); each run has a corpus and a pretraining seed of its own (1, 2, ...), so
the spread over runs includes the pretraining's. With ``--tree-weight W`` each run's model blends its members'
mean with the HRV baseline's gradient boosting fitted on the same features and nights (``fit_forest``, seed = the
run's number), as the shipped model does: (1 - W) x networks + W x trees. Prints JSON: mean and SD over the runs, and the ensemble of all
the runs' models.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
import torch

from common import machine
from slpdb import SLPDB, fold_sessions, night_labels, over_seeds, summary, three_class
from wav2sleep.data.dataset import NightDataset
from wav2sleep.data.splits import write_subject_folds
from wav2sleep.ingest.runner import ingest_folder
from wav2sleep.models.hrv_sequence import night_features
from wav2sleep.store import read_manifest
from wav2sleep.synth.beats import write_beat_corpus
from wav2sleep.training.hrv_sequence import fit_forest, fit_member, store_nights


def target(y: np.ndarray, classes: int) -> np.ndarray:
    """4-class expert labels (-1 unscored) as ``classes`` classes."""
    return y if classes == 4 else three_class(y)


def settings(args) -> dict:
    return {"dim": args.dim, "layers": args.layers, "dropout": args.dropout, "balanced": not args.unbalanced}


def fit(nights: list[tuple[np.ndarray, np.ndarray]], classes: int, seed: int, args, init=None):
    return fit_member(nights, classes, seed, epochs=args.epochs, init=init, **settings(args))


def synthetic_nights(count: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(HRV features, 4-class stages) of ``count`` synthetic 8-h beat-interval nights (``synth.beats``), written as
    ``.rr``/``.an`` files and ingested as the SLPDB records are."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_beat_corpus(tmp, count, 8.0, seed=seed)
        ingest_folder(folder, Path(tmp) / "store", signals="IBI", workers=2, progress=False)
        return list(store_nights(Path(tmp) / "store").values())


def merged(p: np.ndarray) -> np.ndarray:
    """4-class probabilities [E, 4] (W, light, deep, REM) -> 3 classes (W, NREM, REM)."""
    return np.stack([p[:, 0], p[:, 1] + p[:, 2], p[:, 3]], axis=1)


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
    parser.add_argument("--pretrain-nights", type=int, default=0, help="synthetic nights to pretrain on (0: none)")
    parser.add_argument("--pretrain-epochs", type=int, default=10)
    parser.add_argument("--tree-weight", type=float, default=0.0, help="blend boosted trees in (0: networks only)")
    args = parser.parse_args()
    torch.set_num_threads(2)
    store = Path(tempfile.mkdtemp()) / "store"
    ingest_folder(SLPDB, store, signals="IBI", workers=2, progress=False)
    write_subject_folds(store, args.folds)
    rows = read_manifest(store)
    sessions = sorted(r["session"] for r in rows)
    labels = night_labels(store, rows)
    features = {item["session"]: night_features(item["signals"]["IBI"].numpy())
                for item in NightDataset(store, rows, ("IBI",), 4, normalisation=None)}  # fmt: skip
    result: dict = {"benchmark": "slpdb_hrv_sequence", "settings": vars(args)}
    synthetic: dict[int, list] = {}  # run -> its synthetic nights: each run pretrains on a corpus of its own
    for classes in (4, 3):
        runs, merged_runs, probabilities = [], [], {s: [] for s in sessions}
        for run in range(args.seeds):
            init = None
            if args.pretrain_nights:
                if run not in synthetic:
                    synthetic[run] = synthetic_nights(args.pretrain_nights, seed=1 + run)
                nights = [(x, target(y, classes)) for x, y in synthetic[run]]
                init = fit_member(nights, classes, 1 + run, epochs=args.pretrain_epochs, **settings(args)).state_dict()
            members, forest = {s: [] for s in sessions}, {}
            for fold in range(args.folds):
                train, test = fold_sessions(store, rows, fold)
                nights = [(features[s], target(labels[s], classes)) for s in train]
                for seed in range(run * args.members, (run + 1) * args.members):
                    net = fit(nights, classes, seed, args, init)
                    with torch.no_grad():
                        for s in test:
                            members[s].append(
                                net(torch.tensor(features[s], dtype=torch.float32)[None])[0].softmax(-1).numpy()
                            )
                if args.tree_weight:
                    trees = fit_forest(nights, classes, run)
                    with torch.no_grad():
                        forest.update({s: trees(torch.from_numpy(features[s])).numpy() for s in test})
            # A run's model is the ensemble of its members (their mean probabilities), blended with its trees.
            blend = {s: np.mean(members[s], axis=0) for s in sessions}
            if args.tree_weight:
                blend = {s: (1 - args.tree_weight) * p + args.tree_weight * forest[s] for s, p in blend.items()}
            for s in sessions:
                probabilities[s].append(blend[s])
            pairs = [(target(labels[s], classes), blend[s].argmax(-1)) for s in sessions]
            runs.append(summary(pairs, classes))
            if classes == 4:
                pairs = [(three_class(labels[s]), merged(blend[s]).argmax(-1)) for s in sessions]
                merged_runs.append(summary(pairs, 3))
        result[f"{classes}class"] = over_seeds(runs)
        if merged_runs:
            result["4class_merged"] = over_seeds(merged_runs)
        # Ensembling over seeds: the mean of the runs' probabilities.
        ensemble = [(target(labels[s], classes), np.mean(probabilities[s], axis=0).argmax(-1)) for s in sessions]
        result[f"{classes}class_seed_ensemble"] = summary(ensemble, classes)
    result["machine"] = machine()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
