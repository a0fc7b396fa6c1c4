"""``wav2sleep synth``: write a synthetic corpus in the real NSRR layouts."""

from __future__ import annotations

import argparse

HELP = "write a synthetic PSG corpus (EDF + NSRR/WSC annotations) in the real NSRR folder layouts"


def add_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("out", help="output folder (one sub-folder per dataset)")
    p.add_argument("--datasets", default=None, help="comma-separated dataset names (default: all seven NSRR "
                   "datasets; none when only --beat-nights is given)")  # fmt: skip
    p.add_argument("--nights", type=int, default=2, help="nights per dataset (default 2)")
    p.add_argument("--hours", type=float, default=None, help="length of every night (default: drawn from 4-12 h)")
    p.add_argument("--seed", type=int, default=0, help="random seed; the same seed gives the same bytes")
    p.add_argument("--broken", action="store_true", help="also write the fault corpus under OUT/broken/")
    p.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    p.add_argument("--beat-nights", type=int, default=0, help="also write this many beat-interval nights (SLPDB "
                   "formats .rr/.an) under OUT/ibi/, --hours long (default 8 h)")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    import time
    from collections import Counter
    from pathlib import Path

    from wav2sleep.errors import ConfigError
    from wav2sleep.synth import write_corpus

    if args.nights < 1:
        raise ConfigError(f"--nights must be at least 1, got {args.nights}")
    if args.hours is not None and not 0 < args.hours <= 24:
        raise ConfigError(f"--hours must be in (0, 24], got {args.hours}")
    only_beats = args.beat_nights and args.datasets is None and not args.broken
    spec = args.datasets or "shhs,mesa,wsc,ccshs,cfs,chat,mros"
    datasets = [d.strip() for d in spec.split(",") if d.strip()]
    t0 = time.perf_counter()
    if not only_beats:
        records = write_corpus(args.out, datasets, args.nights, args.hours, args.seed, args.broken, args.workers)
        seconds = time.perf_counter() - t0
        size = sum(f.stat().st_size for f in Path(args.out).rglob("*") if f.is_file())
        per_dataset = Counter(r.dataset for r in records)
        hours = sum(r.duration_s for r in records) / 3600
        print(", ".join(f"{d}: {n}" for d, n in per_dataset.items()))
        print(f"{len(records)} nights ({hours:.1f} h) written to {args.out} in {seconds:.1f} s, {size / 1e6:.0f} MB")
    if args.broken:
        print(f"fault corpus: {Path(args.out) / 'broken'} (manifest.json names each case)")
    if args.beat_nights:
        from wav2sleep.synth.beats import write_beat_corpus

        folder = write_beat_corpus(args.out, args.beat_nights, args.hours or 8.0, args.seed)
        print(f"{args.beat_nights} beat-interval nights: {folder} (wav2sleep ingest {folder} --signals IBI)")
    return 0
