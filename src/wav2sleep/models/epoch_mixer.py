"""Per-epoch transformer over the set of present signals, read out through a learnable CLS token."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["EpochMixer"]


class EpochMixer(nn.Module):
    """Tokens = [CLS, one per signal]; no positional embedding, so the signal order does not matter.

    Missing signals are hidden with the key-padding mask (the CLS token is always visible), per night or per epoch.
    """

    def __init__(self, feature_dim: int = 128, layers: int = 2, nhead: int = 8, dim_ff: int = 512,
                 dropout: float = 0.1, activation: str = "gelu") -> None:  # fmt: skip
        super().__init__()
        self.register_tokens = nn.Parameter(torch.randn(1, 1, feature_dim, 1))  # published name and shape
        layer = nn.TransformerEncoderLayer(feature_dim, nhead, dim_ff, dropout, activation=activation,
                                           batch_first=True, norm_first=True)  # fmt: skip
        self.transformer_encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)

    def forward(self, tokens: torch.Tensor, missing: torch.Tensor) -> torch.Tensor:
        """``tokens`` [B, E, S, F], ``missing`` [B, S] or per epoch [B, E, S] (True = absent) -> [B, E, F]."""
        batch, epochs, n_signals, features = tokens.shape
        cls = self.register_tokens[0, 0, :, 0].expand(batch * epochs, 1, features)
        seq = torch.cat([cls, tokens.reshape(batch * epochs, n_signals, features)], dim=1)
        if missing.ndim == 2:
            missing = missing[:, None, :].expand(batch, epochs, n_signals)
        mask = torch.cat([missing.new_zeros(batch, epochs, 1), missing], dim=2).reshape(batch * epochs, n_signals + 1)
        out = self.transformer_encoder(seq, src_key_padding_mask=mask)
        return out[:, 0].reshape(batch, epochs, features)
