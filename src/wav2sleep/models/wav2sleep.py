"""Wav2Sleep: signal encoders -> per-epoch transformer over present signals -> dilated sequence mixer -> classifier."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from wav2sleep.errors import ConfigError
from wav2sleep.models.encoders import SignalEncoders
from wav2sleep.models.epoch_mixer import EpochMixer
from wav2sleep.models.sequence_mixer import SequenceMixer
from wav2sleep.signals import signal_spec

__all__ = ["Wav2Sleep"]


class Wav2Sleep(nn.Module):
    """Sleep stager for any subset of its signals.

    Parameters mirror the published ``config.yaml`` sections: ``signal_map`` (signal -> encoder), ``num_classes``,
    and keyword dictionaries for the encoders, the epoch mixer and the sequence mixer.

    ``forward(x, present=None)``: ``x`` maps signal names to [B, T] tensors (T = epochs x samples per epoch).
    A signal absent from the whole batch is simply left out; one absent for some elements is marked False in
    ``present[name]`` ([B] bool) or, as the original code does, given as a row of -inf. ``present[name]`` may also
    be per epoch ([B, E] bool): the epoch mixer then leaves the signal out exactly in the epochs marked False
    (quality gating), and an element's encoder still runs if the signal is usable in any of its epochs. An epoch
    with no signal left is read from the CLS token alone; callers that gate mark such epochs unscored. An encoder
    only runs on the elements that have its signal. Returns logits [B, E, num_classes].
    """

    def __init__(self, signal_map: dict[str, str], num_classes: int = 4, feature_dim: int = 128,
                 encoder: dict[str, Any] | None = None, epoch_mixer: dict[str, Any] | None = None,
                 sequence_mixer: dict[str, Any] | None = None) -> None:  # fmt: skip
        super().__init__()
        if num_classes not in (4, 5):
            raise ConfigError(f"num_classes must be 4 or 5, got {num_classes}")
        self.config = {"signal_map": dict(signal_map), "num_classes": num_classes, "feature_dim": feature_dim,
                       "encoder": dict(encoder or {}), "epoch_mixer": dict(epoch_mixer or {}),
                       "sequence_mixer": dict(sequence_mixer or {})}  # fmt: skip
        self.signals = tuple(sorted(signal_map))
        self.num_classes = num_classes
        self.signal_encoders = SignalEncoders(signal_map, feature_dim, **(encoder or {}))
        self.epoch_mixer = EpochMixer(feature_dim, **(epoch_mixer or {}))
        self.sequence_mixer = SequenceMixer(feature_dim, **(sequence_mixer or {}))
        self.classifier = nn.Linear(feature_dim, num_classes)
        self.feature_dim = feature_dim

    def forward(self, x: dict[str, torch.Tensor], present: dict[str, torch.Tensor] | None = None) -> torch.Tensor:
        names = sorted(x)
        unknown = [n for n in names if n not in self.signal_encoders.signal_map]
        if unknown or not names:
            raise ConfigError(f"model signals are {', '.join(self.signals)}; got {', '.join(names) or 'none'}")
        batch, epochs = self._shape(x)
        features, missing = [], []
        for name in names:
            signal = x[name]
            per_epoch = (~torch.isinf(signal[:, 0]))[:, None].expand(batch, epochs)
            if present is not None and name in present:
                mask = present[name].to(device=signal.device, dtype=torch.bool)
                per_epoch = per_epoch & (mask if mask.ndim == 2 else mask[:, None])
            available = per_epoch.any(dim=1)
            features.append(self._encode(name, signal, available, epochs))
            missing.append(~per_epoch)
        missing_t = torch.stack(missing, dim=2)  # [B, E, S]
        nothing = missing_t.all(dim=(1, 2))
        if nothing.any():
            bad = torch.nonzero(nothing).flatten().tolist()
            raise ConfigError(f"batch elements {bad} have no signal present; every night needs at least one")
        mixed = self.epoch_mixer(torch.stack(features, dim=2), missing_t)
        return self.classifier(self.sequence_mixer(mixed))

    def _shape(self, x: dict[str, torch.Tensor]) -> tuple[int, int]:
        shapes = {}
        for name, t in x.items():
            spe = signal_spec(name).samples_per_epoch
            if t.ndim != 2 or t.shape[1] % spe:
                raise ConfigError(f"{name}: expected [batch, epochs x {spe}] samples, got shape {tuple(t.shape)}")
            shapes[name] = (t.shape[0], t.shape[1] // spe)
        if len(set(shapes.values())) > 1:
            raise ConfigError(f"signals disagree on batch size or number of epochs: {shapes}")
        return next(iter(shapes.values()))

    def _encode(self, name: str, signal: torch.Tensor, available: torch.Tensor, epochs: int) -> torch.Tensor:
        """Encode only the available elements; the others get zeros (hidden from attention by the mask)."""
        if bool(available.all()):
            return self.signal_encoders(name, signal)
        out = signal.new_zeros(signal.shape[0], epochs, self.feature_dim)
        index = torch.nonzero(available).flatten()
        if index.numel() == 0:
            return out
        encoded = self.signal_encoders(name, signal.index_select(0, index))
        return out.index_copy(0, index, encoded)
