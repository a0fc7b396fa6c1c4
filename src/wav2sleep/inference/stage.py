"""``stage(recording, model) -> Hypnogram``: any length, any subset of the model's signals, with probabilities."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import torch
from torch import nn

from wav2sleep.errors import ConfigError
from wav2sleep.hypnogram import Hypnogram
from wav2sleep.inference.prepare import prepare_recording
from wav2sleep.models import load_model
from wav2sleep.signals import parse_signals

__all__ = ["stage"]


def stage(recording: str | Path, model: str | Path | nn.Module, *, signals: Sequence[str] | str | None = None,
          channels: Mapping[str, str] | None = None, device: str = "cpu") -> Hypnogram:  # fmt: skip
    """Stage a recording (EDF/EDF+, WFDB ``.hea``, CSV, parquet, NumPy) with a model (folder, ``hf://``, module).

    ``signals`` limits the model inputs (default: every model signal the recording has); ``channels`` maps a
    signal to the channel label to use. The whole night goes through the model at once: the model is convolutional
    over epochs, so a 20-minute nap and a 14-hour night both work. The returned hypnogram carries per-epoch
    probabilities (the hypnodensity) and, in ``metadata``, the channel chosen for each signal.
    """
    net = model if isinstance(model, nn.Module) else load_model(model, device=device)
    wanted = parse_signals(signals) if signals else net.signals
    unknown = [s for s in wanted if s not in net.signals]
    if unknown:
        raise ConfigError(f"model signals are {', '.join(net.signals)}; asked for {', '.join(unknown)}")
    prepared = prepare_recording(recording, wanted, channels, normalisation=getattr(net, "normalisation", "zscore"))
    with torch.inference_mode():
        logits = net({k: v.to(device) for k, v in prepared.inputs.items()})[0]
    probs = torch.softmax(logits.float(), dim=-1).cpu().numpy()
    return Hypnogram(probs.argmax(-1), net.num_classes, prepared.start, probs, scorer="wav2sleep",
                     metadata={"source": str(prepared.path), "channels": prepared.channels,
                               "warnings": prepared.warnings, "model": str(model) if not isinstance(model, nn.Module)
                               else type(model).__name__})  # fmt: skip
