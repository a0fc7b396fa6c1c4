"""Training throughput on CPU and the cost of loading one night for training.

- load_night: ``NightDataset`` item of a 10-h night with ECG, PPG, ABD, THX (read + normalise + tensors), median;
- demo: training samples/s with the demo configuration (feature 64, batch 4 crops of 240 epochs = 2 h, masking);
- full: training samples/s with the reference's configuration on batches of two 10-h nights (masking on), with
  activation checkpointing as ``wav2sleep train`` has it by default.
Steps run with large buffers kept in the heap, as a CPU fit keeps them (``StagingModule.on_fit_start``).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from common import machine, timed
from wav2sleep.data.dataset import NightDataset, collate_nights
from wav2sleep.data.masking import CARDIO_BACKUPS, CARDIO_DROP, ModalityMasker
from wav2sleep.models import create_model
from wav2sleep.models.allocator import large_buffers_kept
from wav2sleep.store import Night, write_night
from wav2sleep.training.module import StagingModule

RATES = {"ECG": 1024, "PPG": 1024, "ABD": 256, "THX": 256}


def make_store(folder: Path, epochs: int, nights: int) -> list[dict]:
    rng = np.random.default_rng(0)
    rows = []
    for i in range(nights):
        signals = {s: rng.standard_normal(epochs * spe).astype(np.float32) for s, spe in RATES.items()}
        path = write_night(folder / f"n{i}.parquet", Night(signals, rng.integers(0, 5, epochs).astype(np.int8),
                                                          {"n_epochs": epochs}))  # fmt: skip
        rows.append({"path": path.name, "signals": ",".join(RATES), "dataset": "x", "session": str(i)})
    return rows


def steps_per_second(model, data, batch: int, steps: int) -> dict:
    torch.manual_seed(0)
    module = StagingModule(model, masker=ModalityMasker(CARDIO_DROP, CARDIO_BACKUPS), warmup_steps=1)
    opt = module.configure_optimizers()["optimizer"]
    items = [data[(i % len(data), 0)] for i in range(batch)]
    b = collate_nights(items)

    def step():
        present = module.masker(b["present"])
        loss, _ = module._loss(b, present)
        opt.zero_grad()
        loss.backward()
        opt.step()

    with large_buffers_kept():  # as a CPU fit does
        step()
        t = timed(step, steps)
    t["samples_per_s"] = batch / t["median_s"]
    return t


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(2)
    tmp = Path(tempfile.mkdtemp())
    rows = make_store(tmp, 1200, 2)
    full = NightDataset(tmp, rows, tuple(RATES), 4)
    load = timed(lambda: full[(0, 0)], 5 if args.quick else 15)
    demo_data = NightDataset(tmp, rows, tuple(RATES), 4, crop_epochs=240)
    demo_model = create_model("wav2sleep", feature_dim=64, epoch_mixer={"nhead": 4, "dim_ff": 128},
                              sequence_mixer={"kernel_size": 5, "num_dilations": 5}).train()  # fmt: skip
    result = {"benchmark": "train", "threads": 2, "load_night_10h_4sig": load,
              "demo_batch4_2h": steps_per_second(demo_model, demo_data, 4, 2 if args.quick else 5)}  # fmt: skip
    if not args.quick:
        t0 = time.perf_counter()
        result["full_batch2_10h"] = steps_per_second(
            create_model("wav2sleep", encoder={"checkpointing": True}).train(), full, 2, 3
        )
        result["full_seconds_total"] = time.perf_counter() - t0
    result["machine"] = machine()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
