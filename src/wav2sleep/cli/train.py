"""``wav2sleep train``: a Hydra application (overrides, ``--cfg``, ``--info``, ``-m`` sweeps, ``--config-dir``)."""

from __future__ import annotations

import argparse

HELP = "train a model on a store (a Hydra app: model=... inputs=... datasets=... data_root=...; --help lists groups)"
# Every argument goes to Hydra untouched: its flags (--cfg job, -m, --config-dir DIR, --help) and key=value overrides.
HYDRA_APP = True
ACCEPTS_OVERRIDES = True


def add_parser(p: argparse.ArgumentParser) -> None:
    p.epilog = ("example: wav2sleep train model=wav2sleep num_gpus=1 tune_batch_size=True target_batch_size=16 "
                "name=NAME inputs=all datasets=all test=True data_root=STORE; wav2sleep train --help lists the "
                "config groups")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    import sys
    import traceback

    from wav2sleep.cli.main import describe_error
    from wav2sleep.training import app

    app.JOB_ERRORS.clear()
    app.JOB_SUMMARIES.clear()
    argv = sys.argv
    sys.argv = ["wav2sleep train", *args.overrides]
    try:
        app.hydra_main()
    finally:
        sys.argv = argv
    for summary in app.JOB_SUMMARIES:
        print(f"model: {summary['model_dir']} (best checkpoint {summary['best_checkpoint']}, "
              f"val_loss {summary['best_val_loss']}); MLflow run {summary['mlflow_run_id']}: "
              f"mlflow ui --backend-store-uri {summary['tracking_uri']}")  # fmt: skip
    for job, exc in app.JOB_ERRORS:
        if getattr(args, "verbose", 0):
            traceback.print_exception(exc)
        where = f" (job {job})" if len(app.JOB_ERRORS) + len(app.JOB_SUMMARIES) > 1 else ""
        print(f"wav2sleep train: error{where}: {describe_error(exc)}", file=sys.stderr)
    if not app.JOB_ERRORS:
        return 0
    return 1 if app.JOB_SUMMARIES else 2
