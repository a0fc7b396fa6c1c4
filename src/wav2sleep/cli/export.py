"""``wav2sleep export``: a model as ONNX, for ONNX Runtime and other deployment runtimes (extra ``onnx``)."""

from __future__ import annotations

import argparse

HELP = "export a Wav2Sleep model (folder, published folder or hf://) to ONNX for deployment"


def add_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", help="model folder (ours or published) or hf://user/repo")
    p.add_argument("--onnx", required=True, metavar="OUT", help="the .onnx file to write")
    p.add_argument("--signals", help="export only these signals (e.g. ECG,THX; default: all of the model's); the "
                   "graph runs the encoder of each exported signal for every night")  # fmt: skip
    p.epilog = ("The file stages like the model: wav2sleep stage REC --model OUT.onnx (ONNX Runtime), with the model's "
                "signals, classes and input contract in its metadata. Any subset of the exported signals works.")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    import time

    import numpy as np
    import torch

    from wav2sleep.errors import ConfigError
    from wav2sleep.models import load_model
    from wav2sleep.models.onnx import OnnxModel, export_onnx
    from wav2sleep.signals import parse_signals, signal_spec

    if not args.onnx.endswith(".onnx"):
        raise ConfigError(f"--onnx takes a file name ending in .onnx, got {args.onnx!r}")
    net = load_model(args.model)
    signals = parse_signals(args.signals) if args.signals else None
    start = time.perf_counter()
    path = export_onnx(net, args.onnx, signals)
    # Check the file against the model on a random 2-h night before saying it is done.
    onnx_model = OnnxModel(path)
    rng = np.random.default_rng(0)
    x = {s: torch.from_numpy(rng.standard_normal(240 * signal_spec(s).samples_per_epoch, dtype=np.float32))[None]
         for s in onnx_model.signals}  # fmt: skip
    with torch.inference_mode():
        expected = net(x)
    error = float((onnx_model(x) - expected).abs().max())
    if error > 1e-3:
        raise ConfigError(f"{path}: ONNX logits differ from the model's by {error:.2g}; the export is not usable")
    print(f"{path}: signals {', '.join(onnx_model.signals)}, {onnx_model.num_classes} classes, largest logit "
          f"difference from the model {error:.1e} on a random 2-h night; exported in {time.perf_counter() - start:.0f} s")  # fmt: skip
    return 0
