"""Train/val/test splits over the store, kept as a table (``ROOT/splits/{scheme}.csv``), never as copies.

Schemes:
- ``paper``: the paper's fixed session lists per dataset (shipped with the package); nights in no list are left out
  (partition ``none``);
- ``census``: the census-balanced val/test lists of Jones et al. (CCSHS, CFS, CHAT, MESA, WSC); other nights
  ``none``;
- ``subject``: deterministic subject-wise split for any dataset: a subject's hash decides its partition, so every
  visit of a subject (SHHS visits 1 and 2) lands in the same one, and adding nights never moves existing subjects.
- ``final``: train and validation only, no test partition, to train a final model on every available night once
  the figures are known from cross-validation: in each dataset the subjects are ordered by their hash and the first
  ``FINAL_VAL_SHARE`` of them (at least one) validate, the rest train.
- ``subject-fold{i}`` (``write_subject_folds``): K-fold cross-validation by subject, for small datasets such as
  SLPDB: each dataset's subjects are dealt into K folds in hash order; fold i tests on fold i, validates on fold
  i+1 and trains on the rest, so every subject is tested exactly once.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Sequence
from pathlib import Path

from wav2sleep.corpora import split_list
from wav2sleep.errors import ConfigError
from wav2sleep.store import read_manifest, write_text_atomic

__all__ = ["SCHEMES", "PARTITIONS", "assign", "write_split", "write_subject_folds", "read_split", "split_path"]

SCHEMES = ("paper", "census", "subject", "final")
FINAL_VAL_SHARE = 0.15
PARTITIONS = ("train", "val", "test")


def _subject_hash(dataset: str, subject: str, seed: int) -> float:
    digest = hashlib.sha256(f"{seed}:{dataset}:{subject}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _subject_partition(dataset: str, subject: str, seed: int, fractions: Sequence[float]) -> str:
    u = _subject_hash(dataset, subject, seed)
    edges = [sum(fractions[: i + 1]) for i in range(len(fractions))]
    return next((p for p, e in zip(PARTITIONS, edges, strict=True) if u < e), PARTITIONS[-1])


def assign(rows: list[dict], scheme: str, seed: int = 0,
           fractions: Sequence[float] = (0.8, 0.1, 0.1)) -> list[dict]:  # fmt: skip
    """Partition of every manifest row under ``scheme``: dicts with dataset, session, subject, partition."""
    if scheme not in SCHEMES:
        raise ConfigError(f"unknown split scheme {scheme!r}; known: {', '.join(SCHEMES)}")
    if abs(sum(fractions) - 1) > 1e-9 or len(fractions) != 3:
        raise ConfigError(f"split fractions must be three numbers summing to 1, got {list(fractions)}")
    lookup: dict[tuple[str, str], str] = {}
    if scheme in ("paper", "census"):
        for dataset in {r["dataset"] for r in rows}:
            source = "census" if scheme == "census" else dataset
            for part in PARTITIONS:
                for session in split_list(source, part):
                    lookup[(dataset, session)] = part
    if scheme == "final":
        for dataset in {r["dataset"] for r in rows}:
            subjects = sorted({r["subject"] or r["session"] for r in rows if r["dataset"] == dataset},
                              key=lambda s: _subject_hash(dataset, s, seed))  # fmt: skip
            n_val = max(1, round(FINAL_VAL_SHARE * len(subjects))) if len(subjects) > 1 else 0
            lookup.update({(dataset, s): "val" if i < n_val else "train" for i, s in enumerate(subjects)})
    out = []
    for r in rows:
        if scheme == "final":
            part = lookup[(r["dataset"], r["subject"] or r["session"])]
        elif scheme == "subject":
            part = _subject_partition(r["dataset"], r["subject"] or r["session"], seed, fractions)
        else:
            part = lookup.get((r["dataset"], r["session"]), "none")
        out.append({"dataset": r["dataset"], "session": r["session"], "subject": r["subject"], "partition": part})
    return out


def split_path(root: str | Path, scheme: str) -> Path:
    return Path(root) / "splits" / f"{scheme}.csv"


def write_split(root: str | Path, scheme: str, seed: int = 0) -> Path:
    """Assign every usable night (status ok or flagged) of the store and write ``ROOT/splits/{scheme}.csv``."""
    return _write(root, scheme, assign(read_manifest(root, statuses=("ok", "flagged")), scheme, seed))


def write_subject_folds(root: str | Path, folds: int, seed: int = 0) -> list[Path]:
    """Write ``ROOT/splits/subject-fold{i}.csv`` for i < ``folds`` (see the module docstring)."""
    if folds < 3:
        raise ConfigError(
            f"--folds must be at least 3 (a test fold, a validation fold and a training fold), got {folds}"
        )
    rows = read_manifest(root, statuses=("ok", "flagged"))
    fold_of = {}
    for dataset in sorted({r["dataset"] for r in rows}):
        subjects = sorted({r["subject"] or r["session"] for r in rows if r["dataset"] == dataset},
                          key=lambda s: _subject_hash(dataset, s, seed))  # fmt: skip
        if len(subjects) < max(folds, 3):
            raise ConfigError(f"{dataset}: {len(subjects)} subjects cannot fill {folds} folds (and a val fold)")
        fold_of.update({(dataset, s): i % folds for i, s in enumerate(subjects)})
    paths = []
    for i in range(folds):
        parts = {i: "test", (i + 1) % folds: "val"}
        out = [{"dataset": r["dataset"], "session": r["session"], "subject": r["subject"],
                "partition": parts.get(fold_of[(r["dataset"], r["subject"] or r["session"])], "train")}
               for r in rows]  # fmt: skip
        paths.append(_write(root, f"subject-fold{i}", out))
    return paths


def _write(root: str | Path, scheme: str, rows: list[dict]) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["dataset", "session", "subject", "partition"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path = split_path(root, scheme)
    write_text_atomic(path, buffer.getvalue())
    return path


def read_split(root: str | Path, scheme: str) -> dict[tuple[str, str], str]:
    """(dataset, session) -> partition, from ``ROOT/splits/{scheme}.csv``."""
    path = split_path(root, scheme)
    if not path.exists():
        raise ConfigError(f"{path}: no split file; run `wav2sleep split {root} --scheme {scheme}` first")
    with open(path, newline="") as fh:
        return {(r["dataset"], r["session"]): r["partition"] for r in csv.DictReader(fh)}
