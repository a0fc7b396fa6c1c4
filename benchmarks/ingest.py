"""Ingestion speed and memory.

- one 10-h MESA-like night (ECG and pleth at 256 Hz, belts at 32 Hz, plus 8 channels the model does not use),
  EDF -> store file, single process: seconds (median of runs) and peak traced memory (tracemalloc) relative to the
  size of the decoded signals it keeps (4 channels as float32 at their native rates);
- the same night through a reference-style pipeline written here for comparison (pyedflib reads every channel,
  pandas interpolates linearly onto the union grid, as the original does): seconds and peak memory, once;
- decoding the four picked channels of that night: our reader versus edfio (lazy loading) and pyedflib, seconds
  (median) and peak traced memory, in one run (why ours comes first and the libraries are the fallback);
- a corpus (7 datasets x 2 nights of 8 h) with 2 worker processes: nights per minute.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
import tracemalloc
from datetime import datetime
from pathlib import Path

import numpy as np

from common import machine, timed
from wav2sleep.corpora import NightSource
from wav2sleep.ingest.night import ingest_night
from wav2sleep.ingest.runner import ingest_folder
from wav2sleep.store import night_path, write_night
from wav2sleep.synth import simulate_night, write_corpus, write_edf
from wav2sleep.synth.annotations import write_nsrr_xml
from wav2sleep.synth.layouts import EXTRA_CHANNELS, LAYOUTS

UNUSED = [*EXTRA_CHANNELS, ("EEG3", 128, "uV"), ("Leg", 64, "uV")]
LABELS = {"ECG": "EKG", "PPG": "Pleth", "ABD": "Abdo", "THX": "Thor"}


def make_night(folder: Path, hours: float) -> NightSource:
    night = simulate_night(0, hours, eog=False, rates=LAYOUTS["mesa"].rates)
    n = int(night.duration_s)
    rng = np.random.default_rng(0)
    channels = [(LABELS[s], x, r, "mV" if s == "ECG" else "") for s, (x, r) in night.waveforms.items()]
    channels += [(label, rng.standard_normal(int(n * rate)), rate, unit) for label, rate, unit in UNUSED]
    start = datetime(2005, 1, 1, 22, 0)
    edf = write_edf(folder / "mesa-sleep-0001.edf", channels, start)
    xml = write_nsrr_xml(folder / "mesa-sleep-0001-nsrr.xml", night.stages, start)
    return NightSource("mesa", "mesa-sleep-0001", "0001", "sleep", edf, xml, "nsrr-xml")


def ours(source: NightSource, out: Path) -> None:
    result = ingest_night(source)
    write_night(night_path(out, "mesa", source.session), result.night)


def reference_style(source: NightSource) -> None:
    """pyedflib reads all channels; pandas interpolates each kept signal onto the union grid (NaN elsewhere)."""
    import pandas as pd
    import pyedflib

    with pyedflib.EdfReader(str(source.recording)) as f:
        data = {label: (f.readSignal(i), f.getSampleFrequency(i)) for i, label in enumerate(f.getSignalLabels())}
    epochs = int(f.file_duration // 30)
    columns = {}
    for signal, label in LABELS.items():
        x, fs = data[label]
        spe = 1024 if signal in ("ECG", "PPG") else 256
        grid = np.arange(1, epochs * spe + 1) * 30 / spe
        s = pd.Series(x, index=np.arange(len(x)) / fs)
        union = s.index.union(grid)
        columns[signal] = s.reindex(union).interpolate(method="index").reindex(grid)
    frame = pd.DataFrame(columns)  # union grid of all signals, NaN off each signal's own grid
    frame.to_parquet(source.recording.with_suffix(".ref.parquet"))


def decode_ours(source: NightSource) -> None:
    from wav2sleep.io import read_recording

    read_recording(source.recording, list(LABELS.values()))


def decode_edfio(source: NightSource) -> None:
    import edfio

    edf = edfio.read_edf(source.recording)
    {s.label: s.data.astype(np.float32) for s in edf.signals if s.label in LABELS.values()}


def decode_pyedflib(source: NightSource) -> None:
    import pyedflib

    with pyedflib.EdfReader(str(source.recording)) as f:
        labels = f.getSignalLabels()
        {label: f.readSignal(labels.index(label)).astype(np.float32) for label in LABELS.values()}


def peak_mb(fn) -> float:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    hours, repeats = (2.0, 2) if args.quick else (10.0, 5)
    tmp = Path(tempfile.mkdtemp())
    source = make_night(tmp, hours)
    decoded_mb = sum(int(hours * 3600 * r) * 4 for r in (256, 256, 32, 32)) / 1e6
    night = timed(lambda: ours(source, tmp / "store"), repeats)
    night["peak_traced_mb"] = peak_mb(lambda: ours(source, tmp / "store"))
    t0 = time.perf_counter()
    ref_peak = peak_mb(lambda: reference_style(source))
    ref = {"seconds": time.perf_counter() - t0, "peak_traced_mb": ref_peak}
    decoding = {}
    for name, fn in (("ours", decode_ours), ("edfio", decode_edfio), ("pyedflib", decode_pyedflib)):
        decoding[name] = {
            **timed(lambda fn=fn: fn(source), repeats),
            "peak_traced_mb": peak_mb(lambda fn=fn: fn(source)),
        }
    corpus_hours = 2.0 if args.quick else 8.0
    write_corpus(tmp / "corpus", nights=2, hours=corpus_hours, seed=0)
    t0 = time.perf_counter()
    for ds in ("shhs", "mesa", "wsc", "ccshs", "cfs", "chat", "mros"):
        ingest_folder(tmp / "corpus" / ds, tmp / "corpus-store", workers=2, progress=False)
    corpus_s = time.perf_counter() - t0
    shutil.rmtree(tmp)
    print(json.dumps({
        "benchmark": "ingest",
        "night": {"hours": hours, "signals": list(LABELS), "unused_channels": len(UNUSED), **night,
                  "decoded_signals_mb": decoded_mb, "peak_over_decoded": night["peak_traced_mb"] / decoded_mb},
        "reference_style": ref,
        "speedup_vs_reference_style": ref["seconds"] / night["median_s"],
        "decode_four_channels": decoding,
        "corpus": {"nights": 14, "hours_per_night": corpus_hours, "workers": 2, "seconds": corpus_s,
                   "nights_per_minute": 14 / corpus_s * 60},
        "machine": machine(),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
