"""SleepPPG-Net (Kotzen et al. 2023) as the reference re-implements it: one signal, residual CNN, dilated mixer.

Unlike the reference, which hard-codes 10-h inputs, any number of whole epochs works.
"""

from __future__ import annotations

import torch
from torch import nn

from wav2sleep.errors import ConfigError
from wav2sleep.models.encoders import SignalEncoder
from wav2sleep.models.sequence_mixer import SequenceMixer
from wav2sleep.signals import signal_spec

__all__ = ["SleepPPGNet", "PPGNET_CHANNELS"]

PPGNET_CHANNELS = [16, 16, 32, 32, 64, 64, 128, 256]


class SleepPPGNet(nn.Module):
    """Single-signal baseline; same forward contract as ``Wav2Sleep`` (one key, every element present)."""

    def __init__(self, signal: str = "PPG", num_classes: int = 4, feature_dim: int = 128, dropout: float = 0.2,
                 channels: list[int] | None = None) -> None:  # fmt: skip
        super().__init__()
        spe = signal_spec(signal).samples_per_epoch
        self.signal = signal
        self.signals = (signal,)
        self.num_classes = num_classes
        self.config = {"signal": signal, "num_classes": num_classes, "feature_dim": feature_dim, "dropout": dropout,
                       "channels": list(channels or PPGNET_CHANNELS)}  # fmt: skip
        self.encoder = SignalEncoder(spe, feature_dim, channels=self.config["channels"], norm="batch",
                                     act="leaky_relu")  # fmt: skip
        self.sequence_mixer = SequenceMixer(feature_dim, 2, 7, 6, norm="batch", activation="leaky_relu",
                                            dropout=dropout)  # fmt: skip
        self.classifier = nn.Linear(feature_dim, num_classes)

    def forward(self, x: dict[str, torch.Tensor], present: dict[str, torch.Tensor] | None = None) -> torch.Tensor:
        if set(x) != {self.signal}:
            raise ConfigError(f"SleepPPGNet takes exactly one signal, {self.signal}; got {', '.join(sorted(x))}")
        signal = x[self.signal]
        absent = torch.isinf(signal[:, 0])
        if present is not None and self.signal in present:
            absent |= ~present[self.signal].to(torch.bool)
        if bool(absent.any()):
            raise ConfigError("SleepPPGNet needs its signal in every batch element")
        return self.classifier(self.sequence_mixer(self.encoder(signal)))
