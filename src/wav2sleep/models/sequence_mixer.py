"""Dilated-CNN sequence mixer across epochs: each block stacks convolutions with dilations 1, 2, 4, ..."""

from __future__ import annotations

import torch
from torch import nn

from wav2sleep.models.encoders import ConvLayer
from wav2sleep.models.layers import activation, infers_channels_last

__all__ = ["DilatedBlock", "SequenceMixer"]


class DilatedBlock(nn.Module):
    """conv layers (dilations 1..2**(n-1)) -> dropout -> + residual -> activation."""

    def __init__(self, dim: int, kernel: int, num_dilations: int, norm: str, act: str, dropout: float,
                 causal: bool) -> None:  # fmt: skip
        super().__init__()
        self.conv_layers = nn.ModuleList(
            ConvLayer(dim, dim, kernel=kernel, dilation=2**i, norm=norm, act=act, causal=causal)
            for i in range(num_dilations)
        )
        self.dropout = nn.Dropout(dropout)
        self.act = activation(act)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x
        for layer in self.conv_layers:
            y = layer(y)
        return self.act(self.dropout(y) + x)

    def forward_channels_last(self, x: torch.Tensor) -> torch.Tensor:
        """Inference on [B, E, F] as it comes (``SequenceMixer``): the values of ``forward``."""
        y = x
        for layer in self.conv_layers:
            y = layer.forward_channels_last(y)
        return self.act(self.dropout(y) + x)


class SequenceMixer(nn.Module):
    """[B, E, F] -> [B, E, F]; receptive field ``num_layers * (kernel - 1) * (2**num_dilations - 1) + 1`` epochs."""

    def __init__(self, feature_dim: int = 128, num_layers: int = 2, kernel_size: int = 7, num_dilations: int = 6,
                 norm: str = "layer", activation: str = "gelu", dropout: float = 0.1, causal: bool = False) -> None:  # fmt: skip
        super().__init__()
        self.dilated_convs = nn.ModuleList(
            DilatedBlock(feature_dim, kernel_size, num_dilations, norm, activation, dropout, causal)
            for _ in range(num_layers)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self._infers_channels_last(x):
            # Inference on CPU in the [B, E, F] layout it is given: oneDNN's dilated convolutions run ~1.4x faster
            # there, and layer norm over features is one fused kernel over the last axis (docs/models.md).
            for block in self.dilated_convs:
                x = block.forward_channels_last(x)
            return x
        h = x.transpose(1, 2)
        for block in self.dilated_convs:
            h = block(h)
        return h.transpose(1, 2)

    def _infers_channels_last(self, x: torch.Tensor) -> bool:
        return infers_channels_last(x, (layer.norm for block in self.dilated_convs for layer in block.conv_layers))
