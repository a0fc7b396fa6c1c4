"""Per-signal CNN encoders: a raw signal [B, T] -> one feature vector per 30-s epoch [B, E, F].

Each residual block halves the length; ``log2(samples_per_epoch) - 2`` blocks leave 4 vectors per epoch, which are
concatenated and projected to the feature size. Two block variants: ``"strided"`` (published checkpoints: the third
convolution has stride 2) and ``"maxpool"`` (paper-era: three stride-1 convolutions then max pooling).
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.utils.checkpoint import checkpoint

from wav2sleep.errors import ConfigError
from wav2sleep.models.layers import (
    Conv1dSame,
    activate_,
    activation,
    conv1d_channels_last,
    infers_channels_last,
    norm_1d,
    norm_channels_last_,
)
from wav2sleep.signals import signal_spec

__all__ = ["ConvLayer", "ResidualBlock", "SignalEncoder", "SignalEncoders", "encoder_channels"]


class ConvLayer(nn.Module):
    """conv -> norm -> activation (the unit of the encoders and of the sequence mixer)."""

    def __init__(self, cin, cout, *, kernel=3, stride=1, dilation=1, norm="instance", act="gelu", causal=False):
        super().__init__()
        self.conv = Conv1dSame(cin, cout, kernel, stride=stride, dilation=dilation, causal=causal)
        self.norm = norm_1d(norm, cout)
        self.act = activation(act)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.norm(self.conv(x)))

    def forward_channels_last(self, x: torch.Tensor) -> torch.Tensor:
        """Inference on a channels-last [B, T, C] tensor (``normalises_channels_last(self.norm)``): the values of
        ``forward``."""
        return activate_(self.act, norm_channels_last_(self.norm, conv1d_channels_last(x, self.conv)))


class ResidualBlock(nn.Module):
    """Three conv layers that halve the length, plus a 1x1 stride-2 shortcut; activation after the sum."""

    def __init__(self, cin, cout, *, block="strided", norm="instance", act="gelu", causal=False, residual=True):
        super().__init__()
        if block not in ("strided", "maxpool"):
            raise ConfigError(f"unknown encoder block {block!r}; known: strided, maxpool")
        last_stride = 2 if block == "strided" else 1
        self.conv1 = ConvLayer(cin, cout, norm=norm, act=act, causal=causal)
        self.conv2 = ConvLayer(cout, cout, norm=norm, act=act, causal=causal)
        self.conv3 = ConvLayer(cout, cout, stride=last_stride, norm=norm, act=act, causal=causal)
        self.pool = nn.MaxPool1d(2) if block == "maxpool" else None
        self.downsample = nn.Conv1d(cin, cout, 1, stride=2, bias=False) if residual else None
        self.act = activation(act)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv3(self.conv2(self.conv1(x)))
        if self.pool is not None:
            y = self.pool(y)
        if torch.is_grad_enabled():
            return self.act(y + self._shortcut(x) if self.downsample is not None else y)
        if self.downsample is not None:  # inference: in place, one activation fewer alive
            y = y.add_(self._shortcut(x))
        return activate_(self.act, y)

    def forward_channels_last(self, x: torch.Tensor) -> torch.Tensor:
        """Inference on a channels-last [B, T, C] tensor (``SignalEncoder``): the values of ``forward``."""
        y = self.conv3.forward_channels_last(self.conv2.forward_channels_last(self.conv1.forward_channels_last(x)))
        if self.pool is not None:
            y = y[:, : y.shape[1] // 2 * 2].unflatten(1, (-1, 2)).amax(2)
        if self.downsample is not None:
            y = self._add_shortcut_channels_last(y, x)
        return activate_(self.act, y)

    def _add_shortcut_channels_last(self, y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """``y`` plus the 1x1 stride-2 shortcut of ``x`` ([B, T, C] memory), accumulated into ``y`` by one product:
        no shortcut tensor and no pass to add it (half the time of convolving then adding)."""
        strided = x[:, ::2]
        weight = self.downsample.weight.flatten(1)  # [C', C]
        if x.shape[-1] == 1:
            return y.addcmul_(strided, weight.view(1, 1, -1))
        return y.baddbmm_(strided, weight.T.expand(x.shape[0], -1, -1))

    def _shortcut(self, x: torch.Tensor) -> torch.Tensor:
        if self.downsample.in_channels == 1:
            # One input channel: each output is one product, which oneDNN's strided 1x1 convolution takes 4x longer
            # to make (a night-long first block); the same values.
            return x[..., ::2] * self.downsample.weight.view(1, -1, 1)
        return self.downsample(x)


def encoder_channels(samples_per_epoch: int, initial: int = 16, maximum: int = 128) -> list[int]:
    """Channels per block: ``min(initial * 2**(i // 2), maximum)`` for ``log2(spe) - 2`` blocks."""
    blocks = int(math.log2(samples_per_epoch)) - 2
    if 2 ** (blocks + 2) != samples_per_epoch:
        raise ConfigError(f"samples per epoch must be a power of two >= 8, got {samples_per_epoch}")
    return [min(initial * 2 ** (i // 2), maximum) for i in range(blocks)]


class SignalEncoder(nn.Module):
    """CNN for one signal; ``chunk_causal`` encodes every epoch on its own (no look-ahead, even through norms)."""

    def __init__(self, samples_per_epoch: int, feature_dim: int = 128, *, channels: list[int] | None = None,
                 initial_channels: int = 16, max_channels: int = 128, block: str = "strided", norm: str = "instance", act: str = "gelu", causal: bool = False,
                 chunk_causal: bool = False, residual: bool = True, output_norm: bool = False,
                 checkpointing: bool = False) -> None:  # fmt: skip
        super().__init__()
        channels = channels or encoder_channels(samples_per_epoch, initial_channels, max_channels)
        self.samples_per_epoch = samples_per_epoch
        self.chunk_causal = chunk_causal
        self.checkpointing = checkpointing
        cins = [1, *channels[:-1]]
        self.cnn = nn.ModuleList(
            ResidualBlock(ci, co, block=block, norm=norm, act=act, causal=causal, residual=residual)
            for ci, co in zip(cins, channels, strict=True)
        )
        self.linear = nn.Linear(4 * channels[-1], feature_dim)
        self.act = activation(act)
        self.out_norm = nn.LayerNorm(feature_dim) if output_norm else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, length = x.shape
        epochs = length // self.samples_per_epoch
        # Each epoch's 4 vectors concatenated in time order: [B, E, 4C].
        h = self._blocks_channels_last(x) if self._infers_channels_last(x) else self._blocks(x)
        out = self.act(self.linear(h.reshape(batch, epochs, -1)))
        return self.out_norm(out) if self.out_norm is not None else out

    def _blocks(self, x: torch.Tensor) -> torch.Tensor:
        """[B, T] -> [B, 4E, C] (or [B*E, 4, C] chunk-causal) through the blocks in [B, C, T] memory."""
        epochs = x.shape[1] // self.samples_per_epoch
        h = x.reshape(-1, 1, self.samples_per_epoch) if self.chunk_causal else x.unsqueeze(1)
        if self.checkpointing and self.training:
            # One night at a time (its E chunks when chunk-causal): the backward pass then recomputes one night's
            # block activations rather than the batch's, which keeps the peak low enough for training to keep its
            # buffers in the heap (wav2sleep.models.allocator); the values are the same.
            h = torch.cat([self._checkpointed(night) for night in h.split(max(epochs, 1) if self.chunk_causal else 1)])
        else:
            for block in self.cnn:
                h = block(h)
        return h.transpose(1, 2)

    def _blocks_channels_last(self, x: torch.Tensor) -> torch.Tensor:
        """``_blocks`` for inference on CPU, every block in channels-last [B, T, C] memory, where oneDNN convolves
        the early blocks' few channels over a night about 3x faster (the same values; docs/models.md)."""
        h = x.reshape(-1, self.samples_per_epoch if self.chunk_causal else x.shape[1], 1)
        for block in self.cnn:
            h = block.forward_channels_last(h)
        return h

    def _infers_channels_last(self, x: torch.Tensor) -> bool:
        norms = (layer.norm for block in self.cnn for layer in (block.conv1, block.conv2, block.conv3))
        return infers_channels_last(x, norms)

    def _checkpointed(self, h: torch.Tensor) -> torch.Tensor:
        """The blocks, each keeping only its input: a second forward pass in exchange for night-long activations."""
        for block in self.cnn:
            h = checkpoint(block, h, use_reentrant=False)
        return h


class SignalEncoders(nn.Module):
    """One encoder per entry of ``signal_map`` (signal -> encoder name; several signals may share an encoder).

    ``channels_by_rate`` ({samples per epoch: channels per block}) overrides the default channel plan per rate
    (the paper-era model widened the 256-sample encoders).
    """

    def __init__(self, signal_map: dict[str, str], feature_dim: int = 128,
                 channels_by_rate: dict[int, list[int]] | None = None, **encoder_kwargs) -> None:  # fmt: skip
        super().__init__()
        self.signal_map = dict(signal_map)
        rates = {}
        for signal, name in self.signal_map.items():
            spe = signal_spec(signal).samples_per_epoch
            if rates.setdefault(name, spe) != spe:
                raise ConfigError(f"encoder {name!r} is shared by signals of different rates")
        by_rate = {int(k): v for k, v in (channels_by_rate or {}).items()}
        self.encoders = nn.ModuleDict({name: SignalEncoder(spe, feature_dim, channels=by_rate.get(spe), **encoder_kwargs)
                                       for name, spe in rates.items()})  # fmt: skip

    def forward(self, signal: str, x: torch.Tensor) -> torch.Tensor:
        return self.encoders[self.signal_map[signal]](x)
