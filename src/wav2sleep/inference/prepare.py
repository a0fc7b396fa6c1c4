"""A recording -> model-rate signals: pick channels by name (with overrides), scale and resample as the model's
input contract says (normalisation and windows: ``inference.windows``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from wav2sleep.contract import OURS, InputContract
from wav2sleep.dsp import model_rate_signals
from wav2sleep.errors import InputFileError
from wav2sleep.inference.timing import PhaseTimer
from wav2sleep.io.recording import read_chosen
from wav2sleep.signals import EPOCH_SECONDS, SIGNAL_NAMES, choice_notes, is_alias, pick_channel

__all__ = ["PreparedRecording", "prepare_recording", "preparation_key"]


@dataclass
class PreparedRecording:
    path: Path
    signals: dict[str, np.ndarray]  # signal -> float32 [n_epochs * spe] at the model rate, not normalised
    usable: dict[str, np.ndarray]  # signal -> bool [n_epochs]: the epochs where it is usable (quality gating)
    n_epochs: int
    start: datetime | None
    channels: dict[str, dict]  # signal -> channel used, unit, native rate, QC flags
    key: tuple  # preparation_key of the request it answers
    warnings: list[str] = field(default_factory=list)


def preparation_key(signals: Sequence[str], channels: Mapping[str, str] | None, contract: InputContract) -> tuple:
    """What a preparation depends on besides the file: equal keys give equal preparations."""
    return tuple(signals), tuple(sorted((channels or {}).items())), contract


def prepare_recording(path: str | Path, signals: Sequence[str], channels: Mapping[str, str] | None = None,
                      contract: InputContract = OURS, timer: PhaseTimer | None = None) -> PreparedRecording:  # fmt: skip
    """Read the channels of ``path`` that carry ``signals`` (by name; ``channels`` maps signal -> label to
    override) and return them at the model rates, whole 30-s epochs, resampled and scaled as ``contract`` says.
    ``timer`` gets the phases ``read`` and ``resample_qc``."""
    timer = timer or PhaseTimer()
    path = Path(path)
    overrides = dict(channels or {})

    def choose(labels: list[str]) -> dict[str, str]:
        picked = {s: pick_channel(labels, s, overrides.get(s)) for s in signals}
        picked = {s: label for s, label in picked.items() if label is not None}
        if not picked:
            raise InputFileError(path, "no channel for any model signal", field="channels",
                                 expected=f"one of {', '.join(signals)} (by name, or --channel SIGNAL=LABEL)",
                                 found=", ".join(labels))  # fmt: skip
        return picked

    labels, picked, recording = read_chosen(path, choose)
    timer.lap("read")
    notes = _override_notes(overrides, picked) + choice_notes(labels, picked, overrides)
    n_epochs = int(recording.duration_s // EPOCH_SECONDS)
    if n_epochs == 0:
        raise InputFileError(path, "recording shorter than one 30-s epoch", found=f"{recording.duration_s:.1f} s")
    samples, meta, warnings = model_rate_signals({s: recording.channels[label] for s, label in picked.items()},
                                                 n_epochs, contract.resample, contract.grid, contract.scaling)  # fmt: skip
    usable = {s: m.pop("usable") for s, m in meta.items()}
    timer.lap("resample_qc")
    return PreparedRecording(path, samples, usable, n_epochs, recording.start, meta,
                             preparation_key(signals, channels, contract), [*notes, *recording.warnings, *warnings])  # fmt: skip


def _override_notes(overrides: Mapping[str, str], picked: Mapping[str, str]) -> list[str]:
    """A warning for each channel given for one signal whose label names another (an ECG lead given as PPG)."""
    notes = []
    for signal, label in picked.items():
        if signal not in overrides:
            continue
        others = [o for o in SIGNAL_NAMES if o != signal and is_alias(label, o)]
        if others:
            notes.append(f"channel {label!r} given for {signal} is named like {' or '.join(others)}; used as "
                         f"{signal} as asked")  # fmt: skip
    return notes
