"""``wav2sleep stage``: hypnograms, probabilities, statistics and reports for your own recordings."""

from __future__ import annotations

import argparse

HELP = "stage recordings (EDF, WFDB .hea, CSV, parquet, NumPy) with a model; write hypnograms and reports"


def add_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("inputs", nargs="+", help="recording files, or folders searched recursively for recordings")
    p.add_argument("--model", required=True, help="model folder (ours or published) or hf://user/repo")
    p.add_argument("--signals", help="use only these model signals, e.g. ECG,THX")
    p.add_argument("--channel", action="append", default=[], metavar="SIGNAL=LABEL",
                   help="channel to use for a signal, e.g. ECG=EKG (repeatable)")  # fmt: skip
    p.add_argument("--out", default=".", help="output folder (default: current); outputs mirror the inputs' paths")
    p.add_argument("--formats", default="csv,json,tsv,edf,png,html", help="outputs to write")
    p.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    p.add_argument("--contract", action="append", default=[], metavar="FIELD=VALUE",
                   help="override the model's input contract (experts; warned): resample=soxr|linear, grid=start|end, "
                        "scaling=units|range, normalisation=zscore|zscore-window|causal, window_epochs=N|none, "
                        "overlap_epochs=N, pad=true|false (repeatable; see docs/models.md)")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    import sys
    import traceback

    from wav2sleep.cli.main import describe_error
    from wav2sleep.contract import parse_overrides
    from wav2sleep.errors import ConfigError
    from wav2sleep.inference.batch import check_device, find_recordings, output_names
    from wav2sleep.inference.report import FORMATS
    from wav2sleep.signals import parse_signals
    from wav2sleep.store.atomic import check_writable

    channels = {}
    for item in args.channel:
        signal, sep, label = item.partition("=")
        if not sep:
            raise ConfigError(f"--channel takes SIGNAL=LABEL, got {item!r}")
        channels[signal.strip()] = label.strip()
    for names in (list(channels), args.signals):  # unknown signal names fail before the model loads
        if names:
            parse_signals(names)
    formats = [f for f in args.formats.split(",") if f]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ConfigError(f"unknown output formats {', '.join(unknown)}; known: {', '.join(FORMATS)}")
    overrides = parse_overrides(args.contract)
    recordings, skipped = find_recordings(args.inputs)
    for path, reason in skipped:
        print(f"wav2sleep stage: failed {path}: {reason}", file=sys.stderr)
    out = check_writable(args.out)
    check_device(args.device)

    from wav2sleep.inference.report import write_outputs
    from wav2sleep.inference.stage import stage
    from wav2sleep.models import load_model

    model = load_model(args.model, device=args.device, contract=overrides)
    failed = len(skipped)
    for path, name in output_names(recordings).items():
        try:
            hyp = stage(path, model, signals=args.signals, channels=channels, device=args.device)
            hyp.metadata["model"] = args.model
            written = write_outputs(hyp, out / name.parent, name.name, formats)
        except Exception as exc:  # noqa: BLE001 - one bad recording, whatever the cause, never stops the batch
            failed += 1
            if getattr(args, "verbose", 0):
                traceback.print_exc()
            message = describe_error(exc)
            where = "" if message.startswith(str(path)) else f"{path}: "  # our errors name the file already
            print(f"wav2sleep stage: failed {where}{message}", file=sys.stderr)
            continue
        stats = hyp.sleep_statistics()
        used = ", ".join(f"{s}={m['channel']}" for s, m in hyp.metadata["channels"].items())
        print(f"{path}: {hyp.n_epochs} epochs, TST {stats['TST']:.0f} min, SE {stats['SE']:.0f} %, "
              f"channels {used}; wrote {', '.join(str(p) for p in written.values())}")  # fmt: skip
    print(f"{len(recordings) + len(skipped) - failed} staged, {failed} failed")
    return 1 if failed else 0
