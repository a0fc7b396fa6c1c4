"""``wav2sleep stage``: hypnograms, probabilities, statistics and reports for your own recordings."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "stage recordings (EDF, WFDB .hea, CSV, parquet, NumPy) with a model; write hypnograms and reports"
EPILOG = """inputs (by extension; folders are searched recursively):
  .edf  EDF, EDF+ and EDF+D (gaps kept as missing samples)     .bdf  BDF/BDF+ (24-bit)
  .rec  EDF under another name (PhysioNet's UCD and ISRUC PSGs)
  .hea  WFDB record (its .dat/.mat beside it)                  .rr   beat intervals (SLPDB format; IBI models)
  .csv / .parquet  a time column (seconds or clock times) and one column per channel (a stage column, as
        DREAMT's, is the recording's own scoring); or one beat per row; or an Empatica E4 BVP.csv / IBI.csv
  .txt  a table with a time column (Polar Sensor Logger's X_ECG.txt, X_RR.txt); any other .txt is a scoring
  .npz  arrays + fs or fs_<channel>                            .npy  one channel + <name>.json with fs
outputs per recording (--formats):
  csv   <name>.hypnogram.csv: onset, seconds, stage, probability per stage
  json  <name>.hypnogram.json: metadata, statistics, stages, probabilities, agreement (strict JSON)
  tsv   sub-<name>_task-sleep_events.tsv + .json: BIDS events, runs of one stage (BIDS-named inputs keep
        their entities: sub-01_ses-1_task-sleep_eeg.edf -> sub-01_ses-1_task-sleep_events.tsv)
  bids  sub-<name>_task-sleep_hypnogram.tsv + .json: the BIDS sleep proposal's hypnogram (bids-specification
        PR #2208): onset, duration, stage, scorer, confidence, one row per epoch
  edf   <name>.annotations.edf: EDF+ annotations "Sleep stage W/1/2/3/R/?" (per run, or --edf-per-epoch)
  png   <name>.hypnogram.png: hypnogram and hypnodensity
  html  <name>.report.html: self-contained report
  and, for a batch: a summary table on stdout, cohort.csv (one row per recording: statistics, status,
  agreement), index.html (the table, linking each report) and, when recordings have reference scorings,
  agreement.png (Bland-Altman plots of TST, SE, WASO and REM latency against the scorers)
exit status: 0 all staged, 1 some failed (each named on stderr), 2 bad options or environment"""


def add_parser(p: argparse.ArgumentParser) -> None:
    p.epilog = EPILOG
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.add_argument("inputs", nargs="+", help="recording files, or folders searched recursively for recordings")
    p.add_argument("--model", required=True,
                   help="model folder (ours or published), hf://user/repo, a .onnx file from wav2sleep export, or "
                        "builtin:ibi-slpdb (beat intervals, or ECG through detected beats; shipped in the package)")  # fmt: skip
    p.add_argument("--signals", help="use only these model signals, e.g. ECG,THX")
    p.add_argument("--channel", action="append", default=[], metavar="SIGNAL=LABEL",
                   help="channel to use for a signal, e.g. ECG=EKG (repeatable)")  # fmt: skip
    p.add_argument("--out", default=".", help="output folder (default: current); outputs mirror the inputs' paths")
    p.add_argument("--formats", default="csv,json,tsv,bids,edf,png,html", help="outputs to write")
    p.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    p.add_argument("--backend", choices=["torch", "onnxruntime"], default="torch",
                   help="run the model with PyTorch (default) or ONNX Runtime (extra onnx; a model folder is exported "
                        "first; a .onnx file from `wav2sleep export` is used as it is)")  # fmt: skip
    p.add_argument("--edf-per-epoch", action="store_true",
                   help="EDF+ annotations one per 30-s epoch (default: one per run of equal stages)")  # fmt: skip
    p.add_argument("--reference", metavar="SCORING|auto",
                   help="compare with a scorer's hypnogram of the recording (NSRR XML, Philips .rml, WSC "
                        ".stg.txt/.allscore.txt, SLPDB .an/.st, CAP .txt, UCD _stage.txt, a .txt list of stages "
                        "(ISRUC), hypnogram CSV or TSV (BIDS events.tsv, _hypnogram.tsv), JSON (ours, a Fitbit sleep "
                        "log), EDF+ annotations such as Sleep-EDF's X-Hypnogram.edf or HMC's X_sleepscoring.edf; a "
                        "4-class scoring with Light, such as a wearable's or this tool's, compares on 4 classes; "
                        "'auto': found beside each recording (or in NSRR's annotations-events-nsrr folder), else the "
                        "stages in its own EDF+ annotations or, for a "
                        "table of samples such as DREAMT's, its stage column; or a model's output to compare with: "
                        "the original wav2sleep's X.preds.csv): kappa, "
                        "accuracy, per-stage F1, confusion, differences in every statistic")  # fmt: skip
    p.add_argument("--no-gating", action="store_true",
                   help="feed every signal in every epoch (default: leave a signal out where it is unusable and "
                        "leave epochs with no usable signal unscored)")  # fmt: skip
    p.add_argument("--contract", action="append", default=[], metavar="FIELD=VALUE",
                   help="override the model's input contract (experts; warned): resample=soxr|linear, grid=start|end, "
                        "scaling=units|range, normalisation=zscore|zscore-window|causal|none, window_epochs=N|none, "
                        "overlap_epochs=N, pad=true|false, sample_order=time|original-predict, stitching=central|first "
                        "(repeatable; see docs/models.md)")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    import sys

    from wav2sleep.contract import parse_overrides
    from wav2sleep.inference.batch import find_recordings
    from wav2sleep.inference.report import check_formats
    from wav2sleep.signals import parse_channel_choices, parse_signals
    from wav2sleep.store.atomic import check_writable

    channels = parse_channel_choices(args.channel)  # unknown signal names fail before the model loads
    if args.signals:
        parse_signals(args.signals)
    formats = [f for f in args.formats.split(",") if f]
    check_formats(formats)
    overrides = parse_overrides(args.contract)
    recordings, skipped = find_recordings(args.inputs)
    for path, reason in skipped:
        print(f"wav2sleep stage: failed {path}: {reason}", file=sys.stderr)
    out = check_writable(args.out)
    prefetcher = _prefetcher(args, recordings, channels, overrides)  # before PyTorch loads, so that it overlaps
    try:
        cohort = _stage_all(args, recordings, skipped, out, channels, formats, overrides, prefetcher)
    finally:  # also when the device or model is refused: the helper stops with the command
        if prefetcher is not None:
            prefetcher.close()
    failed = sum(row["status"] != "staged" for row in cohort)
    if len(cohort) > 1:
        _write_batch(out, cohort)
    print(f"{len(recordings) + len(skipped) - failed} staged, {failed} failed")
    return 1 if failed else 0


def _stage_all(args: argparse.Namespace, recordings: list[Path], skipped: list, out: Path,
               channels: dict[str, str], formats: list[str], overrides: dict, prefetcher) -> list[dict]:  # fmt: skip
    """Load the model and stage every recording (a progress bar for a batch) -> the cohort rows, skipped inputs
    first."""
    import sys

    from tqdm import tqdm

    from wav2sleep.inference.batch import check_device, output_names
    from wav2sleep.inference.cohort import cohort_row
    from wav2sleep.inference.timing import PhaseTimer
    from wav2sleep.models import load_model

    check_device(args.device)
    loading = PhaseTimer()
    model = load_model(args.model, device=args.device, contract=overrides, backend=args.backend)
    loading.lap("load_model")
    loading.log(str(args.model))
    cohort = [cohort_row(path, None, f"failed: {reason}") for path, reason in skipped]
    names = output_names(recordings)
    bar = tqdm(names.items(), total=len(names), desc="stage", unit="recording", file=sys.stderr,
               disable=len(names) < 2 or not sys.stderr.isatty())  # fmt: skip
    for path, name in bar:
        _stage_one(args, model, path, name, out, channels, formats, prefetcher, cohort)
    return cohort


def _stage_one(args: argparse.Namespace, model, path: Path, name: Path, out: Path, channels: dict[str, str],
               formats: list[str], prefetcher, cohort: list[dict]) -> None:  # fmt: skip
    """Stage one recording of a batch: its outputs, its line (stdout) and warnings (stderr; a failure named there),
    its cohort row."""
    import sys
    import traceback

    from wav2sleep.cli.main import describe_error
    from wav2sleep.inference.cohort import cohort_row
    from wav2sleep.inference.report import write_outputs
    from wav2sleep.inference.stage import stage
    from wav2sleep.inference.timing import PhaseTimer

    timer = PhaseTimer()
    try:
        source = prefetcher.take(path, timer) if prefetcher is not None else path
        hyp = stage(source, model, signals=args.signals, channels=channels, device=args.device,
                    gate=not args.no_gating, reference=args.reference, timer=timer)  # fmt: skip
        hyp.metadata["model"] = args.model
        stats = hyp.sleep_statistics()
        timer.lap("statistics")
        writer = prefetcher.write_outputs if prefetcher is not None else write_outputs
        written = writer(hyp, out / name.parent, name.name, formats, args.edf_per_epoch, timer)
    except Exception as exc:  # noqa: BLE001 - one bad recording, whatever the cause, never stops the batch
        if getattr(args, "verbose", 0):
            traceback.print_exc()
        message = describe_error(exc)
        where = "" if message.startswith(str(path)) else f"{path}: "  # our errors name the file already
        print(f"wav2sleep stage: failed {where}{message}", file=sys.stderr)
        cohort.append(cohort_row(path, None, f"failed: {message}"))
        return
    timer.log(str(path))
    used = ", ".join(f"{s}={m['channel']}" for s, m in hyp.metadata["channels"].items())
    print(f"{path}: {hyp.n_epochs} epochs, TST {stats['TST']:.0f} min, SE {stats['SE']:.0f} %, "
          f"channels {used}; wrote {', '.join(str(p) for p in written.values())}")  # fmt: skip
    if "agreement" in hyp.metadata:
        a = hyp.metadata["agreement"]
        print(f"  agreement with {a['reference']}: kappa {a['kappa']:.3f}, accuracy {100 * a['accuracy']:.1f} % over "
              f"{a['epochs_compared']} epochs; TST {a['statistics_difference']['TST']:+.1f} min vs the scorer")  # fmt: skip
    for warning in hyp.metadata["warnings"]:
        print(f"wav2sleep stage: {path}: {warning}", file=sys.stderr)
    cohort.append(cohort_row(path, hyp, "staged", written))


def _prefetcher(args: argparse.Namespace, recordings: list[Path], channels: dict[str, str], overrides: dict):
    """A helper process that prepares the recordings ahead (``inference.prefetch``) where it is safe and pays: in
    the command's own process (not ``main`` called from a script), PyTorch not yet loaded or several recordings,
    and a local model folder whose signals and contract read without PyTorch (experts' contract overrides: none).
    Else None: each recording is prepared when staged."""
    import sys

    from wav2sleep.errors import Wav2SleepError
    from wav2sleep.models.folder import BUILTIN_PREFIX, read_spec, resolve_model_folder, spec_inputs
    from wav2sleep.signals import parse_signals

    try:  # a path or a built-in model (hub folders are fetched when the model loads)
        folder = resolve_model_folder(args.model) if str(args.model).startswith(BUILTIN_PREFIX) else Path(args.model)
    except Wav2SleepError:  # loading the model reports it
        return None
    if not recordings or args.backend != "torch" or overrides or not folder.is_dir():
        return None
    # A spawned process starts the main module again: only the command's own (guarded) one is safe to start.
    if not getattr(args, "own_process", False) or ("torch" in sys.modules and len(recordings) < 2):
        return None
    try:
        inputs = spec_inputs(read_spec(folder)[0])
    except Wav2SleepError:  # loading the model reports it
        return None
    if inputs is None:
        return None
    from wav2sleep.inference.prefetch import Prefetcher

    model_signals, contract = inputs
    try:
        plotting = len(recordings) == 1 and bool({"png", "html"} & set(args.formats.split(",")))
        return Prefetcher(recordings, parse_signals(args.signals) if args.signals else model_signals, channels,
                          contract, plotting=plotting)  # fmt: skip
    except (OSError, ImportError, NotImplementedError):  # no process pool here (no /dev/shm, no sem_open)
        return None


def _write_batch(out, cohort: list[dict]) -> None:
    """A batch's summary table (stdout), cohort table, Bland-Altman plots (with references) and index page."""
    from wav2sleep.inference.cohort import plot_bland_altman, summary_table, write_cohort, write_index

    print(summary_table(cohort))
    print(f"cohort table: {write_cohort(out / 'cohort.csv', cohort)}")
    figure = plot_bland_altman(out / "agreement.png", cohort)
    if figure:
        print(f"agreement with the scorers (Bland-Altman): {figure}")
    print(f"index page: {write_index(out / 'index.html', cohort, figure)}")
