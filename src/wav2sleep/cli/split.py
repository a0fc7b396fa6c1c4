"""``wav2sleep split``: train/val/test partitions of the store as a table."""

from __future__ import annotations

import argparse

HELP = "write train/val/test partitions of a store (paper lists, census lists, subject-wise, or final: train/val)"


def add_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("root", help="store root (holds manifest.parquet)")
    p.add_argument("--scheme", choices=["paper", "census", "subject", "final"], default="paper",
                   help="final: train and validation only (every subject in one of them), for a final model")  # fmt: skip
    p.add_argument("--seed", type=int, default=0, help="seed of the subject-wise split")
    p.add_argument("--folds", type=int, help="with --scheme subject: K-fold cross-validation by subject, written as "
                   "splits/subject-fold0.csv ... (train with split_scheme=subject-fold0, ...)")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from collections import Counter

    from wav2sleep.data.splits import read_split, write_split, write_subject_folds
    from wav2sleep.errors import ConfigError

    if args.folds is not None:
        if args.scheme != "subject":
            raise ConfigError("--folds needs --scheme subject")
        paths = write_subject_folds(args.root, args.folds, args.seed)
        schemes = [p.stem for p in paths]
    else:
        schemes = [write_split(args.root, args.scheme, args.seed).stem]
    for scheme in schemes:
        counts = Counter(read_split(args.root, scheme).values())
        print(f"{scheme}: " + ", ".join(f"{p} {counts.get(p, 0)}" for p in ("train", "val", "test", "none")))
    return 0
