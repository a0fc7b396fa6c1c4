"""Staging from heart-beat intervals on real data: SLPDB (13 records, 11 subjects), subject-wise cross-validation.

- ingest ``shared/data/slpdb`` (beat intervals + expert stages) with the IBI signal;
- K folds by subject (halves of a night together); per fold, train ``experiment=slpdb`` on the train subjects
  (val subjects for early stopping) and stage the test subjects' nights: every night is staged exactly once by a
  model that never saw its subject;
- the same with pretraining: a model trained on synthetic beat-interval nights (``wav2sleep synth --beat-nights``),
  applied to SLPDB as it is (zero-shot), and fine-tuned on each fold (``init_from``);
- pooled Cohen's kappa and accuracy over all epochs, 4 classes (W, light, deep, REM) and 3 (W, NREM, REM), and
  the per-night kappa median;
- HRV-feature baselines (``wav2sleep.baselines.hrv``: 28 per-epoch features from sleepecg, z-scored per night):
  logistic regression and gradient boosting, settings fixed in advance, trained per fold on the train and
  validation subjects' epochs (4 classes, and a separate 3-class fit);
- every trained model over ``--seeds`` seeds (default 3): mean and spread (sample standard deviation) of pooled
  kappa, accuracy and macro-F1, and per-class F1, for 4 and 3 classes;
- the outside baseline: sleepecg's MESA-trained ``wrn-gru-mesa`` classifier (3 classes: W, NREM, REM; HRV features,
  age, sex and clock time), on the same beats and epochs, when sleepecg and keras are installed
  (``pip install 'wav2sleep[baseline]'``; it runs on the torch backend).

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
from wav2sleep.baselines.hrv import hrv_features, make_classifier  # noqa: E402
from wav2sleep.data.dataset import NightDataset  # noqa: E402
from wav2sleep.data.splits import read_split, write_split, write_subject_folds  # noqa: E402
from wav2sleep.evaluation.metrics import accuracy, cohens_kappa, confusion_matrix, f1_scores  # noqa: E402
from wav2sleep.inference.windows import predict_logits  # noqa: E402
from wav2sleep.ingest.runner import ingest_folder  # noqa: E402
from wav2sleep.io.beat_intervals import read_beat_table  # noqa: E402
from wav2sleep.models import load_model, model_contract  # noqa: E402
from wav2sleep.store import read_manifest  # noqa: E402
from wav2sleep.synth.beats import write_beat_corpus  # noqa: E402
from wav2sleep.training.train import compose_config, train  # noqa: E402

SLPDB = Path(__file__).resolve().parents[2] / "shared" / "data" / "slpdb"
FOUR_TO_THREE = np.array([0, 1, 1, 2])  # W, light, deep, REM -> W, NREM, REM
LABELS = {4: ("W", "light", "deep", "REM"), 3: ("W", "NREM", "REM")}


def predict(model, store: Path, rows: list[dict]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """session -> (expert 4-class labels, predicted 4-class labels), prepared as ``wav2sleep evaluate`` does (the
    model's input contract)."""
    contract = model_contract(model)
    out = {}
    for item in NightDataset(store, rows, ("IBI",), 4, normalisation=None):
        x = {k: v.numpy() for k, v in item["signals"].items()}
        logits = predict_logits(model, x, len(item["labels"]), contract)
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


def three_class(y: np.ndarray) -> np.ndarray:
    """4-class expert labels -> 3 classes (unscored stays -1)."""
    return np.where(y >= 0, FOUR_TO_THREE[y.clip(0)], -1)


def _three(y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """4-class labels and predictions -> 3 classes (unscored stays -1)."""
    return three_class(y), FOUR_TO_THREE[p]


def fold_sessions(store: Path, rows: list[dict], fold: int) -> tuple[list[str], list[str]]:
    """(train and validation sessions, test sessions) of subject fold ``fold``."""
    split = read_split(store, f"subject-fold{fold}")
    test = [r["session"] for r in rows if split[(r["dataset"], r["session"])] == "test"]
    return [r["session"] for r in rows if split[(r["dataset"], r["session"])] != "test"], test


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
    f1 = f1_scores(total)
    return {"kappa": cohens_kappa(total), "accuracy": accuracy(total), "macro_f1": float(np.nanmean(f1)),
            "f1": dict(zip(LABELS[classes], np.round(f1, 4).tolist(), strict=True)), "epochs": int(total.sum()),
            "night_kappa_median": float(np.median(per_night)), "confusion": total.tolist()}  # fmt: skip


def over_seeds(runs: list[dict]) -> dict:
    """Mean and sample standard deviation over seeds of each figure, and every seed's summary."""
    figures = {"kappa": [r["kappa"] for r in runs], "accuracy": [r["accuracy"] for r in runs],
               "macro_f1": [r["macro_f1"] for r in runs]}  # fmt: skip
    for label in runs[0]["f1"]:
        figures[f"f1_{label}"] = [r["f1"][label] for r in runs]
    spread = {k: {"mean": round(float(np.mean(v)), 4), "sd": round(float(np.std(v, ddof=1)), 4) if len(v) > 1
                  else None} for k, v in figures.items()}  # fmt: skip
    return {"seeds": len(runs), **spread, "runs": runs}


def night_labels(store: Path, rows: list[dict]) -> dict[str, np.ndarray]:
    """session -> the expert's 4-class labels of every epoch, as the models are scored on them."""
    return {item["session"]: item["labels"].numpy() for item in NightDataset(store, rows, ("IBI",), 4)}


def hrv_baseline(store: Path, folds: int, kind: str, seed: int, features: dict[str, np.ndarray],
                 labels: dict[str, np.ndarray]) -> dict:  # fmt: skip
    """Every night predicted by a ``kind`` classifier trained on the other subjects' epochs of its fold:
    {4: session -> (labels, 4-class prediction), 3: session -> (3-class labels, 3-class prediction)}."""
    rows = read_manifest(store)
    out: dict[int, dict] = {4: {}, 3: {}}
    for fold in range(folds):
        train, test = fold_sessions(store, rows, fold)
        x = np.concatenate([features[s] for s in train])
        y4 = np.concatenate([labels[s] for s in train])
        scored = y4 >= 0
        for classes, y in ((4, y4), (3, three_class(y4))):
            model = make_classifier(kind, seed).fit(x[scored], y[scored])
            for s in test:
                truth = labels[s] if classes == 4 else three_class(labels[s])
                out[classes][s] = (truth, model.predict(features[s]).astype(int))
    return out


def session_features(labels: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """session -> its HRV features, one row per epoch of the store's night (beat times from the .rr file)."""
    return {s: hrv_features(read_beat_table(SLPDB / f"{s}.rr")[0], len(y)) for s, y in labels.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--seeds", type=int, default=3, help="seeds of every trained model (mean and spread)")
    parser.add_argument("--pretrain-nights", type=int, default=80, help="synthetic nights to pretrain on (0: none)")
    parser.add_argument("--baselines-only", action="store_true", help="the HRV-feature baselines and sleepecg only")
    parser.add_argument("--quick", action="store_true", help="few epochs: checks the script, not the result")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    store = tmp / "store"
    ingest_folder(SLPDB, store, signals="IBI", workers=2, progress=False)
    write_subject_folds(store, args.folds)
    sessions = sorted(r["session"] for r in read_manifest(store))
    seeds = list(range(args.seeds))
    result: dict = {"benchmark": "slpdb", "records": len(sessions), "folds": args.folds, "seeds": seeds}
    t0 = time.perf_counter()
    labels = night_labels(store, read_manifest(store))
    features = session_features(labels)
    result["hrv_features_seconds"] = round(time.perf_counter() - t0, 1)
    for kind in ("logistic", "boosting"):
        runs = [hrv_baseline(store, args.folds, kind, seed, features, labels) for seed in seeds]
        for classes in (4, 3):
            result[f"hrv_{kind}_{classes}class"] = over_seeds([summary([r[classes][s] for s in sessions], classes)
                                                               for r in runs])  # fmt: skip
    overrides = ["training.max_epochs=3"] if args.quick else []
    if not args.baselines_only:
        t0 = time.perf_counter()
        scratch = [cross_validate(store, args.folds, tmp / f"runs{seed}", [*overrides, f"seed={seed}"])
                   for seed in seeds]  # fmt: skip
        result["cross_validation_seconds"] = time.perf_counter() - t0
        result["wav2sleep_ibi_4class"] = over_seeds([summary([p[s] for s in sessions], 4) for p in scratch])
        result["wav2sleep_ibi_3class"] = over_seeds([summary([_three(*p[s]) for s in sessions], 3) for p in scratch])
    if args.pretrain_nights and not args.baselines_only:
        t0 = time.perf_counter()
        pretrained = pretrain(tmp / "synthetic", args.pretrain_nights, 2 if args.quick else 30)
        zero_shot = predict(load_model(pretrained), store, read_manifest(store))
        tuned = [cross_validate(store, args.folds, tmp / f"tuned{seed}",
                                [*overrides, f"init_from={pretrained}", f"seed={seed}"]) for seed in seeds]  # fmt: skip
        result.update({
            "pretrain": {"synthetic_nights": args.pretrain_nights, "seconds": time.perf_counter() - t0},
            "pretrained_zero_shot_4class": summary([zero_shot[s] for s in sessions], 4),
            "pretrained_fine_tuned_4class": over_seeds([summary([p[s] for s in sessions], 4) for p in tuned]),
            "pretrained_fine_tuned_3class": over_seeds([summary([_three(*p[s]) for s in sessions], 3) for p in tuned]),
        })  # fmt: skip
    baseline = sleepecg_baseline({s: len(labels[s]) for s in sessions})
    if baseline is not None:
        pairs = []
        for s in sessions:
            y3 = three_class(labels[s])
            keep = baseline[s] >= 0  # epochs sleepecg gives a stage for
            pairs.append((np.where(keep, y3, -1), baseline[s].clip(0)))
        result["sleepecg_wrn_gru_mesa_3class"] = summary(pairs, 3)
    result["machine"] = machine()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
