"""Per-epoch quality gating against feeding the bad signal, on synthetic nights with injected artefacts.

A small ECG + ABD + THX model is trained on synthetic SHHS-layout nights (per-epoch signal dropout 0.2, so it has
seen epochs with signals missing). Held-out nights of new subjects are then written with artefacts injected:
ECG lead-off stretches (flat) over about a quarter of the night, and belt slips (THX and ABD flat) over another
stretch. Each night is staged twice from its EDF: with gating (``stage(..., gate=True)``: a signal is left out in the
epochs where it is unusable) and feeding every signal everywhere (``gate=False``). Prints pooled 4-class kappa and
accuracy against the true stages, on all epochs and on the artefact epochs, for both, as JSON.

Usage: ``python benchmarks/gating.py [--quick]``
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np

from common import machine


def _inject(night, rng: np.random.Generator) -> tuple[dict, np.ndarray]:
    """Waveforms with a lead-off stretch and a belt slip; and which epochs hold an artefact."""
    n = night.stages.shape[0]
    waves = {s: (x.copy(), r) for s, (x, r) in night.waveforms.items() if s in ("ECG", "ABD", "THX")}
    bad = np.zeros(n, dtype=bool)
    for signals, share in ((("ECG",), 0.25), (("ABD", "THX"), 0.2)):
        length = int(share * n)
        first = int(rng.integers(0, n - length))
        bad[first : first + length] = True
        for s in signals:
            x, rate = waves[s]
            x[int(first * 30 * rate) : int((first + length) * 30 * rate)] = float(np.median(x))
    return waves, bad


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer nights and epochs")
    parser.add_argument("--out", type=Path, help="work folder (default: a temporary one)")
    args = parser.parse_args()

    from sklearn.metrics import accuracy_score, cohen_kappa_score

    from wav2sleep.data.splits import write_split
    from wav2sleep.inference.stage import stage
    from wav2sleep.ingest.runner import ingest_folder
    from wav2sleep.stages import to_num_classes
    from wav2sleep.synth import simulate_night, write_corpus, write_edf
    from wav2sleep.synth.layouts import LAYOUTS
    from wav2sleep.training.train import compose_config, train

    nights, test_nights, epochs = (12, 3, 6) if args.quick else (24, 6, 20)
    work = args.out or Path(tempfile.mkdtemp(prefix="wav2sleep-gating-"))
    t0 = time.perf_counter()
    write_corpus(work / "corpus", ["shhs"], nights, 4.0, seed=31)
    ingest_folder(work / "corpus" / "shhs", work / "store", signals="ECG,ABD,THX", progress=False)
    write_split(work / "store", "paper")
    cfg = compose_config(["experiment=demo", f"data_root={work / 'store'}", f"output_dir={work / 'run'}",
                          "datasets.train=[shhs]", "datasets.test=[shhs]", "inputs=no_ppg", "test=False",
                          "training.epoch_dropout=0.2", f"training.max_epochs={epochs}"])  # fmt: skip
    summary = train(cfg)
    trained_s = time.perf_counter() - t0
    rng = np.random.default_rng(7)
    truth, bad, preds = [], [], {True: [], False: []}
    rates = LAYOUTS["shhs"].rates
    for k in range(test_nights):
        night = simulate_night(9000 + k, 6.0, has_ppg=False, eog=False, rates=rates)
        waves, artefact = _inject(night, rng)
        labels = {"ECG": "ECG", "ABD": "ABDO RES", "THX": "THOR RES"}
        channels = [(labels[s], x, r, "mV" if s == "ECG" else "") for s, (x, r) in waves.items()]
        path = write_edf(work / "test" / f"night{k}.edf", channels, datetime(2020, 1, 1, 22, 0))
        truth.append(to_num_classes(night.stages, 4))
        bad.append(artefact)
        for gate in (True, False):
            preds[gate].append(stage(path, summary["model_dir"], gate=gate).codes)
    y = np.concatenate(truth)
    artefact = np.concatenate(bad)
    result = {}
    for gate, name in ((True, "gated"), (False, "fed_bad_signal")):
        p = np.concatenate(preds[gate]).astype(int)
        scored = (y >= 0) & (p >= 0)
        on_bad = scored & artefact
        result[name] = {
            "kappa_all": round(float(cohen_kappa_score(y[scored], p[scored])), 3),
            "accuracy_all": round(float(accuracy_score(y[scored], p[scored])), 3),
            "kappa_artefact_epochs": round(float(cohen_kappa_score(y[on_bad], p[on_bad])), 3),
            "accuracy_artefact_epochs": round(float(accuracy_score(y[on_bad], p[on_bad])), 3),
            "unscored_epochs": int(((y >= 0) & (p < 0)).sum()),
        }
    print(json.dumps({"benchmark": "gating", "machine": machine(), "train_nights": nights, "test_nights": test_nights,
                      "max_epochs": epochs, "epochs_scored": int((y >= 0).sum()),
                      "artefact_epochs": int((artefact & (y >= 0)).sum()), "train_seconds": round(trained_s, 1),
                      **result}, indent=1))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
