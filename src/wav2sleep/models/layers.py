"""Building blocks shared by the architectures: activations, norms, 1-D convolutions with 'same'/causal padding."""

from __future__ import annotations

import torch
from torch import nn

from wav2sleep.errors import ConfigError

__all__ = ["activation", "ChannelLayerNorm", "norm_1d", "Conv1dSame"]


def activation(name: str) -> nn.Module:
    table = {"gelu": nn.GELU, "relu": nn.ReLU, "leaky_relu": nn.LeakyReLU, "elu": nn.ELU, "silu": nn.SiLU}
    if name not in table:
        raise ConfigError(f"unknown activation {name!r}; known: {', '.join(table)}")
    return table[name]()


class ChannelLayerNorm(nn.Module):
    """LayerNorm over the channel axis of a [B, C, T] tensor, separately at every time step (affine per channel)."""

    def __init__(self, channels: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(1, channels, 1))
        self.bias = nn.Parameter(torch.zeros(1, channels, 1))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean = x.mean(dim=1, keepdim=True)
        var = x.var(dim=1, keepdim=True, unbiased=False)
        return (x - mean) * torch.rsqrt(var + self.eps) * self.weight + self.bias


def norm_1d(kind: str, channels: int, instance_eps: float = 1e-2) -> nn.Module:
    """``instance`` (non-affine, eps 1e-2 as published), ``batch``, ``layer`` (per time step) or ``none``."""
    if kind == "instance":
        return nn.InstanceNorm1d(channels, eps=instance_eps, affine=False)
    if kind == "batch":
        return nn.BatchNorm1d(channels)
    if kind == "layer":
        return ChannelLayerNorm(channels)
    if kind == "none":
        return nn.Identity()
    raise ConfigError(f"unknown norm {kind!r}; known: instance, batch, layer, none")


class Conv1dSame(nn.Conv1d):
    """A bias-free 1-D convolution whose output has length ceil(T / stride).

    Non-causal: symmetric padding (k-1)*d/2 on each side. Causal: all padding on the left, so output t sees
    inputs up to t only.
    """

    def __init__(self, cin: int, cout: int, kernel: int, *, stride: int = 1, dilation: int = 1, causal: bool = False):
        total = (kernel - 1) * dilation
        super().__init__(cin, cout, kernel, stride=stride, dilation=dilation, bias=False,
                         padding=0 if causal else total // 2)  # fmt: skip
        self.left_pad = total if causal else 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.left_pad:
            x = nn.functional.pad(x, (self.left_pad, 0))
        return super().forward(x)
