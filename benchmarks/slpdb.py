"""Staging from heart-beat intervals on real data: SLPDB (13 records, 11 subjects), subject-wise cross-validation.

- ingest ``shared/data/slpdb`` (beat intervals + expert stages) with the IBI signal;
- K folds by subject (halves of a night together); per fold, train ``experiment=slpdb`` on the train subjects
  (val subjects for early stopping) and stage the test subjects' nights: every night is staged exactly once by a
  model that never saw its subject;
- the same with pretraining: a model trained on synthetic beat-interval nights (``wav2sleep synth --beat-nights``),
  applied to SLPDB as it is (zero-shot), and fine-tuned on each fold (``init_from``);
- pooled Cohen's kappa and accuracy over all epochs, 4 classes (W, light, deep, REM) and 3 (W, NREM, REM), and
  the per-night kappa median;
- the outside baseline: sleepecg's MESA-trained ``wrn-gru-mesa`` classifier (3 classes: W, NREM, REM; HRV features,
  age, sex and clock time), on the same beats and epochs, when sleepecg and keras are installed
  (``pip install sleepecg keras``; it runs on the torch backend).

Data: MIT-BIH Polysomnographic Database (PhysioNet), ODC-By 1.0: Ichimaru & Moody 1999; Goldberger et al. 2000.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

# sleepecg's classifiers are Keras models; the torch backend is the one installed here, whatever the environment says.
os.environ["KERAS_BACKEND"] = "torch"

from common import machine  # noqa: E402
from wav2sleep.data.dataset import NightDataset  # noqa: E402
from wav2sleep.data.splits import read_split, write_split, write_subject_folds  # noqa: E402
from wav2sleep.evaluation.metrics import accuracy, cohens_kappa, confusion_matrix  # noqa: E402
from wav2sleep.ingest.runner import ingest_folder  # noqa: E402
from wav2sleep.io.beat_intervals import read_beat_table  # noqa: E402
from wav2sleep.models import load_model  # noqa: E402
from wav2sleep.store import read_manifest  # noqa: E402
from wav2sleep.synth.beats import write_beat_corpus  # noqa: E402
from wav2sleep.training.train import compose_config, train  # noqa: E402

SLPDB = Path(__file__).resolve().parents[2] / "shared" / "data" / "slpdb"
FOUR_TO_THREE = np.array([0, 1, 1, 2])  # W, light, deep, REM -> W, NREM, REM


def predict(model, store: Path, rows: list[dict]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """session -> (expert 4-class labels, predicted 4-class labels)."""
    import torch

    out = {}
    with torch.no_grad():
        for item in NightDataset(store, rows, ("IBI",), 4, normalisation=model.normalisation):
            logits = model({k: v[None] for k, v in item["signals"].items()})[0]
            out[item["session"]] = (item["labels"].numpy(), logits.argmax(-1).numpy())
    return out


def cross_validate(
    store: Path, folds: int, out: Path, overrides: list[str]
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Every night predicted by the model of the fold that tests it."""
    rows = read_manifest(store)
    predictions = {}
    for fold in range(folds):
        scheme = f"subject-fold{fold}"
        cfg = compose_config(["experiment=slpdb", f"data_root={store}", f"split_scheme={scheme}",
                              f"output_dir={out / scheme}", "test=false", *overrides])  # fmt: skip
        split = read_split(store, scheme)
        test = [r for r in rows if split[(r["dataset"], r["session"])] == "test"]
        predictions.update(predict(load_model(train(cfg)["model_dir"]), store, test))
    return predictions


def pretrain(folder: Path, nights: int, epochs: int) -> Path:
    """A model trained on ``nights`` synthetic 8-h beat-interval nights (subject-wise 80/10/10 split)."""
    write_beat_corpus(folder, nights, 8.0, seed=1)
    store = folder / "store"
    ingest_folder(folder / "ibi", store, signals="IBI", workers=2, progress=False)
    write_split(store, "subject")
    cfg = compose_config(["experiment=slpdb", f"data_root={store}", "datasets.train=[ibi]", "datasets.test=[ibi]",
                          "split_scheme=subject", f"output_dir={folder / 'run'}", "test=false",
                          f"training.max_epochs={epochs}", "training.patience=8"])  # fmt: skip
    return Path(train(cfg)["model_dir"])


def sleepecg_baseline(sessions: dict[str, np.ndarray]) -> dict[str, np.ndarray] | None:
    """session -> sleepecg's 3-class prediction (-1 where it gives none) for ``sessions`` (session -> epochs)."""
    try:
        import keras
        import sleepecg
        import wfdb
    except ImportError:
        return None
    keras.utils.disable_interactive_logging()
    clf = sleepecg.load_classifier("wrn-gru-mesa", "SleepECG")
    names = {"WAKE": 0, "NREM": 1, "REM": 2, "UNDEFINED": -1}
    out = {}
    for session, n_epochs in sessions.items():
        beats = read_beat_table(SLPDB / f"{session}.rr")[0]  # every beat, ectopic ones too
        header = wfdb.rdheader(str(SLPDB / session))
        age, sex, weight = (header.comments[0].split() + [""] * 3)[:3] if header.comments else ("", "", "")
        subject = sleepecg.SubjectData(gender={"M": 1, "F": 0}.get(sex), age=_number(age), weight=_number(weight))
        record = sleepecg.SleepRecord(sleep_stages=np.zeros(n_epochs, dtype=int), sleep_stage_duration=30, id=session,
                                      recording_start_time=header.base_time, heartbeat_times=beats,
                                      subject_data=subject)  # fmt: skip
        with contextlib.redirect_stdout(sys.stderr):  # keras' progress bars; stdout carries the JSON
            staged = sleepecg.stage(clf, record, return_mode="str")
        out[session] = np.array([names[s] for s in staged[:n_epochs]])
    return out


def _three(y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """4-class labels and predictions -> 3 classes (unscored stays -1)."""
    return np.where(y >= 0, FOUR_TO_THREE[y.clip(0)], -1), FOUR_TO_THREE[p]


def _number(text: str) -> float | None:
    """A header comment field ("44", "89", or "x" when unknown)."""
    try:
        return float(text)
    except ValueError:
        return None


def summary(pairs: list[tuple[np.ndarray, np.ndarray]], classes: int) -> dict:
    mats = [confusion_matrix(y, p, classes) for y, p in pairs]
    total = np.sum(mats, axis=0)
    per_night = [cohens_kappa(m) for m in mats if m.sum()]
    return {"kappa": cohens_kappa(total), "accuracy": accuracy(total), "epochs": int(total.sum()),
            "night_kappa_median": float(np.median(per_night)), "confusion": total.tolist()}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--pretrain-nights", type=int, default=80, help="synthetic nights to pretrain on (0: none)")
    parser.add_argument("--quick", action="store_true", help="few epochs: checks the script, not the result")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    store = tmp / "store"
    ingest_folder(SLPDB, store, signals="IBI", workers=2, progress=False)
    write_subject_folds(store, args.folds)
    t0 = time.perf_counter()
    overrides = ["training.max_epochs=3"] if args.quick else []
    predicted = cross_validate(store, args.folds, tmp / "runs", overrides)
    sessions = sorted(predicted)
    result = {"benchmark": "slpdb", "records": len(sessions), "folds": args.folds,
              "cross_validation_seconds": time.perf_counter() - t0,
              "wav2sleep_ibi_4class": summary([predicted[s] for s in sessions], 4),
              "wav2sleep_ibi_3class": summary([_three(*predicted[s]) for s in sessions], 3)}  # fmt: skip
    if args.pretrain_nights:
        t0 = time.perf_counter()
        pretrained = pretrain(tmp / "synthetic", args.pretrain_nights, 2 if args.quick else 30)
        zero_shot = predict(load_model(pretrained), store, read_manifest(store))
        tuned = cross_validate(store, args.folds, tmp / "tuned", [*overrides, f"init_from={pretrained}"])
        result.update({
            "pretrain": {"synthetic_nights": args.pretrain_nights, "seconds": time.perf_counter() - t0},
            "pretrained_zero_shot_4class": summary([zero_shot[s] for s in sessions], 4),
            "pretrained_fine_tuned_4class": summary([tuned[s] for s in sessions], 4),
            "pretrained_fine_tuned_3class": summary([_three(*tuned[s]) for s in sessions], 3),
        })  # fmt: skip
    baseline = sleepecg_baseline({s: len(predicted[s][0]) for s in sessions})
    if baseline is not None:
        both = []
        for s in sessions:
            y3, p3 = _three(*predicted[s])
            keep = baseline[s] >= 0  # epochs sleepecg gives a stage for (both models scored on these)
            both.append((np.where(keep, y3, -1), baseline[s].clip(0), p3))
        result["sleepecg_wrn_gru_mesa_3class"] = summary([(y, b) for y, b, _ in both], 3)
        result["wav2sleep_ibi_3class_same_epochs"] = summary([(y, p) for y, _, p in both], 3)
    result["machine"] = machine()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
