"""Model speed and memory on 10-h nights (2 threads, CPU), training configuration (kernel 7, 6 dilations).

Cases, each in its own process so that peak memory (max RSS) is its own:
- eval_4sig / eval_ecg: eval forward of one 10-h night with ECG, PPG, ABD, THX / with ECG only, with the heap
  tuning ``load_model`` applies for inference (``wav2sleep.models.allocator``);
- train_step[_ckpt]: forward + backward + AdamW step, batch of two 10-h nights, element 0 lacks ABD and THX,
  element 1 lacks PPG (with and without activation checkpointing in the encoders), with large buffers kept in the
  heap as a CPU fit keeps them (``StagingModule.on_fit_start``);
- masked_skip / masked_dense: a training step on a batch of 4 2-h crops at the training masking probabilities (ABD
  0.7, THX 0.7, ECG 0.5, PPG 0.1), encoders run on present elements only vs on every element with zeros for absent
  signals (2-h crops keep the dense variant within this machine's memory).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import subprocess
import sys

from common import machine, timed

EPOCHS = 1200
RATES = {"ECG": 1024, "PPG": 1024, "ABD": 256, "THX": 256}
CASES = ("eval_4sig", "eval_ecg", "train_step", "train_step_ckpt", "masked_skip", "masked_dense")


def _run_case(case: str, repeats: int, epochs: int) -> dict:
    import torch

    from wav2sleep.models import create_model
    from wav2sleep.models.allocator import large_buffers_kept

    torch.set_num_threads(2)
    torch.manual_seed(0)
    ckpt = case == "train_step_ckpt"
    model = create_model("wav2sleep", encoder={"checkpointing": ckpt})

    def batch(n: int, signals=RATES) -> dict:
        return {s: torch.randn(n, epochs * RATES[s]) for s in signals}

    if case.startswith("eval"):
        model.eval()
        x = batch(1, ["ECG"] if case == "eval_ecg" else RATES)

        def step():
            with torch.inference_mode(), large_buffers_kept():  # as inference does
                model(x)

    else:
        model.train()
        opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
        labels = torch.randint(0, 4, (4, epochs))
        if case.startswith("train_step"):
            x = batch(2)
            present = {"ABD": torch.tensor([False, True]), "THX": torch.tensor([False, True]),
                       "PPG": torch.tensor([True, False])}  # fmt: skip
        else:
            epochs = max(epochs // 5, 1)
            x = batch(4)
            g = torch.Generator().manual_seed(1)
            # A fixed draw at the training probabilities with at least ECG or PPG kept per element.
            keep = {
                s: torch.rand(4, generator=g) > p for s, p in {"ABD": 0.7, "THX": 0.7, "ECG": 0.5, "PPG": 0.1}.items()
            }
            keep["PPG"] |= ~(keep["ECG"] | keep["PPG"])
            present = keep

        def step():
            if case == "masked_dense":
                inputs = {s: torch.where(present[s][:, None], v, 0.0) for s, v in x.items()}
                feats = torch.stack([model.signal_encoders(s, inputs[s]) for s in sorted(inputs)], dim=2)
                missing = torch.stack([~present[s] for s in sorted(inputs)], dim=1)
                logits = model.classifier(model.sequence_mixer(model.epoch_mixer(feats, missing)))
            else:
                logits = model(x, present=present)
            target = labels[: logits.shape[0], : logits.shape[1]].flatten()
            loss = torch.nn.functional.cross_entropy(logits.flatten(0, 1), target)
            opt.zero_grad()
            loss.backward()
            opt.step()

    # Training steps keep large buffers in the heap as a CPU fit does, from its start to its end.
    with contextlib.nullcontext() if case.startswith("eval") else large_buffers_kept():
        step()  # warm-up
        result = timed(step, repeats)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--case", choices=CASES)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(_run_case(args.case, args.repeats, args.epochs)))
        return
    repeats, epochs = (1, 240) if args.quick else (args.repeats, args.epochs)
    results = {}
    for case in CASES:
        cmd = [sys.executable, __file__, "--case", case, "--repeats", str(repeats), "--epochs", str(epochs)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True)
        results[case] = json.loads(out.stdout.strip().splitlines()[-1])
    ratios = {
        "masked_dense_over_skip_time": results["masked_dense"]["median_s"] / results["masked_skip"]["median_s"],
        "train_step_ckpt_over_plain_memory": results["train_step_ckpt"]["peak_rss_mb"] / results["train_step"]["peak_rss_mb"],
    }  # fmt: skip
    print(json.dumps({"benchmark": "model", "epochs": epochs, "threads": 2, "model": "wav2sleep (k7, 6 dilations)",
                      "cases": results, "ratios": ratios, "machine": machine()}))  # fmt: skip


if __name__ == "__main__":
    main()
