"""``wav2sleep stage``: hypnograms, probabilities, statistics and reports for your own recordings."""

from __future__ import annotations

import argparse

HELP = "stage recordings (EDF, WFDB .hea, CSV, parquet, NumPy) with a model; write hypnograms and reports"


def add_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("inputs", nargs="+", help="recording files")
    p.add_argument("--model", required=True, help="model folder (ours or published) or hf://user/repo")
    p.add_argument("--signals", help="use only these model signals, e.g. ECG,THX")
    p.add_argument("--channel", action="append", default=[], metavar="SIGNAL=LABEL",
                   help="channel to use for a signal, e.g. ECG=EKG (repeatable)")  # fmt: skip
    p.add_argument("--out", default=".", help="output folder (default: current)")
    p.add_argument("--formats", default="csv,json,tsv,edf,png,html", help="outputs to write")
    p.add_argument("--device", default="cpu")
    p.add_argument("--contract", action="append", default=[], metavar="FIELD=VALUE",
                   help="override the model's input contract (experts; warned): resample=soxr|linear, grid=start|end, "
                        "scaling=units|range, normalisation=zscore|zscore-window|causal, window_epochs=N|none, "
                        "overlap_epochs=N, pad=true|false (repeatable; see docs/models.md)")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from wav2sleep.contract import parse_overrides
    from wav2sleep.errors import ConfigError, Wav2SleepError
    from wav2sleep.inference.report import write_outputs
    from wav2sleep.inference.stage import stage
    from wav2sleep.models import load_model

    channels = {}
    for item in args.channel:
        signal, sep, label = item.partition("=")
        if not sep:
            raise ConfigError(f"--channel takes SIGNAL=LABEL, got {item!r}")
        channels[signal.strip()] = label.strip()
    overrides = parse_overrides(args.contract)
    model = load_model(args.model, device=args.device, contract=overrides)
    formats = [f for f in args.formats.split(",") if f]
    failed = 0
    for path in args.inputs:
        try:
            hyp = stage(path, model, signals=args.signals, channels=channels, device=args.device)
            hyp.metadata["model"] = args.model
            written = write_outputs(hyp, args.out, Path(path).stem, formats)
        except Wav2SleepError as exc:  # one bad file never stops the batch
            failed += 1
            print(f"failed {path}: {exc}")
            continue
        stats = hyp.sleep_statistics()
        used = ", ".join(f"{s}={m['channel']}" for s, m in hyp.metadata["channels"].items())
        print(f"{path}: {hyp.n_epochs} epochs, TST {stats['TST']:.0f} min, SE {stats['SE']:.0f} %, "
              f"channels {used}; wrote {', '.join(str(p) for p in written.values())}")  # fmt: skip
    return 1 if failed else 0
