"""GPU throughput: training and inference on 10-h nights, and whether the data loader keeps up.

Runs anywhere: without a CUDA device it prints ``{"benchmark": "gpu", "available": false, ...}`` and exits 0.
With one (the first visible device):

- train: 10-h nights per second for a training step (masking as in training, AdamW, grad clipping 1.0) of the
  reference's model (kernel 7, 6 dilations; activation checkpointing as `wav2sleep train` uses it) in
  ``bf16-mixed`` and ``32-true`` (TF32 matmuls, as the reference), at the reference's batch size (16) and at the
  largest power of two that fits in memory (the "tuned" one, as Lightning's power-mode finder searches);
- loader: 10-h nights per second that ``NightDataset`` + ``DataLoader`` deliver from a parquet store with 0, 2, 4
  and 8 workers (4 signals, z-scored, collated), next to the nights per second the GPU consumes in training;
- infer: 10-h nights per second in eval (batch 16; bf16 autocast and fp32) and the peak GPU memory of each case.

Usage: ``python benchmarks/gpu.py [--quick]`` (``--quick``: fewer steps, a 2-night store).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from common import machine

EPOCHS = 1200
RATES = {"ECG": 1024, "PPG": 1024, "ABD": 256, "THX": 256}
REFERENCE_BATCH = 16


def _batch(n: int, device):
    import torch

    return ({s: torch.randn(n, EPOCHS * spe, device=device) for s, spe in RATES.items()},
            torch.randint(0, 4, (n, EPOCHS), device=device))  # fmt: skip


def _seconds_per_call(fn, repeats: int, device) -> float:
    """Mean seconds per call of ``fn`` on the GPU after one warm-up call (cuDNN autotuning, allocator), with the
    device's peak-memory counter reset first."""
    import torch

    torch.cuda.reset_peak_memory_stats(device)
    fn()
    torch.cuda.synchronize(device)
    t0 = time.perf_counter()
    for _ in range(repeats):
        fn()
    torch.cuda.synchronize(device)
    return (time.perf_counter() - t0) / repeats


def _train_rate(precision: str, batch: int, steps: int, device) -> dict:
    """Nights per second of training steps at ``batch`` (raises torch.OutOfMemoryError when it does not fit)."""
    import torch

    from wav2sleep.data.masking import CARDIO_BACKUPS, CARDIO_DROP, ModalityMasker
    from wav2sleep.models import create_model

    torch.manual_seed(0)
    model = create_model("wav2sleep", encoder={"checkpointing": True}).to(device).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
    masker = ModalityMasker(CARDIO_DROP, CARDIO_BACKUPS)
    x, labels = _batch(batch, device)
    all_present = {s: torch.ones(batch, dtype=torch.bool) for s in RATES}
    dtype = torch.bfloat16 if precision == "bf16-mixed" else None

    def step() -> None:
        present = {k: v.to(device) for k, v in masker(all_present).items()}
        with torch.autocast("cuda", dtype=dtype, enabled=dtype is not None):
            logits = model(x, present)
        loss = torch.nn.functional.cross_entropy(logits.float().reshape(-1, 4), labels.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    seconds = _seconds_per_call(step, steps, device)
    return {"batch": batch, "step_s": round(seconds, 4), "nights_per_s": round(batch / seconds, 2),
            "peak_gb": round(torch.cuda.max_memory_allocated(device) / 1e9, 2)}  # fmt: skip


def _largest_batch(precision: str, device, limit: int = 1024) -> dict:
    """The largest power-of-two batch whose training step fits, with its rate."""
    import torch

    best, batch = None, REFERENCE_BATCH
    while batch <= limit:
        try:
            best = _train_rate(precision, batch, 2, device)
        except torch.OutOfMemoryError:
            break
        finally:
            torch.cuda.empty_cache()
        batch *= 2
    return best or {"batch": None, "error": "the reference batch does not fit"}


def _loader_rate(store: Path, rows: list[dict], workers: int, nights: int) -> float:
    """10-h nights per second delivered by the training data path (read, z-score, collate) with ``workers``."""
    from torch.utils.data import DataLoader

    from wav2sleep.data.dataset import NightDataset, collate_nights

    data = NightDataset(store, rows, tuple(RATES), 4)
    loader = DataLoader(data, batch_size=4, shuffle=True, num_workers=workers, collate_fn=collate_nights,
                        persistent_workers=False, pin_memory=True)  # fmt: skip
    done, t0 = 0, None
    while done < nights:
        for batch in loader:
            if t0 is None:  # the first batch pays for starting the workers
                t0 = time.perf_counter()
                continue
            done += batch["labels"].shape[0]
            if done >= nights:
                break
    return round(done / (time.perf_counter() - t0), 1)


def _infer_rate(precision: str, batch: int, repeats: int, device) -> dict:
    import torch

    from wav2sleep.models import create_model

    model = create_model("wav2sleep").to(device).eval()
    x, _ = _batch(batch, device)
    dtype = torch.bfloat16 if precision == "bf16" else None

    def forward() -> None:
        with torch.inference_mode(), torch.autocast("cuda", dtype=dtype, enabled=dtype is not None):
            model(x)

    seconds = _seconds_per_call(forward, repeats, device)
    return {"batch": batch, "forward_s": round(seconds, 4), "nights_per_s": round(batch / seconds, 1),
            "peak_gb": round(torch.cuda.max_memory_allocated(device) / 1e9, 2)}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer steps and a smaller store")
    args = parser.parse_args()
    import torch

    if not torch.cuda.is_available():
        print(json.dumps({"benchmark": "gpu", "available": False, "machine": machine(),
                          "reason": "no CUDA device is visible to PyTorch; nothing was measured"}))  # fmt: skip
        return 0
    device = torch.device("cuda:0")
    torch.backends.cuda.matmul.allow_tf32 = True  # the reference trains fp32 with TF32 matmuls ("high")
    torch.backends.cudnn.allow_tf32 = True
    torch.backends.cudnn.benchmark = True
    steps = 2 if args.quick else 5
    result: dict = {"benchmark": "gpu", "available": True, "device": torch.cuda.get_device_name(device),
                    "torch": torch.__version__, "train": {}, "infer": {}}  # fmt: skip
    for precision in ("bf16-mixed", "32-true"):
        result["train"][precision] = {"reference_batch": _train_rate(precision, REFERENCE_BATCH, steps, device),
                                      "tuned": _largest_batch(precision, device)}  # fmt: skip
        torch.cuda.empty_cache()
    for precision in ("bf16", "fp32"):
        result["infer"][precision] = _infer_rate(precision, REFERENCE_BATCH, steps, device)
        torch.cuda.empty_cache()

    from train import make_store  # benchmarks/train.py: the same synthetic store

    with tempfile.TemporaryDirectory() as tmp:
        rows = make_store(Path(tmp), EPOCHS, 2 if args.quick else 16)
        nights = 8 if args.quick else 64
        loader = {str(w): _loader_rate(Path(tmp), rows, w, nights) for w in (0, 2, 4, 8) if w <= (os.cpu_count() or 1)}
    consumed = max(case["tuned"].get("nights_per_s") or case["reference_batch"]["nights_per_s"]
                   for case in result["train"].values())  # fmt: skip
    result["loader"] = {"nights_per_s_by_workers": loader, "gpu_consumes_nights_per_s": consumed,
                        "headroom": {w: round(r / consumed, 2) for w, r in loader.items()}}  # fmt: skip
    result["machine"] = machine()
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
