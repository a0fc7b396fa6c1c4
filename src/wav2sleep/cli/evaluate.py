"""``wav2sleep evaluate``: per dataset x signal subset metrics, tables and confusion matrices."""

from __future__ import annotations

import argparse

HELP = "evaluate a model on a store: kappa, accuracy, F1 per dataset x signal subset, tables and confusion plots"


def add_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", required=True, help="model folder (ours or published), hf://user/repo or builtin:NAME")
    p.add_argument("--data", required=True, help="store root")
    p.add_argument("--datasets", default=None, help="comma-separated datasets (default: all in the partition)")
    p.add_argument("--subsets", default="all,ECG,ECG+THX,PPG,PPG+THX", help="signal subsets, comma-separated")
    p.add_argument("--scheme", default="paper", help="split scheme (paper, census, subject, subject-fold0, ...)")
    p.add_argument("--partition", default="test", help="train, val or test")
    p.add_argument("--out", default=None, help="folder for results.md/.csv and confusion PNGs")


def run(args: argparse.Namespace) -> int:
    from wav2sleep.evaluation.evaluate import evaluate
    from wav2sleep.evaluation.tables import results_markdown
    from wav2sleep.models import load_model

    model = load_model(args.model)
    datasets = [d for d in (args.datasets or "").split(",") if d] or None
    results = evaluate(model, args.data, scheme=args.scheme, partition=args.partition, datasets=datasets,
                       subsets=[s for s in args.subsets.split(",") if s], out_dir=args.out)  # fmt: skip
    if not results:
        print("no nights to evaluate (check --scheme/--partition and that `wav2sleep split` ran)")
        return 1
    print(results_markdown(results))
    return 0
