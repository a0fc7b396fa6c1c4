"""``stage(recording, model) -> Hypnogram``: any length, any subset of the model's signals, with probabilities."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from wav2sleep.errors import ConfigError
from wav2sleep.hypnogram import Hypnogram
from wav2sleep.inference.prepare import PreparedRecording, preparation_key, prepare_recording
from wav2sleep.inference.reference import find_reference, reference_hypnogram
from wav2sleep.inference.timing import PhaseTimer
from wav2sleep.inference.windows import predict_logits
from wav2sleep.models import load_model, model_contract
from wav2sleep.signals import parse_signals
from wav2sleep.stages import UNSCORED

__all__ = ["stage"]


def stage(recording: str | Path | PreparedRecording, model: str | Path | nn.Module, *, signals: Sequence[str] | str | None = None,
          channels: Mapping[str, str] | None = None, device: str = "cpu",
          contract: Mapping[str, Any] | None = None, gate: bool = True,
          reference: str | Path | None = None, timer: PhaseTimer | None = None) -> Hypnogram:  # fmt: skip
    """Stage a recording (EDF/EDF+, WFDB ``.hea``, CSV, parquet, NumPy) with a model (folder, ``hf://``, module).

    ``recording`` may also be a ``PreparedRecording`` (``inference.prepare``, as ``inference.prefetch`` makes
    ahead of time); one prepared for other signals, channels or contract than this staging's is prepared again from
    its file.

    ``signals`` limits the model inputs (default: every model signal the recording has); ``channels`` maps a
    signal to the channel label to use. The recording is prepared as the model's input contract says
    (``wav2sleep.contract``: resampling, grid, scaling, normalisation, window); ``contract`` overrides fields of it
    (experts only: a warning says so). Our models take a night of any length in one pass; published checkpoints
    see 10-h windows, overlapping and stitched for longer nights. The returned hypnogram carries per-epoch
    probabilities (the hypnodensity) and, in ``metadata``, the channel chosen for each signal and the contract used.

    ``gate`` (default on): per-epoch quality gating. Each signal is left out in the epochs where it is unusable
    (``dsp.epoch_usability``: missing samples, flat, clipped, implausible amplitude), and an epoch with no usable
    signal is unscored. ``gate=False`` feeds every signal everywhere (as every other stager does).

    ``reference``: a scoring of the same recording (NSRR XML, WSC, SLPDB ``.an``, hypnogram CSV, EDF+ annotations),
    or ``"auto"`` to look for one beside the recording or in its own EDF+ annotations (``inference.reference``); the
    agreement (kappa, accuracy, per-stage F1, confusion, differences in every statistic) goes into
    ``metadata["agreement"]``.

    ``timer`` gets the phases ``read``, ``resample_qc``, ``model`` and ``reference`` (``inference.timing``).
    """
    timer = timer or PhaseTimer()
    loaded = not isinstance(model, (str, Path))  # a module, or an OnnxModel
    net = model if loaded else load_model(model, device=device)
    wanted = parse_signals(signals) if signals else net.signals
    unknown = [s for s in wanted if s not in net.signals]
    if unknown:
        raise ConfigError(f"model signals are {', '.join(net.signals)}; asked for {', '.join(unknown)}")
    unused = [s for s in parse_signals(list(channels)) if s not in wanted] if channels else []
    if unused:
        raise ConfigError(f"a channel is given for {', '.join(unused)}, which this staging does not use (signals: "
                          f"{', '.join(wanted)})")  # fmt: skip
    used = model_contract(net).with_overrides(contract, source="the caller")
    if isinstance(recording, PreparedRecording) and recording.key == preparation_key(wanted, channels, used):
        prepared = recording
    else:
        path = recording.path if isinstance(recording, PreparedRecording) else recording
        prepared = prepare_recording(path, wanted, channels, used, timer)
    usable = prepared.usable if gate else None
    logits = predict_logits(net, prepared.signals, prepared.n_epochs, used, device, usable)
    probs = torch.softmax(logits, dim=-1).numpy()
    # Quality gating: an epoch with no usable signal is unscored, never a made-up stage.
    gated = ~np.logical_or.reduce(list(usable.values())) if usable else np.zeros(prepared.n_epochs, dtype=bool)
    probs[gated] = np.nan
    codes = np.where(gated, UNSCORED, np.nan_to_num(probs, nan=-1.0).argmax(-1))
    if gated.any():
        prepared.warnings.append(f"{int(gated.sum())} epochs with no usable signal left unscored")
    hypnogram = Hypnogram(codes, net.num_classes, prepared.start, probs, scorer="wav2sleep",
                     metadata={"source": str(prepared.path), "channels": prepared.channels,
                               "warnings": prepared.warnings, "contract": used.to_dict(),
                               "usable": {k: v.tolist() for k, v in prepared.usable.items()},
                               "model": type(model).__name__ if loaded else str(model)})  # fmt: skip
    timer.lap("model")
    if reference is not None:
        path = find_reference(prepared.path, prepared.warnings) if str(reference) == "auto" else Path(reference)
        if path is None:
            prepared.warnings.append("no reference scoring found beside the recording (--reference auto)")
        else:
            scored, notes = reference_hypnogram(path, prepared.n_epochs, prepared.start)
            prepared.warnings.extend(f"reference {path.name}: {n}" for n in notes)
            hypnogram.metadata["agreement"] = {"reference": str(path), **hypnogram.agreement(scored)}
        timer.lap("reference")
    return hypnogram
