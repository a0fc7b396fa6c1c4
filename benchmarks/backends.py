"""The two backends side by side on 10-h nights: PyTorch (as ``load_model`` prepares it for inference) and ONNX
Runtime (the file ``wav2sleep export`` writes), with 2 threads each, in one process, interleaved.

- forward: one 10-h night of the published cardio checkpoint, 4 signals (ECG, PPG, ABD, THX) and ECG alone, PyTorch
  with the heap tuning staging applies; the ONNX file exported for all four signals (absent ones masked) and one
  exported for ECG alone; the largest logit difference between the backends;
- stage: ``wav2sleep stage`` of a 10-h 4-signal EDF (report and every export) as a fresh command, with the model
  folder (torch) and with the exported file (onnxruntime);
- export: seconds ``export_onnx`` takes.

Usage: ``python benchmarks/backends.py [--quick]`` (needs the ``onnx`` extra).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np

from common import machine, timed

MODEL = Path(__file__).resolve().parents[2] / "shared" / "reference" / "checkpoints" / "wav2sleep-cardio"
RATES = {"ECG": 1024, "PPG": 1024, "ABD": 256, "THX": 256}


def _torch_forward(net, x: dict):
    import torch

    from wav2sleep.models.allocator import large_buffers_kept

    with torch.inference_mode(), large_buffers_kept():  # as staging runs it (wav2sleep.inference.windows)
        return net(x)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="a 2-h night, fewer repeats")
    args = parser.parse_args()
    import torch

    from wav2sleep.models import load_model
    from wav2sleep.models.onnx import OnnxModel, export_onnx
    from wav2sleep.synth import simulate_night, write_edf
    from wav2sleep.synth.layouts import LAYOUTS

    torch.set_num_threads(2)
    hours, repeats = (2.0, 2) if args.quick else (10.0, 5)
    epochs = int(hours * 120)
    tmp = Path(tempfile.mkdtemp())
    net = load_model(MODEL)
    t0 = time.perf_counter()
    every = export_onnx(net, tmp / "cardio.onnx")
    export_s = time.perf_counter() - t0
    ecg_only = export_onnx(net, tmp / "cardio-ecg.onnx", signals=("ECG",))
    runtimes = {"all": OnnxModel(every, threads=2), "ECG": OnnxModel(ecg_only, threads=2)}
    rng = np.random.default_rng(0)
    night = {s: torch.from_numpy(rng.standard_normal((1, epochs * spe), dtype=np.float32)) for s, spe in RATES.items()}
    forward = {}
    for case, signals in (("4sig", tuple(RATES)), ("ecg", ("ECG",))):
        x = {s: night[s] for s in signals}
        with torch.inference_mode():
            expected = net(x)
        onnx_model = runtimes["all" if case == "4sig" else "ECG"]
        sides = {"torch": lambda x=x: _torch_forward(net, x), "onnxruntime": lambda x=x, m=onnx_model: m(x)}
        runs: dict[str, list[float]] = {k: [] for k in sides}
        for r in range(repeats):  # interleaved, alternating which side goes first
            for name in sorted(sides, reverse=bool(r % 2)):
                runs[name].append(timed(sides[name], 1)["runs_s"][0])
        forward[case] = {name: {"median_s": float(np.median(v)), "runs_s": v} for name, v in runs.items()}
        forward[case]["ratio_torch_over_onnx"] = round(forward[case]["torch"]["median_s"] /
                                                       forward[case]["onnxruntime"]["median_s"], 3)  # fmt: skip
        forward[case]["max_abs_logit_difference"] = float((onnx_model(x) - expected).abs().max())

    waves = simulate_night(0, hours, eog=False, rates=LAYOUTS["mesa"].rates).waveforms
    labels = {"ECG": "EKG", "PPG": "Pleth", "ABD": "Abdo", "THX": "Thor"}
    edf = write_edf(tmp / "night.edf", [(labels[s], x, r, "mV" if s == "ECG" else "") for s, (x, r) in waves.items()],
                    datetime(2020, 1, 1, 22))  # fmt: skip
    commands = {"torch": ["--model", str(MODEL)], "onnxruntime": ["--model", str(every)]}
    stage_runs: dict[str, list[float]] = {k: [] for k in commands}
    for r in range(max(repeats // 2, 2)):
        for name in sorted(commands, reverse=bool(r % 2)):
            cmd = [sys.executable, "-m", "wav2sleep", "stage", str(edf), *commands[name], "--out", str(tmp / name)]
            stage_runs[name].append(timed(lambda cmd=cmd: subprocess.run(cmd, check=True, capture_output=True), 1)
                                    ["runs_s"][0])  # fmt: skip
    stage = {name: {"median_s": float(np.median(v)), "runs_s": v} for name, v in stage_runs.items()}
    print(json.dumps({"benchmark": "backends", "hours": hours, "threads": 2, "export_s": round(export_s, 2),
                      "forward": forward, "stage_command": stage, "machine": machine()}))  # fmt: skip


if __name__ == "__main__":
    main()
