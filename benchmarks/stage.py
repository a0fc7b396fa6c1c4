"""`wav2sleep stage` wall time on one 10-h EDF with ECG, PPG, ABD, THX (MESA rates), including statistics, every
export, the HTML report and agreement with a scorer's NSRR XML found beside it (``--reference auto``), with the
published cardio checkpoint folder; as a fresh command (median of runs). The breakdown per phase (medians over
the runs) comes from the command's own ``-v`` timings (``wav2sleep.inference.timing``); ``startup_and_exit_s`` is the
rest: starting Python, importing PyTorch and the libraries, ending the process. ``helper_*`` phases ran in the
helper process that prepares the recording while PyTorch loads (``inference.prefetch``): not part of the wall time;
``prefetch_wait_s`` is how long staging waited for it."""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from common import machine, timed
from wav2sleep.inference.timing import TIMINGS_PREFIX
from wav2sleep.synth import simulate_night, write_edf
from wav2sleep.synth.annotations import write_nsrr_xml
from wav2sleep.synth.layouts import LAYOUTS

MODEL = Path(__file__).resolve().parents[2] / "shared" / "reference" / "checkpoints" / "wav2sleep-cardio"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    hours = 2.0 if args.quick else 10.0
    tmp = Path(tempfile.mkdtemp())
    night = simulate_night(0, hours, eog=False, rates=LAYOUTS["mesa"].rates)
    labels = {"ECG": "EKG", "PPG": "Pleth", "ABD": "Abdo", "THX": "Thor"}
    start = datetime(2020, 1, 1, 22)
    edf = write_edf(tmp / "night.edf", [(labels[s], x, r, "mV" if s == "ECG" else "")
                                        for s, (x, r) in night.waveforms.items()], start)  # fmt: skip
    write_nsrr_xml(tmp / "night-nsrr.xml", night.stages, start)
    cmd = [sys.executable, "-m", "wav2sleep", "stage", str(edf), "--model", str(MODEL), "--out", str(tmp / "out"),
           "--reference", "auto"]  # fmt: skip
    phases: list[dict] = []

    def run() -> None:
        started = time.perf_counter()
        done = subprocess.run([*cmd[:3], "-v", *cmd[3:]], check=True, capture_output=True, text=True)
        wall = time.perf_counter() - started
        seen, helper = {}, {}
        for line in done.stderr.splitlines():
            if TIMINGS_PREFIX in line:
                timings = json.loads(line.split(TIMINGS_PREFIX, 1)[1])
                seen.update(timings["seconds"])
                helper.update({f"helper_{k}": v for k, v in timings.get("background", {}).items()})
        seen["startup_and_exit"] = wall - sum(seen.values())
        phases.append({**seen, **helper})  # the helper's phases ran meanwhile: not part of the wall time

    wall = timed(run, 2 if args.quick else 5)
    keys = dict.fromkeys(k for p in phases for k in p)
    breakdown = {f"{k}_s": round(statistics.median(p.get(k, 0.0) for p in phases), 4) for k in keys}
    help_time = timed(lambda: subprocess.run([sys.executable, "-m", "wav2sleep", "stage", "--help"], check=True,
                                             capture_output=True), 3)  # fmt: skip
    print(json.dumps({"benchmark": "stage", "hours": hours, "signals": list(labels), "reference": "auto (NSRR XML)",
                      "command_wall": wall,
                      "breakdown": breakdown,
                      "help_wall": help_time, "outputs": sorted(p.name for p in (tmp / "out").iterdir()),
                      "machine": machine()}))  # fmt: skip


if __name__ == "__main__":
    main()
