"""`wav2sleep stage` wall time on one 10-h EDF with ECG, PPG, ABD, THX (MESA rates), including statistics, every
export and the HTML report, with the published cardio checkpoint folder; as a fresh command (median of runs)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from common import machine, timed
from wav2sleep.synth import simulate_night, write_edf
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
    edf = write_edf(tmp / "night.edf", [(labels[s], x, r, "mV" if s == "ECG" else "")
                                        for s, (x, r) in night.waveforms.items()], datetime(2020, 1, 1, 22))  # fmt: skip
    cmd = [sys.executable, "-m", "wav2sleep", "stage", str(edf), "--model", str(MODEL), "--out", str(tmp / "out")]
    wall = timed(lambda: subprocess.run(cmd, check=True, capture_output=True), 2 if args.quick else 5)
    help_time = timed(lambda: subprocess.run([sys.executable, "-m", "wav2sleep", "stage", "--help"], check=True,
                                             capture_output=True), 3)  # fmt: skip
    print(json.dumps({"benchmark": "stage", "hours": hours, "signals": list(labels), "command_wall": wall,
                      "help_wall": help_time, "outputs": sorted(p.name for p in (tmp / "out").iterdir()),
                      "machine": machine()}))  # fmt: skip


if __name__ == "__main__":
    main()
