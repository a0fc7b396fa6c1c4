"""``Hypnogram``: stages per 30-s epoch (+ probabilities), sleep statistics, exports and plots.

Statistics (``Hypnogram.sleep_statistics``), all durations in minutes, unscored epochs excluded from every stage
count and reported separately:

- TIB (time in bed): the whole hypnogram, first to last epoch (lights off/on are taken as its edges).
- SPT (sleep period time): first to last sleep epoch, inclusive.
- TST (total sleep time): sleep epochs (N1, N2, N3, REM; or Light, Deep, REM).
- SE (sleep efficiency, %): TST / TIB x 100 (unscored epochs count in TIB).
- SME (sleep maintenance efficiency, %): TST / SPT x 100.
- SOL (sleep onset latency): start to the first sleep epoch.
- Lat_5min: start to the first of 10 consecutive sleep epochs (5 min of consolidated sleep).
- LPS (latency to persistent sleep): start to the first of 20 consecutive sleep epochs (10 min).
- WASO (wake after sleep onset): wake epochs within the SPT.
- Lat_REM (REM latency, AASM): from sleep onset (the first sleep epoch) to the first REM epoch.
- Lat_REM_from_start: from the start of the hypnogram (lights off) to the first REM epoch. YASA's ``Lat_REM`` is
  measured this way (from the start), not from sleep onset: compare ours with YASA's under this name.
- Per stage: minutes and % of TST.
- Awakenings: wake bouts (one or more consecutive wake epochs) within the SPT.
- Transitions: changes between consecutive scored epochs.
- SFI (sleep fragmentation index, per hour): stage changes within the SPT (awakenings included) per hour of TST.

Where a statistic is undefined (no sleep at all: latencies, SPT, WASO, SME, SFI and the stage percentages; no REM:
REM latencies) it is NaN (``null`` in JSON), never 0.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from wav2sleep.errors import ConfigError, InputFileError
from wav2sleep.scoring import accuracy, cohens_kappa, confusion_matrix, f1_scores
from wav2sleep.signals import EPOCH_SECONDS
from wav2sleep.stages import LIGHT, UNSCORED, class_labels, labels_to_codes, to_num_classes
from wav2sleep.store import atomic_path, write_text_atomic

__all__ = ["Hypnogram", "EDF_STAGE_TEXTS", "json_safe", "STATISTICS", "describe_statistic"]

# EDF+ annotation texts: the Sleep-EDF convention MNE and other tools read ("Sleep stage W/1/2/3/R/?"). The 4-class
# Light stage (N1 + N2) has no standard text: "Sleep stage 1/2" says what it merges.
EDF_STAGE_TEXTS = {
    5: {
        "W": "Sleep stage W",
        "N1": "Sleep stage 1",
        "N2": "Sleep stage 2",
        "N3": "Sleep stage 3",
        "REM": "Sleep stage R",
    },
    4: {"W": "Sleep stage W", "Light": "Sleep stage 1/2", "Deep": "Sleep stage 3", "REM": "Sleep stage R"},
}
EDF_UNSCORED_TEXT = "Sleep stage ?"


def json_safe(value):
    """``value`` with every non-finite float as ``None`` (JSON has no NaN), NumPy scalars as Python numbers."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


PERSISTENT_SLEEP_EPOCHS = 20
STAGE_COLOURS = {5: ["#f4d35e", "#9ecae1", "#4292c6", "#08519c", "#e6550d"],
                 4: ["#f4d35e", "#6baed6", "#08519c", "#e6550d"]}  # fmt: skip
MINUTES = EPOCH_SECONDS / 60


# Units and one-line definitions of the statistics, for reports (the module docstring has the full ones).
STATISTICS = {
    "TIB": ("min", "time in bed: the whole recording"),
    "Unscored": ("min", "epochs not scored (gaps, artefacts, no usable signal)"),
    "SPT": ("min", "sleep period time: first to last sleep epoch"),
    "TST": ("min", "total sleep time"),
    "SE": ("%", "sleep efficiency: TST / TIB"),
    "SME": ("%", "sleep maintenance efficiency: TST / SPT"),
    "SOL": ("min", "sleep onset latency: start to the first sleep epoch"),
    "Lat_5min": ("min", "latency to 5 min of consolidated sleep"),
    "LPS": ("min", "latency to persistent sleep (10 min of continuous sleep)"),
    "WASO": ("min", "wake after sleep onset, within the SPT"),
    "Lat_REM": ("min", "REM latency from sleep onset (AASM)"),
    "Lat_REM_from_start": ("min", "REM latency from the start of the recording"),
    "Awakenings": ("", "wake bouts within the SPT"),
    "Transitions": ("", "changes of stage between consecutive scored epochs"),
    "SFI": ("/h", "sleep fragmentation index: stage changes in the SPT per hour of sleep"),
}


def describe_statistic(key: str) -> tuple[str, str]:
    """(unit, one-line definition) of a ``sleep_statistics`` key (stage minutes and percentages included)."""
    if key in STATISTICS:
        return STATISTICS[key]
    if key.startswith("%"):
        return "%", f"{key[1:]} as a share of TST"
    return "min", f"time in {key}"


# The stage labels of the BIDS sleep proposal's hypnogram files, and back.
BIDS_HYPNOGRAM_STAGE = {"W": "Wake"}
BIDS_HYPNOGRAM_LABELS = {"Wake": "W", "n/a": "?"}
STAGE_DESCRIPTIONS = {5: ("wake", "NREM stage 1", "NREM stage 2", "NREM stage 3", "REM sleep"),
                      4: ("wake", "light sleep (N1 and N2)", "deep sleep (N3)", "REM sleep")}  # fmt: skip


def _first_run(sleep: np.ndarray, length: int) -> float:
    """Minutes from the start to the first run of ``length`` consecutive sleep epochs (NaN if none)."""
    run = np.convolve(sleep.astype(int), np.ones(length, dtype=int), mode="valid")
    found = np.flatnonzero(run == length)
    return found[0] * MINUTES if found.size else float("nan")


@dataclass
class Hypnogram:
    """Stage codes (``num_classes`` 4: W/Light/Deep/REM, or 5: W/N1/N2/N3/REM; -1 unscored) per 30-s epoch."""

    codes: np.ndarray
    num_classes: int = 5
    start: datetime | None = None
    probabilities: np.ndarray | None = None
    scorer: str = ""
    metadata: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.codes = np.asarray(self.codes, dtype=np.int8)
        labels = class_labels(self.num_classes)
        if self.codes.ndim != 1 or ((self.codes < UNSCORED) | (self.codes >= len(labels))).any():
            raise ConfigError(f"stage codes must be -1..{len(labels) - 1} in one dimension")
        if self.probabilities is not None and self.probabilities.shape != (len(self.codes), self.num_classes):
            raise ConfigError(f"probabilities must have shape {(len(self.codes), self.num_classes)}, "
                              f"got {self.probabilities.shape}")  # fmt: skip

    @classmethod
    def from_integers(cls, codes, num_classes: int = 5, **kwargs) -> Hypnogram:
        return cls(np.asarray(codes), num_classes, **kwargs)

    @classmethod
    def from_labels(cls, labels, num_classes: int = 5, **kwargs) -> Hypnogram:
        """From AASM or R&K labels (``"W"``, ``"N2"``, ``"4"``, ``"REM"``, ``"MT"``...), mapped to ``num_classes``."""
        return cls(to_num_classes(labels_to_codes(labels), num_classes), num_classes, **kwargs)

    @classmethod
    def _from_class_labels(cls, stages, **kwargs) -> Hypnogram:
        """From labels of our own exports: 4 classes if any is Light or Deep, else 5; ``?`` unscored."""
        stages = [str(s).strip() for s in stages]
        num_classes = 4 if {"Light", "Deep"} & set(stages) else 5
        index = {label: i for i, label in enumerate(class_labels(num_classes))}
        unknown = sorted({s for s in stages if s not in index and s != "?"})
        if unknown:
            raise ConfigError(f"unknown stage labels {unknown}; known: {', '.join(index)}, ?")
        return cls(np.array([index.get(s, UNSCORED) for s in stages]), num_classes, **kwargs)

    @classmethod
    def from_json(cls, source: str | Path) -> Hypnogram:
        """Read back ``to_json`` (a path, or the JSON text itself)."""
        text = Path(source).read_text() if not str(source).lstrip().startswith("{") else str(source)
        doc = json.loads(text)
        probs = doc.get("probabilities")
        probs = None if probs is None else np.array([[np.nan if p is None else p for p in row] for row in probs])
        start = datetime.fromisoformat(doc["start"]) if doc.get("start") else None
        hyp = cls._from_class_labels(doc["stages"], start=start, scorer=doc.get("scorer", ""),
                                     metadata=doc.get("metadata") or {})  # fmt: skip
        hyp.probabilities = probs
        hyp.__post_init__()
        return hyp

    @classmethod
    def from_csv(cls, path: str | Path) -> Hypnogram:
        """Read back ``to_csv`` (one row per epoch: onset, seconds, stage, probabilities)."""
        import csv

        rows = list(csv.DictReader(Path(path).read_text().splitlines()))
        if not rows:
            raise ConfigError(f"{path}: no epochs")
        first = rows[0]["onset"]
        start = datetime.fromisoformat(first) if "T" in first else None
        hyp = cls._from_class_labels([r["stage"] for r in rows], start=start)
        columns = [f"p_{label}" for label in hyp.labels]
        if all(c in rows[0] for c in columns):
            hyp.probabilities = np.array([[float(r[c]) for c in columns] for r in rows])
        return hyp

    @classmethod
    def from_bids(cls, path: str | Path, start: datetime | None = None) -> Hypnogram:
        """Read back ``to_bids_events`` (``events.tsv``: onset, duration, trial_type, stage; runs of epochs) or
        ``to_bids_hypnogram`` (``_hypnogram.tsv`` of the BIDS sleep proposal: a row per epoch, stage labels
        ``Wake``/``N1``/.../``REM``, ``n/a`` unscored, with scorer and confidence)."""
        import csv

        rows = list(csv.DictReader(Path(path).read_text().splitlines(), delimiter="\t"))
        stages: list[str] = []
        for r in rows:
            first, count = round(float(r["onset"]) / EPOCH_SECONDS), round(float(r["duration"]) / EPOCH_SECONDS)
            stage = BIDS_HYPNOGRAM_LABELS.get(r["stage"], r["stage"])
            stages += ["?"] * (first - len(stages)) + [stage] * count
        scorers = {r["scorer"] for r in rows if r.get("scorer") not in (None, "", "n/a")}
        return cls._from_class_labels(stages, start=start, scorer=scorers.pop() if len(scorers) == 1 else "")

    @classmethod
    def from_edf(cls, path: str | Path) -> Hypnogram:
        """Read back ``to_edf_annotations`` (EDF+ "Sleep stage ..." annotations; R&K "Sleep stage 4" is N3)."""
        import edfio

        edf = edfio.read_edf(path)
        four = any(a.text == EDF_STAGE_TEXTS[4]["Light"] for a in edf.annotations)
        texts = {text: label for label, text in EDF_STAGE_TEXTS[4 if four else 5].items()}
        texts["Sleep stage 4"] = "Deep" if four else "N3"
        stages: list[str] = []
        for a in sorted(edf.annotations, key=lambda a: a.onset):
            if not a.text.startswith("Sleep stage"):
                continue
            first, count = round(a.onset / EPOCH_SECONDS), round((a.duration or EPOCH_SECONDS) / EPOCH_SECONDS)
            stages += ["?"] * (first - len(stages)) + [texts.get(a.text, "?")] * count
        return cls._from_class_labels(stages, start=edf.startdatetime)

    @classmethod
    def from_annotation(cls, path: str | Path, n_epochs: int | None = None,
                        start: datetime | None = None) -> Hypnogram:  # fmt: skip
        """A scorer's file (NSRR XML, WSC, SLPDB ``.an``, hypnogram CSV or TSV, EDF+) as a 5-class hypnogram of
        ``n_epochs`` epochs (default: as far as the scoring goes), or a 4-class one when the scoring has light sleep
        (N1 and N2 not told apart). With the recording's ``start``, a scoring clock that starts later is aligned to
        it, as ingestion does; notes go to ``metadata["warnings"]``."""
        from wav2sleep.io.annotations import read_annotation
        from wav2sleep.io.recording import MAX_DURATION_S
        from wav2sleep.io.stage_events import align_events, epochs_from_events

        events = read_annotation(path)
        warnings = list(events.warnings)
        events = align_events(events, start, warnings)
        if n_epochs is None:
            end = float((events.onsets + events.durations).max(initial=0))
            if not 0 <= end <= MAX_DURATION_S:  # the scoring sets the length: never allocate for an impossible one
                raise InputFileError(path, "impossible scoring length", field="stages", found=f"{end:g} s",
                                     expected=f"at most {MAX_DURATION_S / 86400:g} days")  # fmt: skip
            n_epochs = int(np.ceil(end / EPOCH_SECONDS))
        codes, more = epochs_from_events(events, n_epochs)
        num_classes = 4 if (codes == LIGHT).any() else 5
        return cls(to_num_classes(codes, num_classes), num_classes, start, scorer=Path(path).name,
                   metadata={"warnings": warnings + more})  # fmt: skip

    @property
    def labels(self) -> tuple[str, ...]:
        return class_labels(self.num_classes)

    @property
    def stages(self) -> list[str]:
        """Stage labels per epoch (``"?"`` for unscored)."""
        return ["?" if c < 0 else self.labels[c] for c in self.codes]

    @property
    def n_epochs(self) -> int:
        return int(self.codes.shape[0])

    def __len__(self) -> int:
        return self.n_epochs

    def __repr__(self) -> str:
        start = f", start {self.start:%Y-%m-%d %H:%M:%S}" if self.start else ""
        return (f"<Hypnogram: {self.n_epochs} epochs x 30 s ({self.n_epochs * MINUTES / 60:.2f} h), "
                f"{self.num_classes} classes{start}>")  # fmt: skip

    def times(self) -> list[datetime] | np.ndarray:
        """Epoch onsets: clock times when ``start`` is known, else seconds from the start."""
        onsets = np.arange(self.n_epochs) * EPOCH_SECONDS
        if self.start is None:
            return onsets
        return [self.start + timedelta(seconds=int(s)) for s in onsets]

    def crop(self, first: int | None = None, last: int | None = None) -> Hypnogram:
        """Epochs ``first`` to ``last`` (exclusive; negative counts from the end, as in Python slicing), with the
        start shifted accordingly. An empty range is an error."""
        lo, hi, _ = slice(first, last).indices(self.n_epochs)
        if hi <= lo:
            raise ConfigError(f"crop({first}, {last}) of {self.n_epochs} epochs is empty")
        start = self.start + timedelta(seconds=lo * EPOCH_SECONDS) if self.start else None
        probs = None if self.probabilities is None else self.probabilities[lo:hi].copy()
        return Hypnogram(self.codes[lo:hi].copy(), self.num_classes, start, probs, self.scorer, dict(self.metadata))

    def crop_time(self, start: datetime | float, end: datetime | float) -> Hypnogram:
        """The epochs from ``start`` to ``end``: clock times (datetimes, for a hypnogram with a start) or seconds
        from the start; an epoch is kept when it begins in [start, end)."""

        def epoch(t):
            if isinstance(t, datetime):
                if self.start is None:
                    raise ConfigError("crop by clock time needs a hypnogram with a start time")
                t = (t - self.start).total_seconds()
            return int(np.ceil(float(t) / EPOCH_SECONDS))

        return self.crop(max(epoch(start), 0), min(epoch(end), self.n_epochs))

    def pad(self, before: int = 0, after: int = 0) -> Hypnogram:
        """Unscored epochs added before (start moved back) and after."""
        if before < 0 or after < 0:
            raise ConfigError(f"pad takes epoch counts >= 0, got {before}, {after}")
        codes = np.r_[np.full(before, UNSCORED), self.codes, np.full(after, UNSCORED)]
        probs = None
        if self.probabilities is not None:
            probs = np.vstack([np.full((before, self.num_classes), np.nan), self.probabilities,
                               np.full((after, self.num_classes), np.nan)])  # fmt: skip
        start = self.start - timedelta(seconds=before * EPOCH_SECONDS) if self.start else None
        return Hypnogram(codes, self.num_classes, start, probs, self.scorer, dict(self.metadata))

    def copy(self) -> Hypnogram:
        return self.crop()

    def as_int(self) -> np.ndarray:
        """Stage codes (0 = W ... ; -1 unscored), a copy."""
        return self.codes.astype(np.int64)

    def upsample(self, sf: float) -> np.ndarray:
        """One stage code per sample at ``sf`` Hz (30 x sf samples an epoch; e.g. to align with a signal)."""
        per_epoch = EPOCH_SECONDS * sf
        if per_epoch < 1 or abs(per_epoch - round(per_epoch)) > 1e-9:
            raise ConfigError(f"upsample needs a whole number of samples per 30-s epoch, got {per_epoch:g} at {sf} Hz")
        return np.repeat(self.as_int(), int(round(per_epoch)))

    def as_events(self):
        """A pandas DataFrame, one row per run of equal stages: onset (s), duration (s), stage, description."""
        import pandas as pd

        runs = self._runs()
        return pd.DataFrame({"onset": [first * EPOCH_SECONDS for first, _, _ in runs],
                             "duration": [count * EPOCH_SECONDS for _, count, _ in runs],
                             "stage": [stage for *_, stage in runs],
                             "description": [f"Sleep stage {stage}" for *_, stage in runs]})  # fmt: skip

    @property
    def proba(self):
        """The probabilities as a pandas DataFrame (one column per stage label, one row per epoch onset)."""
        import pandas as pd

        if self.probabilities is None:
            raise ConfigError("this hypnogram has no probabilities (a scorer's hypnogram)")
        return pd.DataFrame(self.probabilities, columns=list(self.labels), index=pd.Index(self.times(), name="onset"))

    def transition_matrix(self):
        """(counts, probabilities): pandas DataFrames of transitions between consecutive scored epochs, rows the
        stage before, columns the stage after; probabilities are row-normalised (NaN for a stage never left)."""
        import pandas as pd

        codes = self.codes
        pairs = (codes[:-1] >= 0) & (codes[1:] >= 0)
        counts = np.zeros((self.num_classes, self.num_classes), dtype=np.int64)
        np.add.at(counts, (codes[:-1][pairs], codes[1:][pairs]), 1)
        labels = list(self.labels)
        with np.errstate(invalid="ignore"):
            probs = counts / counts.sum(axis=1, keepdims=True)
        return pd.DataFrame(counts, index=labels, columns=labels), pd.DataFrame(probs, index=labels, columns=labels)

    def find_periods(self, min_epochs: int = 1):
        """Runs (bouts) of one stage lasting at least ``min_epochs``: a pandas DataFrame with stage, first epoch,
        epochs and minutes (unscored runs included, as ``?``)."""
        import pandas as pd

        runs = [(first, count, stage) for first, count, stage in self._runs() if count >= min_epochs]
        return pd.DataFrame({"stage": [r[2] for r in runs], "first_epoch": [r[0] for r in runs],
                             "epochs": [r[1] for r in runs], "minutes": [r[1] * MINUTES for r in runs]})  # fmt: skip

    def plot(self, ax=None):
        """The hypnogram (and the hypnodensity when there are probabilities) on new axes, or on ``ax``."""
        if ax is not None:
            self.plot_hypnogram(ax)
            return ax
        from wav2sleep.plotting import pyplot

        rows = 2 if self.probabilities is not None else 1
        _, axes = pyplot().subplots(rows, 1, figsize=(10, 2.2 * rows), sharex=True, squeeze=False)
        self.plot_hypnogram(axes[0, 0])
        if rows == 2:
            self.plot_hypnodensity(axes[1, 0])
            axes[0, 0].set_xlabel("")
        return axes[0, 0]

    def sleep_statistics(self) -> dict[str, float]:
        """Sleep statistics; definitions in the module docstring (minutes unless stated)."""
        codes = self.codes
        scored = codes >= 0
        sleep = scored & (codes > 0)
        stats: dict[str, float] = {"TIB": self.n_epochs * MINUTES, "Unscored": float((~scored).sum()) * MINUTES}
        idx = np.flatnonzero(sleep)
        nan = float("nan")
        rem = np.flatnonzero(codes == len(self.labels) - 1)
        transitions = int(np.count_nonzero(np.diff(codes[scored]) != 0))
        if idx.size == 0:
            stats.update({"SPT": nan, "TST": 0.0, "SE": 0.0, "SME": nan, "SOL": nan, "Lat_5min": nan, "LPS": nan,
                          "WASO": nan, "Lat_REM": nan, "Lat_REM_from_start": nan, "Awakenings": 0,
                          "Transitions": transitions, "SFI": nan})  # fmt: skip
        else:
            onset, end = idx[0], idx[-1]
            spt = codes[onset : end + 1]
            tst = sleep.sum() * MINUTES
            wake = spt == 0
            shifts = np.diff(spt[spt >= 0])
            stats.update({
                "SPT": len(spt) * MINUTES,
                "TST": tst,
                "SE": 100 * tst / stats["TIB"],
                "SME": 100 * tst / (len(spt) * MINUTES),
                "SOL": onset * MINUTES,
                "Lat_5min": _first_run(sleep, 10),
                "LPS": _first_run(sleep, PERSISTENT_SLEEP_EPOCHS),
                "WASO": wake.sum() * MINUTES,
                "Lat_REM": (rem[0] - onset) * MINUTES if rem.size else nan,
                "Lat_REM_from_start": rem[0] * MINUTES if rem.size else nan,
                "Awakenings": int(np.count_nonzero(np.diff(np.r_[0, wake.astype(int)]) == 1)),
                "Transitions": transitions,
                "SFI": int(np.count_nonzero(shifts)) / (tst / 60),
            })  # fmt: skip
        for code, label in enumerate(self.labels):
            minutes = float((codes == code).sum()) * MINUTES
            stats[label] = minutes
            if code > 0:
                stats[f"%{label}"] = 100 * minutes / stats["TST"] if stats["TST"] else nan
        return stats

    def agreement(self, reference: Hypnogram) -> dict:
        """Epoch-by-epoch agreement with a ``reference`` scoring of the same recording (e.g. a sleep technician's).

        The reference is mapped to this hypnogram's classes (a 5-class scoring to 4 classes merges N1 and N2; a
        4-class scoring of a 5-class hypnogram is compared with this one's N1 and N2 merged); epochs unscored in
        either are left out; when the lengths differ, the common first epochs are compared. Returns
        epochs compared, Cohen's kappa, accuracy, per-stage F1, the confusion matrix (rows: reference, columns: this
        hypnogram) and ``statistics_difference``: every sleep statistic, this hypnogram's minus the reference's
        (``None`` where either is undefined).
        """
        if reference.num_classes < self.num_classes:
            merged = to_num_classes(self.codes, reference.num_classes)
            return Hypnogram(merged, reference.num_classes, self.start, scorer=self.scorer).agreement(reference)
        n = min(self.n_epochs, reference.n_epochs)
        ref_codes = to_num_classes(reference.codes[:n], self.num_classes) if reference.num_classes != self.num_classes \
            else reference.codes[:n]  # fmt: skip
        ours = self.codes[:n]
        both = (ours >= 0) & (ref_codes >= 0)
        cm = confusion_matrix(ref_codes[both], ours[both], self.num_classes)
        mine = self.crop(0, n).sleep_statistics()
        theirs = Hypnogram(ref_codes, self.num_classes, self.start).sleep_statistics()
        difference = {k: (None if not (np.isfinite(mine[k]) and np.isfinite(theirs[k])) else float(mine[k] - theirs[k]))
                      for k in mine if k in theirs}  # fmt: skip
        return {"epochs_compared": int(both.sum()), "epochs": {"hypnogram": self.n_epochs, "reference": reference.n_epochs},
                "kappa": cohens_kappa(cm), "accuracy": accuracy(cm), "labels": list(self.labels),
                "f1": dict(zip(self.labels, f1_scores(cm).tolist(), strict=True)), "confusion": cm.tolist(),
                "statistics_difference": difference}  # fmt: skip

    def to_csv(self, path: str | Path) -> Path:
        """One row per epoch: onset (clock time if known), seconds from start, stage, probability per class."""
        header = ["onset", "seconds", "stage"] + [f"p_{label}" for label in self.labels]
        lines = [",".join(header)]
        times = self.times()
        for i, stage in enumerate(self.stages):
            onset = times[i].isoformat() if self.start else f"{times[i]:.0f}"
            probs = [] if self.probabilities is None else [f"{p:.4f}" for p in self.probabilities[i]]
            lines.append(",".join([onset, str(i * EPOCH_SECONDS), stage, *probs]))
        write_text_atomic(path, "\n".join(lines) + "\n")
        return Path(path)

    def to_json(self, path: str | Path | None = None) -> str:
        """Strict JSON (``null`` where a statistic is undefined, never NaN) with metadata, statistics, stages and (if
        any) probabilities."""
        doc = {"start": self.start.isoformat() if self.start else None, "epoch_seconds": EPOCH_SECONDS,
               "num_classes": self.num_classes, "labels": list(self.labels), "scorer": self.scorer,
               "metadata": self.metadata, "statistics": self.sleep_statistics(), "stages": self.stages,
               "probabilities": None if self.probabilities is None else np.round(self.probabilities, 4).tolist()}  # fmt: skip
        text = json.dumps(json_safe(doc), indent=1, default=str, allow_nan=False)
        if path is not None:
            write_text_atomic(path, text)
        return text

    def _runs(self) -> list[tuple[int, int, str]]:
        codes = self.codes
        edges = np.flatnonzero(np.diff(codes)) + 1
        starts = np.r_[0, edges]
        ends = np.r_[edges, len(codes)]
        stages = self.stages  # built once: the property makes a new list on every access
        return [(int(s), int(e - s), stages[s]) for s, e in zip(starts, ends, strict=True)]

    def to_bids_events(self, path: str | Path) -> Path:
        """BIDS ``events.tsv``: onset (s from the recording start), duration, trial_type ``sleep_stage_<label>``."""
        lines = ["onset\tduration\ttrial_type\tstage"]
        for first, count, stage in self._runs():
            lines.append(f"{first * EPOCH_SECONDS}\t{count * EPOCH_SECONDS}\tsleep_stage_{stage}\t{stage}")
        write_text_atomic(path, "\n".join(lines) + "\n")
        # The BIDS sidecar describing the columns (events.json beside events.tsv).
        sidecar = {"onset": {"Description": "start of the run of epochs, from the recording start", "Units": "s"},
                   "duration": {"Description": "length of the run of epochs of one stage", "Units": "s"},
                   "trial_type": {"Description": "sleep stage, as sleep_stage_<label>"},
                   "stage": {"Description": "sleep stage (30-s epochs; ? = unscored)",
                             "Levels": {label: label for label in (*self.labels, "?")}},
                   "StageScorer": self.scorer or "unknown"}  # fmt: skip
        write_text_atomic(Path(path).with_suffix(".json"), json.dumps(sidecar, indent=1))
        return Path(path)

    def to_bids_hypnogram(self, path: str | Path, method: str = "automatic") -> Path:
        """The hypnogram file of the BIDS extension proposal for sleep (bids-specification PR #2208, draft of
        2025-09): ``_hypnogram.tsv`` with the required onset, duration and stage columns, here one row per epoch
        (so that each keeps its own confidence: the highest stage probability, ``n/a`` without probabilities) and
        the scorer, and a ``_hypnogram.json`` sidecar describing the columns and the scoring."""
        confidence = None if self.probabilities is None else np.nan_to_num(self.probabilities).max(axis=1)
        scorer = self.scorer or "n/a"
        lines = ["onset\tduration\tstage\tscorer\tconfidence"]
        for i, code in enumerate(self.codes):
            stage = "n/a" if code == UNSCORED else BIDS_HYPNOGRAM_STAGE.get(self.labels[code], self.labels[code])
            conf = "n/a" if confidence is None or code == UNSCORED else f"{confidence[i]:.4f}"
            lines.append(f"{i * EPOCH_SECONDS}\t{EPOCH_SECONDS}\t{stage}\t{scorer}\t{conf}")
        write_text_atomic(path, "\n".join(lines) + "\n")
        levels = {BIDS_HYPNOGRAM_STAGE.get(label, label): describe for label, describe in zip(
            self.labels, STAGE_DESCRIPTIONS[self.num_classes], strict=True)}  # fmt: skip
        sidecar = {"onset": {"Description": "start of the epoch, from the recording start", "Units": "s"},
                   "duration": {"Description": "length of the epoch", "Units": "s"},
                   "stage": {"Description": "sleep stage of the epoch (n/a: unscored)", "Levels": levels},
                   "scorer": {"Description": "who or what scored the epoch"},
                   "confidence": {"Description": "the scorer's probability of the stage given (n/a: none)",
                                  "Units": "probability"},
                   "ScoringMethod": method, "EpochLength": EPOCH_SECONDS,
                   "StagingSystem": "AASM" if self.num_classes == 5 else "AASM, N1 and N2 merged as Light"}  # fmt: skip
        write_text_atomic(Path(path).with_suffix(".json"), json.dumps(sidecar, indent=1))
        return Path(path)

    def to_edf_annotations(self, path: str | Path, per_epoch: bool = False) -> Path:
        """An EDF+ file holding only annotations with the standard texts (``EDF_STAGE_TEXTS``: "Sleep stage 2",
        "Sleep stage R", "Sleep stage ?" for unscored), anchored to the recording start: one per run of equal stages
        (merged, the default) or one per 30-s epoch (``per_epoch``, as scoring software often writes them)."""
        import edfio

        texts = EDF_STAGE_TEXTS[self.num_classes]
        runs = [(i, 1, stage) for i, stage in enumerate(self.stages)] if per_epoch else self._runs()
        annotations = [edfio.EdfAnnotation(first * EPOCH_SECONDS, count * EPOCH_SECONDS,
                                           texts.get(stage, EDF_UNSCORED_TEXT))
                       for first, count, stage in runs]  # fmt: skip
        start = self.start or datetime(1985, 1, 1)
        edf = edfio.Edf([], annotations=annotations, starttime=start.time(),
                        recording=edfio.Recording(startdate=start.date()))  # fmt: skip
        with atomic_path(path) as tmp:
            edf.write(tmp)
        return Path(path)

    def plot_hypnogram(self, ax) -> None:
        order = list(range(len(self.labels)))
        # Draw wake on top, then REM, then the NREM stages deepening downwards (the usual clinical layout).
        height = {0: len(order), len(order) - 1: len(order) - 1}
        for code in range(1, len(order) - 1):
            height[code] = len(order) - 1 - code
        y = np.array([height.get(int(c), np.nan) if c >= 0 else np.nan for c in self.codes], dtype=float)
        x = np.arange(self.n_epochs + 1) * MINUTES / 60
        ax.step(x, np.r_[y, y[-1:]], where="post", color="k", lw=1)
        rem = self.codes == len(order) - 1
        ax.scatter(x[:-1][rem], y[rem], s=2, color="tab:red")
        ax.set_yticks([height[c] for c in order], self.labels)
        self._shade_unscored(ax)
        self.time_axis(ax)

    def _shade_unscored(self, ax) -> None:
        """Grey spans over unscored epochs (gaps, artefacts, epochs without a usable signal)."""
        hours = MINUTES / 60
        for first, count, stage in self._runs():
            if stage == "?":
                ax.axvspan(first * hours, (first + count) * hours, color="0.85", lw=0, zorder=0)

    def time_axis(self, ax) -> None:
        """x in hours from the start; ticks labelled with the clock time when the start is known."""
        end = self.n_epochs * MINUTES / 60
        ax.set_xlim(0, end if end else 1)
        if self.start is None:
            ax.set_xlabel("hours from the start of the recording")
            return
        first = 1 - (self.start.minute * 60 + self.start.second) / 3600  # the next full hour
        ticks = np.arange(first % 1, end + 1e-9, 1.0 if end <= 16 else 2.0)
        ax.set_xticks(ticks, [(self.start + timedelta(hours=float(t))).strftime("%H:%M") for t in ticks])
        ax.set_xlabel(f"clock time (recording started {self.start:%Y-%m-%d %H:%M})")

    def plot_hypnodensity(self, ax) -> None:
        if self.probabilities is None:
            raise ConfigError("no probabilities to plot (hypnodensity needs a model's output)")
        x = np.arange(self.n_epochs) * MINUTES / 60
        colours = STAGE_COLOURS[self.num_classes]
        # unscored (gated) epochs have no probabilities: drawn empty
        ax.stackplot(x, np.nan_to_num(self.probabilities.T), labels=self.labels, colors=colours, step="post")
        ax.set_ylim(0, 1)
        ax.set_ylabel("probability")
        self._shade_unscored(ax)
        self.time_axis(ax)
        ax.legend(loc="upper left", bbox_to_anchor=(1.005, 1), fontsize=7, frameon=False)  # outside the data
