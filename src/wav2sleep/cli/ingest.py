"""``wav2sleep ingest``: EDF/WFDB recordings and their stages into the parquet store."""

from __future__ import annotations

import argparse

HELP = "ingest an NSRR dataset folder (or any folder of EDF/WFDB recordings) into the training store"


def add_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("folder", help="dataset folder (NSRR layout recognised from its name, e.g. .../shhs)")
    p.add_argument("--out", required=True, help="store root")
    p.add_argument("--dataset", help="dataset name (default: the folder name)")
    p.add_argument("--signals", default="ECG,PPG,ABD,THX", help="signals to keep (default ECG,PPG,ABD,THX)")
    p.add_argument("--channel", action="append", default=[], metavar="SIGNAL=LABEL",
                   help="channel to use for a signal in every recording, e.g. EOG-L='EOG horizontal' (repeatable); "
                        "default: picked by name")  # fmt: skip
    p.add_argument("--workers", type=int, default=None, help="parallel processes (default: all cores)")
    p.add_argument("--ray", metavar="ADDRESS", help="run on Ray: 'local' starts one here, 'auto' or host:port joins")
    p.add_argument("--overwrite", action="store_true", help="redo nights already in the store")
    p.add_argument("--resample", choices=["soxr", "linear"], default="soxr",
                   help="soxr (anti-aliased, default) or linear (the reference's interpolation)")  # fmt: skip
    p.add_argument("--strict", action="store_true", help="also exit 1 if any night was flagged (QC or unit problem)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    import sys

    from wav2sleep.ingest.runner import ingest_folder
    from wav2sleep.signals import parse_channel_choices

    channels = parse_channel_choices(args.channel)
    s = ingest_folder(args.folder, args.out, dataset=args.dataset, signals=args.signals, workers=args.workers,
                      ray=args.ray, overwrite=args.overwrite, resample_mode=args.resample, progress=not args.quiet,
                      channels=channels)  # fmt: skip
    for session, error in s.failures:
        print(f"wav2sleep ingest: failed {session}: {error}", file=sys.stderr)
    print(f"{s.ok} ok, {s.flagged} flagged, {s.failed} failed, {s.skipped} already done ({s.seconds:.1f} s); "
          f"manifest: {s.manifest}")  # fmt: skip
    return 1 if s.failed or (args.strict and s.flagged) else 0
