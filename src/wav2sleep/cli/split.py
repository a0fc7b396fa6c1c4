"""``wav2sleep split``: train/val/test partitions of the store as a table."""

from __future__ import annotations

import argparse

HELP = "write train/val/test partitions of a store (paper lists, census lists, or subject-wise)"


def add_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("root", help="store root (holds manifest.parquet)")
    p.add_argument("--scheme", choices=["paper", "census", "subject"], default="paper")
    p.add_argument("--seed", type=int, default=0, help="seed of the subject-wise split")


def run(args: argparse.Namespace) -> int:
    from collections import Counter

    from wav2sleep.data.splits import read_split, write_split

    path = write_split(args.root, args.scheme, args.seed)
    counts = Counter(read_split(args.root, args.scheme).values())
    print(f"{path}: " + ", ".join(f"{p} {counts.get(p, 0)}" for p in ("train", "val", "test", "none")))
    return 0
