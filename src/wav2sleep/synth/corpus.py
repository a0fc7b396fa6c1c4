"""Write a synthetic corpus in the real NSRR folder layouts, with its stage truth."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from wav2sleep.corpora import NSRR_DATASETS, get_corpus, split_list
from wav2sleep.errors import ConfigError
from wav2sleep.signals import EPOCH_SECONDS
from wav2sleep.store.atomic import write_text_atomic
from wav2sleep.synth.annotations import write_nsrr_xml, write_wsc_allscore, write_wsc_stg
from wav2sleep.synth.edf_writer import write_edf
from wav2sleep.synth.layouts import EXTRA_CHANNELS, LAYOUTS
from wav2sleep.synth.physiology import NATIVE_UNITS, simulate_night

__all__ = ["SynthRecord", "write_corpus", "plan_corpus", "TRUTH_FILE"]

TRUTH_FILE = "truth.json"
# Nights cycle through the paper's partitions so a small corpus still has train, val and test nights.
PARTITION_CYCLE = ("train", "train", "train", "val", "test")
VOLTS = {"V": 1.0, "mV": 1e-3, "uV": 1e-6}


@dataclass(frozen=True)
class SynthRecord:
    """One synthetic night as written: where its files are and what the truth is."""

    dataset: str
    session: str
    subject: str
    visit: str
    recording: Path
    annotation: Path
    stages: np.ndarray
    channels: dict[str, str]
    start: datetime
    duration_s: float
    signals: tuple[str, ...]
    seed: int


@dataclass(frozen=True)
class _NightPlan:
    dataset: str
    session: str
    seed: int
    hours: float
    start: datetime
    channels: dict[str, str]  # canonical signal -> label
    wsc_format: str


def plan_corpus(datasets: Sequence[str], nights: int, hours: float | None, seed: int) -> list[_NightPlan]:
    """Decide every night's session id, length, start, signals and labels (cheap; deterministic for ``seed``)."""
    rng = np.random.default_rng(seed)
    label_turn: dict[str, int] = {}
    plans = []
    for ds_index, name in enumerate(datasets):
        corpus, layout = get_corpus(name), LAYOUTS[name]
        pools = {p: list(split_list(corpus.name, p)) for p in ("train", "val", "test")}
        used: set[str] = set()
        for i in range(nights):
            part = PARTITION_CYCLE[i % len(PARTITION_CYCLE)]
            pool = [s for s in (pools[part] or pools["test"]) if s not in used]
            session = pool[int(rng.integers(len(pool)))]
            used.add(session)
            has_ppg = "PPG" in layout.rates and rng.random() < layout.ppg_fraction
            channels = {}
            for signal, options in layout.labels.items():
                if signal == "PPG" and not has_ppg:
                    continue
                turn = label_turn.get(signal, 0)
                channels[signal] = options[turn % len(options)]
                label_turn[signal] = turn + 1
            night_hours = hours if hours is not None else float(rng.choice([rng.uniform(4, 10), rng.uniform(10, 12)],
                                                                          p=[0.8, 0.2]))  # fmt: skip
            start = datetime(2001, 1, 1, 21, 0) + timedelta(days=int(rng.integers(0, 3000)),
                                                             minutes=int(rng.integers(0, 210)), seconds=int(rng.integers(60)))  # fmt: skip
            night_seed = int(np.random.SeedSequence([seed, ds_index, i]).generate_state(1)[0])
            plans.append(_NightPlan(name, session, night_seed, night_hours, start, channels,
                                    "allscore" if i % 2 else "stg"))  # fmt: skip
    return plans


def _write_night(root: Path, plan: _NightPlan) -> SynthRecord:
    corpus, layout = get_corpus(plan.dataset), LAYOUTS[plan.dataset]
    night = simulate_night(plan.seed, plan.hours, has_ppg="PPG" in plan.channels, eog=layout.eog, rates=layout.rates)
    rng = np.random.default_rng(plan.seed + 1)
    edf_channels = [
        (plan.channels[sig], _to_unit(x, sig, layout.units[sig]), layout.rates[sig], layout.units[sig])
        for sig, (x, _) in night.waveforms.items()
        if sig in plan.channels
    ]
    n_seconds = int(night.duration_s)
    for label, rate, unit in EXTRA_CHANNELS:
        n = int(n_seconds * rate)
        base = {"%": 96.0, "": 0.0, "uV": 0.0}[unit]
        edf_channels.append((label, base + rng.standard_normal(n) * (20 if unit == "uV" else 1), rate, unit))
    ds_root = root / plan.dataset
    recording = write_edf(ds_root / corpus.edf_relpath(plan.session), edf_channels, plan.start)
    annotation = ds_root / corpus.annotation_relpath(plan.session)
    if plan.dataset == "wsc" and plan.wsc_format == "allscore":
        annotation = annotation.with_name(f"{plan.session}.allscore.txt")
        write_wsc_allscore(annotation, night.stages, plan.start)
    elif plan.dataset == "wsc":
        write_wsc_stg(annotation, annotation.with_name(f"{plan.session}.log.txt"), night.stages, plan.start)
    else:
        write_nsrr_xml(annotation, night.stages, plan.start, events=_respiratory_events(rng, night.duration_s))
    subject, visit = corpus.subject_visit(plan.session)
    return SynthRecord(plan.dataset, plan.session, subject, visit, recording, annotation, night.stages,
                       plan.channels, plan.start, night.duration_s, tuple(plan.channels), plan.seed)  # fmt: skip


def _to_unit(x: np.ndarray, signal: str, unit: str) -> np.ndarray:
    """Convert from the simulator's unit (``NATIVE_UNITS``) to the dataset's (volts-based units only)."""
    native = NATIVE_UNITS.get(signal)
    if native is None or unit not in VOLTS:
        return x
    return x * (VOLTS[native] / VOLTS[unit])


def _respiratory_events(rng: np.random.Generator, duration_s: float) -> list[tuple[str, str, float, float]]:
    onsets = np.sort(rng.uniform(0, duration_s - 60, int(rng.integers(5, 40))))
    return [("Respiratory|Respiratory", "Hypopnea|Hypopnea", round(float(t), 1), round(float(rng.uniform(10, 40)), 1))
            for t in onsets]  # fmt: skip


def write_corpus(
    out: str | Path,
    datasets: Sequence[str] = NSRR_DATASETS,
    nights: int = 2,
    hours: float | None = None,
    seed: int = 0,
    broken: bool = False,
    workers: int | None = None,
) -> list[SynthRecord]:
    """Write ``nights`` nights for each of ``datasets`` under ``out/{dataset}/`` in that dataset's layout.

    Session ids come from the paper's split lists (train, val and test nights in turn), so the paper's splits
    apply. ``hours=None`` draws 4-10 h, and 10-12 h for about one night in five. ``out/truth.json`` holds every
    night's stages, channels and start. ``broken=True`` adds the fault corpus under ``out/broken/``.
    """
    root = Path(out)
    names = [get_corpus(d).name for d in datasets]
    if not set(names) <= set(NSRR_DATASETS):
        raise ConfigError(f"the synthetic corpus has the NSRR layouts ({', '.join(NSRR_DATASETS)}), not "
                          f"{', '.join(sorted(set(names) - set(NSRR_DATASETS)))}; beat intervals: --beat-nights")  # fmt: skip
    plans = plan_corpus(names, nights, hours, seed)
    workers = workers or min(os.cpu_count() or 1, len(plans)) or 1
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            records = list(pool.map(_write_night, [root] * len(plans), plans))
    else:
        records = [_write_night(root, p) for p in plans]
    truth = [
        {"dataset": r.dataset, "session": r.session, "subject": r.subject, "visit": r.visit,
         "recording": str(r.recording.relative_to(root)), "annotation": str(r.annotation.relative_to(root)),
         "stages": r.stages.tolist(), "channels": r.channels, "start": r.start.isoformat(),
         "duration_s": r.duration_s, "n_epochs": int(r.duration_s // EPOCH_SECONDS), "seed": r.seed}
        for r in records
    ]  # fmt: skip
    write_text_atomic(root / TRUTH_FILE, json.dumps(truth, indent=1))
    if broken:
        from wav2sleep.synth.faults import write_fault_corpus

        write_fault_corpus(root / "broken", seed=seed)
    return records
