"""``stage(recording, model) -> Hypnogram``: any length, any subset of the model's signals, with probabilities."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from wav2sleep.errors import ConfigError
from wav2sleep.hypnogram import Hypnogram
from wav2sleep.inference.prepare import prepare_recording
from wav2sleep.inference.windows import predict_logits
from wav2sleep.models import load_model, model_contract
from wav2sleep.signals import parse_signals

__all__ = ["stage"]


def stage(recording: str | Path, model: str | Path | nn.Module, *, signals: Sequence[str] | str | None = None,
          channels: Mapping[str, str] | None = None, device: str = "cpu",
          contract: Mapping[str, Any] | None = None) -> Hypnogram:  # fmt: skip
    """Stage a recording (EDF/EDF+, WFDB ``.hea``, CSV, parquet, NumPy) with a model (folder, ``hf://``, module).

    ``signals`` limits the model inputs (default: every model signal the recording has); ``channels`` maps a
    signal to the channel label to use. The recording is prepared as the model's input contract says
    (``wav2sleep.contract``: resampling, grid, scaling, normalisation, window); ``contract`` overrides fields of it
    (experts only: a warning says so). Our models take a night of any length in one pass; published checkpoints
    see 10-h windows, overlapping and stitched for longer nights. The returned hypnogram carries per-epoch
    probabilities (the hypnodensity) and, in ``metadata``, the channel chosen for each signal and the contract used.
    """
    net = model if isinstance(model, nn.Module) else load_model(model, device=device)
    wanted = parse_signals(signals) if signals else net.signals
    unknown = [s for s in wanted if s not in net.signals]
    if unknown:
        raise ConfigError(f"model signals are {', '.join(net.signals)}; asked for {', '.join(unknown)}")
    unused = [s for s in parse_signals(list(channels)) if s not in wanted] if channels else []
    if unused:
        raise ConfigError(f"a channel is given for {', '.join(unused)}, which this staging does not use (signals: "
                          f"{', '.join(wanted)})")  # fmt: skip
    used = model_contract(net).with_overrides(contract, source="the caller")
    prepared = prepare_recording(recording, wanted, channels, used)
    logits = predict_logits(net, prepared.signals, prepared.n_epochs, used, device)
    probs = torch.softmax(logits, dim=-1).numpy()
    return Hypnogram(probs.argmax(-1), net.num_classes, prepared.start, probs, scorer="wav2sleep",
                     metadata={"source": str(prepared.path), "channels": prepared.channels,
                               "warnings": prepared.warnings, "contract": used.to_dict(),
                               "model": str(model) if not isinstance(model, nn.Module)
                               else type(model).__name__})  # fmt: skip
