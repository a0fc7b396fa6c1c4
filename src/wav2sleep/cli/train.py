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

    from wav2sleep.training import app

    if any(a in ("-sc", "--shell-completion") or a.startswith("--shell-completion=") for a in args.overrides):
        return _shell_completion(args.overrides)
    app.OUTCOMES.clear()
    app.SWEEP.clear()
    argv = sys.argv
    sys.argv = ["wav2sleep train", *args.overrides]
    app.COMMAND_LINE["active"] = True
    try:
        app.hydra_main()
    finally:
        sys.argv = argv
        app.COMMAND_LINE["active"] = False
    # A sweep's jobs may have run in other processes (launchers): their outcomes are in their folders.
    outcomes = app.sweep_outcomes(app.SWEEP["dir"]) if "dir" in app.SWEEP else app.OUTCOMES
    failed = [o for o in outcomes if o.summary is None]
    for o in outcomes:
        if o.summary is not None:
            s = o.summary
            print(f"model: {s['model_dir']} (best checkpoint {s['best_checkpoint']}, val_loss {s['best_val_loss']}); "
                  f"MLflow run {s['mlflow_run_id']}: mlflow ui --backend-store-uri {s['tracking_uri']}")  # fmt: skip
    for o in failed:
        if getattr(args, "verbose", 0) and o.traceback:
            print(o.traceback, file=sys.stderr)
        where = f" (job {o.overrides})" if len(outcomes) > 1 else ""
        print(f"wav2sleep train: error{where}: {o.error}", file=sys.stderr)
    if not failed:
        return 0
    return 1 if len(failed) < len(outcomes) else 2


def _shell_completion(overrides: list[str]) -> int:
    """Hydra's bash completion for a subcommand: Hydra's script completes a whole program, so the installed script
    completes only after ``wav2sleep train`` (other subcommands keep the shell's file completion) and asks
    ``wav2sleep train -sc query=bash``; the query drops the word ``train`` before Hydra parses the line."""
    import contextlib
    import io
    import os
    import re
    import sys

    from wav2sleep.training import app

    line = os.environ.get("COMP_LINE")
    if line is not None:
        os.environ["COMP_LINE"] = re.sub(r"^(\s*\S+)\s+train(?=\s|$)", r"\1", line)
    argv, sys.argv = sys.argv, ["wav2sleep", *overrides]
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            app.hydra_main()
    finally:
        sys.argv = argv
    script = printed.getvalue()
    if "hydra_bash_completion()" in script:
        script = script.replace(
            'helper="${words[0]}"', 'helper="${words[0]}"\n        [ "${words[1]}" == "train" ] || return'
        )
        script = script.replace("$helper -sc query=bash", "$helper train -sc query=bash")
    sys.stdout.write(script)
    return 0
