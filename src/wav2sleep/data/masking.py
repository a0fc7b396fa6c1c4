"""Stochastic modality masking for training (reference.md s.5): drop signals at random, never all of them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch

from wav2sleep.errors import ConfigError

__all__ = ["epoch_dropout", "ModalityMasker", "CARDIO_DROP", "CARDIO_BACKUPS", "EOG_DROP"]

CARDIO_DROP = {"ABD": 0.7, "THX": 0.7, "ECG": 0.5, "PPG": 0.1}
CARDIO_BACKUPS = ("ECG", "PPG")
EOG_DROP = {"EOG-L": 0.7, "EOG-R": 0.7}


class ModalityMasker:
    """Per batch element, keep each available signal with probability ``1 - p``.

    An element left with no kept signal gets exactly one instead: drawn uniformly among its available *backup*
    signals when ``backups`` are given, else with weights ``1 - p`` among its available signals.
    """

    def __init__(self, drop: Mapping[str, float], backups: Sequence[str] | None = None) -> None:
        if not drop:
            raise ConfigError("masker needs at least one signal probability")
        if any(not 0 <= p <= 1 for p in drop.values()):
            raise ConfigError(f"drop probabilities must be in [0, 1], got {dict(drop)}")
        if all(p == 1 for p in drop.values()):
            raise ConfigError("every drop probability is 1: no signal could ever be kept")
        self.drop = dict(drop)
        self.backups = tuple(backups or ())
        unknown = [b for b in self.backups if b not in self.drop]
        if unknown:
            raise ConfigError(f"backup signals {unknown} have no drop probability")

    def __call__(
        self, present: Mapping[str, torch.Tensor], generator: torch.Generator | None = None
    ) -> dict[str, torch.Tensor]:
        """``present`` [B] bool per signal (availability in the data) -> the kept subset, same keys."""
        names = [n for n in present if n in self.drop]
        others = {n: v for n, v in present.items() if n not in self.drop}
        if not names:
            return dict(present)
        available = torch.stack([present[n].bool() for n in names], dim=1)  # [B, S]
        if not available.any(dim=1).all():
            raise ConfigError("a batch element has no signal available to mask")
        p = torch.tensor([self.drop[n] for n in names])
        keep = (torch.rand(available.shape, generator=generator) >= p) & available
        empty = ~keep.any(dim=1)
        if empty.any():
            if self.backups:
                weights = available & torch.tensor([n in self.backups for n in names])
                if not weights[empty].any(dim=1).all():
                    raise ConfigError("a batch element has none of the backup signals " + ", ".join(self.backups))
            else:
                weights = available * (1 - p)
            choice = torch.multinomial(weights[empty].float(), 1, generator=generator).squeeze(1)
            keep[empty] = torch.nn.functional.one_hot(choice, len(names)).bool()
        return {**others, **{n: keep[:, i] for i, n in enumerate(names)}}


def epoch_dropout(present: Mapping[str, torch.Tensor], epochs: int, p: float) -> dict[str, torch.Tensor]:
    """Per-epoch presence ([B, E]) from per-night presence ([B]): each present signal is dropped in each epoch with
    probability ``p`` (as quality gating drops an unusable signal in the epochs where it is bad), never leaving an
    epoch without a signal: where all would be dropped, the night's present signals are kept."""
    names = sorted(present)
    night = torch.stack([present[n].bool() for n in names], dim=1)[:, None, :].expand(-1, epochs, -1)  # [B, E, S]
    keep = night & (torch.rand(night.shape) >= p)
    empty = ~keep.any(dim=2, keepdim=True)
    keep = torch.where(empty, night, keep)
    return {n: keep[:, :, i] for i, n in enumerate(names)}
