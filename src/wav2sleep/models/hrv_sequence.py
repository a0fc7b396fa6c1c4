"""HRVSequence: beat-interval staging from heart-rate-variability features with whole-night context (the model
behind ``builtin:ibi-slpdb``).

Input: the IBI grid in seconds, not normalised (input contract ``normalisation: none``). Per night: beat times
rebuilt from the grid (``heartbeats.beats_from_grid``) -> the HRV baseline's 28 features per epoch, z-scored over
the night (``baselines.hrv.hrv_features``, computed by sleepecg in NumPy, so this model is not differentiable in
its input and has no ONNX export) -> each of ``members`` networks (a two-layer embedding, wav2sleep's dilated-conv
sequence mixer over the night, a linear head) -> the mean of the members' probabilities, blended (``tree_weight``)
with those of gradient-boosted trees on the same features when the model has them (``trees`` > 0;
``models.boosted_trees``). ``forward`` returns the logarithm of the blend, so that a softmax over it gives the
ensemble's probabilities back.

On 13 real SLPDB nights the networks and the trees blended beat the HRV-feature classifiers on cross-validated
kappa where wav2sleep's learned IBI encoder did not (docs/beat-intervals.md); both are trained by
``training.hrv_sequence``.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from wav2sleep.errors import ConfigError
from wav2sleep.models.boosted_trees import BoostedTrees
from wav2sleep.models.sequence_mixer import SequenceMixer
from wav2sleep.signals import signal_spec

__all__ = ["HRVSequence", "FeatureSequenceNet", "night_features", "N_FEATURES"]

N_FEATURES = 28


def night_features(ibi: np.ndarray) -> np.ndarray:
    """[E, 28] float32 z-scored HRV features of a night given as its IBI grid (s, E whole epochs)."""
    from wav2sleep.baselines.hrv import hrv_features
    from wav2sleep.heartbeats import RATE_HZ, beats_from_grid

    spe = signal_spec("IBI").samples_per_epoch
    epochs = len(ibi) // spe
    beats = beats_from_grid(ibi, RATE_HZ)
    if beats.size < 3:  # no usable intervals anywhere: features are all at the night's mean
        return np.zeros((epochs, N_FEATURES), dtype=np.float32)
    return hrv_features(beats, epochs).astype(np.float32)


class FeatureSequenceNet(nn.Module):
    """One member: [B, E, 28] features -> [B, E, classes] logits."""

    def __init__(self, num_classes: int, dim: int, layers: int, dropout: float) -> None:
        super().__init__()
        self.embed = nn.Sequential(nn.Linear(N_FEATURES, dim), nn.GELU(), nn.Dropout(dropout), nn.Linear(dim, dim))
        self.mixer = SequenceMixer(dim, layers, 7, 5, dropout=dropout)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.head(self.mixer(self.embed(features)))


class HRVSequence(nn.Module):
    """An ensemble of ``members`` ``FeatureSequenceNet``s on the HRV features of the IBI signal, and optionally
    boosted trees (``trees`` per class, ``tree_nodes`` nodes, ``tree_depth`` deep) blended in with ``tree_weight``.

    ``forward(x, present=None)``: ``x["IBI"]`` [B, E x 256] intervals in seconds (as ``Wav2Sleep`` takes its
    signals; ``present`` is accepted for the same call, and the caller leaves unusable epochs unscored).
    Returns [B, E, num_classes] log-probabilities of the ensemble.
    """

    signals = ("IBI",)

    def __init__(self, num_classes: int = 4, dim: int = 32, layers: int = 1, dropout: float = 0.3,
                 members: int = 3, trees: int = 0, tree_nodes: int = 1, tree_depth: int = 0,
                 tree_weight: float = 0.5) -> None:  # fmt: skip
        super().__init__()
        if num_classes not in (4, 5):
            raise ConfigError(f"num_classes must be 4 or 5, got {num_classes}")
        if members < 1:
            raise ConfigError(f"members must be >= 1, got {members}")
        if trees < 0 or tree_nodes < 1 or tree_depth < 0 or not 0 <= tree_weight <= 1:
            raise ConfigError(f"boosted trees: need trees >= 0, tree_nodes >= 1, tree_depth >= 0 and 0 <= "
                              f"tree_weight <= 1; got {trees}, {tree_nodes}, {tree_depth}, {tree_weight}")  # fmt: skip
        self.config = {"num_classes": num_classes, "dim": dim, "layers": layers, "dropout": dropout,
                       "members": members}  # fmt: skip
        if trees:
            self.config |= {"trees": trees, "tree_nodes": tree_nodes, "tree_depth": tree_depth,
                            "tree_weight": tree_weight}  # fmt: skip
        self.num_classes = num_classes
        self.members = nn.ModuleList(FeatureSequenceNet(num_classes, dim, layers, dropout) for _ in range(members))
        # Gradient-boosted trees on the same features, blended with the networks' mean (tree_weight of it).
        self.forest = BoostedTrees(num_classes, trees, tree_nodes, tree_depth) if trees else None
        self.tree_weight = tree_weight

    def features(self, ibi: torch.Tensor) -> torch.Tensor:
        """[B, E x 256] IBI grids -> [B, E, 28] features (each night z-scored on its own)."""
        rows = [night_features(night.detach().cpu().double().numpy()) for night in ibi]
        return torch.from_numpy(np.stack(rows)).to(ibi.device)

    def forward(self, x: dict[str, torch.Tensor], present: dict[str, torch.Tensor] | None = None) -> torch.Tensor:
        if set(x) != {"IBI"}:
            raise ConfigError(f"model signals are IBI; got {', '.join(sorted(x)) or 'none'}")
        ibi = x["IBI"]
        spe = signal_spec("IBI").samples_per_epoch
        if ibi.ndim != 2 or ibi.shape[1] % spe or ibi.shape[1] == 0:
            raise ConfigError(f"IBI: expected [batch, epochs x {spe}] samples, got shape {tuple(ibi.shape)}")
        if bool(torch.isinf(ibi[:, 0]).any()):  # the absent-signal marker: this model has no other signal
            raise ConfigError("IBI is absent for some nights; this model needs beat intervals")
        features = self.features(ibi)
        probs = torch.stack([member(features).softmax(-1) for member in self.members]).mean(0)
        if self.forest is not None:
            probs = (1 - self.tree_weight) * probs + self.tree_weight * self.forest(features)
        return probs.clamp_min(torch.finfo(probs.dtype).tiny).log()
