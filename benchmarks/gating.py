"""Per-epoch quality gating against feeding the bad signal, on synthetic nights with injected artefacts.

A small ECG + ABD + THX model is trained on synthetic SHHS-layout nights (per-epoch signal dropout 0.2, so it has
seen epochs with signals missing), once per seed. Held-out nights of new subjects are then written with artefacts
injected: an ECG lead-off over about a quarter of the night, and belt slips (THX and ABD flat) over another
stretch. The lead-off alternates between nights: ``flat`` (the lead reads a constant) and ``saturated`` (the open
lead picks up mains and drives the amplifier from rail to rail: a 50-Hz square wave between the night's minimum and
maximum). Each night is staged twice from its EDF by each seed's model: with gating (``stage(..., gate=True)``: a
signal is left out in the epochs where it is unusable) and feeding every signal everywhere (``gate=False``).
Prints, as JSON, pooled 4-class kappa and accuracy against the true stages, on all epochs, on the artefact epochs
and on the artefact epochs of each lead-off kind, per seed and as mean and sample SD over the seeds.

Usage: ``python benchmarks/gating.py [--quick] [--seeds N]``
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


def _inject(night, rng: np.random.Generator, lead_off: str) -> tuple[dict, np.ndarray]:
    """Waveforms with a lead-off stretch (``flat`` or ``saturated``) and a belt slip; and which epochs hold one."""
    n = night.stages.shape[0]
    waves = {s: (x.copy(), r) for s, (x, r) in night.waveforms.items() if s in ("ECG", "ABD", "THX")}
    bad = np.zeros(n, dtype=bool)
    for signals, share in ((("ECG",), 0.25), (("ABD", "THX"), 0.2)):
        length = int(share * n)
        first = int(rng.integers(0, n - length))
        bad[first : first + length] = True
        for s in signals:
            x, rate = waves[s]
            stretch = slice(int(first * 30 * rate), int((first + length) * 30 * rate))
            if s == "ECG" and lead_off == "saturated":
                t = np.arange(stretch.stop - stretch.start) / rate
                x[stretch] = np.where(np.sin(2 * np.pi * 50 * t) >= 0, x.max(), x.min())
            else:
                x[stretch] = float(np.median(x))
    return waves, bad


def _scores(y: np.ndarray, p: np.ndarray, where: np.ndarray) -> dict:
    from wav2sleep.scoring import accuracy, cohens_kappa, confusion_matrix

    keep = where & (y >= 0) & (p >= 0)
    cm = confusion_matrix(y[keep], p[keep], 4)
    return {"kappa": round(cohens_kappa(cm), 3), "accuracy": round(accuracy(cm), 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer nights and epochs")
    parser.add_argument("--seeds", type=int, default=3, help="models trained with seeds 0..N-1")
    parser.add_argument("--out", type=Path, help="work folder (default: a temporary one)")
    args = parser.parse_args()

    from wav2sleep.data.splits import write_split
    from wav2sleep.inference.stage import stage
    from wav2sleep.ingest.runner import ingest_folder
    from wav2sleep.stages import to_num_classes
    from wav2sleep.synth import simulate_night, write_corpus, write_edf
    from wav2sleep.synth.layouts import LAYOUTS
    from wav2sleep.training.train import compose_config, train

    nights, test_nights, epochs = (12, 2, 6) if args.quick else (24, 6, 20)
    work = args.out or Path(tempfile.mkdtemp(prefix="wav2sleep-gating-"))
    t0 = time.perf_counter()
    write_corpus(work / "corpus", ["shhs"], nights, 4.0, seed=31)
    ingest_folder(work / "corpus" / "shhs", work / "store", signals="ECG,ABD,THX", progress=False)
    write_split(work / "store", "paper")
    models = []
    for seed in range(args.seeds):
        cfg = compose_config(["experiment=demo", f"data_root={work / 'store'}", f"output_dir={work / f'run{seed}'}",
                              "datasets.train=[shhs]", "datasets.test=[shhs]", "inputs=no_ppg", "test=False",
                              "training.epoch_dropout=0.2", f"training.max_epochs={epochs}", f"seed={seed}"])  # fmt: skip
        models.append(train(cfg)["model_dir"])
    trained_s = time.perf_counter() - t0
    rng = np.random.default_rng(7)
    truth, bad, kind = [], [], []
    paths = []
    labels = {"ECG": "ECG", "ABD": "ABDO RES", "THX": "THOR RES"}
    for k in range(test_nights):
        lead_off = ("flat", "saturated")[k % 2]
        night = simulate_night(9000 + k, 6.0, has_ppg=False, eog=False, rates=LAYOUTS["shhs"].rates)
        waves, artefact = _inject(night, rng, lead_off)
        channels = [(labels[s], x, r, "mV" if s == "ECG" else "") for s, (x, r) in waves.items()]
        paths.append(write_edf(work / "test" / f"night{k}.edf", channels, datetime(2020, 1, 1, 22, 0)))
        truth.append(to_num_classes(night.stages, 4))
        bad.append(artefact)
        kind.append(np.full(len(artefact), lead_off))
    y, artefact, kind = np.concatenate(truth), np.concatenate(bad), np.concatenate(kind)
    per_seed = []
    for model in models:
        seed_result = {}
        for gate, name in ((True, "gated"), (False, "fed_bad_signal")):
            p = np.concatenate([stage(path, model, gate=gate).codes for path in paths]).astype(int)
            seed_result[name] = {
                "all_epochs": _scores(y, p, np.ones_like(artefact)),
                "artefact_epochs": _scores(y, p, artefact),
                **{
                    f"artefact_epochs_{k}_lead_off": _scores(y, p, artefact & (kind == k))
                    for k in ("flat", "saturated")
                },
                "unscored_epochs": int(((y >= 0) & (p < 0)).sum()),
            }
        per_seed.append(seed_result)
    summary = {}
    for name in ("gated", "fed_bad_signal"):
        summary[name] = {}
        for where in per_seed[0][name]:
            if where == "unscored_epochs":
                continue
            kappas = [r[name][where]["kappa"] for r in per_seed]
            summary[name][where] = {"kappa_mean": round(float(np.mean(kappas)), 3),
                                    "kappa_sd": round(float(np.std(kappas, ddof=1)), 3) if len(kappas) > 1 else None}  # fmt: skip
    print(json.dumps({"benchmark": "gating", "machine": machine(), "train_nights": nights, "test_nights": test_nights,
                      "max_epochs": epochs, "seeds": args.seeds, "epochs_scored": int((y >= 0).sum()),
                      "artefact_epochs": int((artefact & (y >= 0)).sum()), "train_seconds": round(trained_s, 1),
                      "summary": summary, "per_seed": per_seed}, indent=1))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
