"""Building blocks shared by the architectures: activations, norms, 1-D convolutions with 'same'/causal padding."""

from __future__ import annotations

import torch
from torch import nn

from wav2sleep.errors import ConfigError

__all__ = [
    "activation",
    "activate_",
    "ChannelLayerNorm",
    "instance_norm_",
    "norm_1d",
    "Conv1dSame",
    "conv1d_channels_last",
    "infers_channels_last",
    "norm_channels_last_",
    "normalises_channels_last",
]

CHUNK = 4096  # samples per partial sum (and sum of squares): float32 within a chunk, float64 across chunks
# Largest squared mean, relative to the variance, whose variance is taken from uncentred sums of squares (they then
# lose at most a few float32 roundings; the activations of the published models stay under 1.6, docs/models.md).
OFFSET_LIMIT = 2.0
PIECE_BYTES = 16 * 2**20  # activation bytes reduced at a time


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


def is_plain_instance_norm(norm: nn.Module) -> bool:
    """Instance norm without affine or running statistics: what ``instance_norm_`` computes."""
    return isinstance(norm, nn.InstanceNorm1d) and not norm.affine and not norm.track_running_stats


def normalises_channels_last(norm: nn.Module) -> bool:
    """Whether ``norm_channels_last_`` computes ``norm``: plain instance norm, layer norm over channels, none."""
    return is_plain_instance_norm(norm) or isinstance(norm, ChannelLayerNorm | nn.Identity)


def infers_channels_last(x: torch.Tensor, norms) -> bool:
    """Whether layers with these ``norms`` take their channels-last path on ``x``: inference (no autograd) on CPU,
    every norm one ``norm_channels_last_`` computes."""
    return not torch.is_grad_enabled() and x.device.type == "cpu" and all(map(normalises_channels_last, norms))


def norm_channels_last_(norm: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """``norm`` (see ``normalises_channels_last``) of a channels-last [B, T, C] tensor, in place where it can be; no
    autograd. Layer norm over channels is then PyTorch's fused kernel over the last axis."""
    if is_plain_instance_norm(norm):
        return instance_norm_(x, norm.eps)
    if isinstance(norm, ChannelLayerNorm):
        return nn.functional.layer_norm(x, x.shape[-1:], norm.weight.flatten(), norm.bias.flatten(), norm.eps)
    return x


def instance_norm_(x: torch.Tensor, eps: float) -> torch.Tensor:
    """Instance norm without affine of a channels-last [B, T, C] tensor (over T), in place. PyTorch's CPU kernel
    accumulates each channel one sample at a time; here the sums and sums of squares are taken in float32 within
    chunks of ``CHUNK`` samples and in float64 across them; where a channel's offset is large against its spread
    (``OFFSET_LIMIT``), whose squares would lose its variance to cancellation, the mean is subtracted first and the
    squares summed again. As accurate as PyTorch's kernel (within 1e-6 of float64 over night-long channels,
    whatever their offset) and several times faster (docs/models.md). No autograd."""
    length = x.shape[1]
    mean = _chunked_sum(x, torch.sum) / length
    variance = _chunked_sum(x, _sum_of_squares) / length - mean.square()
    if bool((mean.square() > OFFSET_LIMIT * variance).any()):
        x.sub_(mean.to(x.dtype))
        mean = torch.zeros_like(mean)
        variance = _chunked_sum(x, _sum_of_squares) / length
    scale = (variance + eps).rsqrt()
    # (x - mean) * scale in one pass over x
    return torch.addcmul((-mean * scale).to(x.dtype), x, scale.to(x.dtype), out=x)


def _sum_of_squares(x: torch.Tensor, dim: int) -> torch.Tensor:
    return torch.linalg.vecdot(x, x, dim=dim)


def _chunked_sum(x: torch.Tensor, reduce) -> torch.Tensor:
    """The float64 sum over T of [B, T, C] (kept, size 1) of ``reduce(chunk, dim)`` over chunks of ``CHUNK`` rows."""
    batch, length, channels = x.shape
    whole = length // CHUNK * CHUNK
    total = torch.zeros(batch, 1, channels, dtype=torch.float64, device=x.device)
    if whole:
        chunks = x[:, :whole].unflatten(1, (-1, CHUNK))
        # A few MB of chunks at a time: a reduction's temporary (the squares) is then never a night-long copy.
        per_group = max(1, PIECE_BYTES // (batch * channels * x.element_size() * CHUNK))
        for group in chunks.split(per_group, 1):
            total += reduce(group, 2).double().sum(1, keepdim=True)
    if whole < length:
        total += reduce(x[:, whole:], 1).double().unsqueeze(1)
    return total


def activate_(act: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """``act(x)``, in place where the activation allows it (GELU); no autograd."""
    if isinstance(act, nn.GELU):
        return torch.ops.aten.gelu_(x, approximate=act.approximate)
    return act(x)


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


def conv1d_channels_last(x: torch.Tensor, conv: Conv1dSame) -> torch.Tensor:
    """``conv`` applied to a channels-last [B, T, C] tensor, giving [B, T', C']. On CPU, oneDNN convolves few
    channels over a long signal about 3x faster in this layout (as a 2-D convolution of height 1 in channels-last
    memory) than in [B, C, T] (docs/models.md); one input channel is a product with the taps, as oneDNN would give
    that convolution's output back in [B, C', T] memory."""
    batch, length, channels = x.shape
    (kernel,), (stride,), (dilation,), (padding,) = conv.kernel_size, conv.stride, conv.dilation, conv.padding
    left = conv.left_pad  # causal: on the left only
    if channels == 1:
        signal = nn.functional.pad(x.reshape(batch, length), (left + padding, padding))
        taps = signal.unfold(-1, (kernel - 1) * dilation + 1, stride)[..., ::dilation]
        return taps @ conv.weight.view(conv.out_channels, kernel).T
    if left:
        x = nn.functional.pad(x, (0, 0, left, 0))
    image = x.contiguous().unsqueeze(1).permute(0, 3, 1, 2)  # [B, C, 1, T] in channels-last memory: no copy
    weight = conv.weight.unsqueeze(2).contiguous(memory_format=torch.channels_last)
    y = nn.functional.conv2d(image, weight, stride=(1, stride), padding=(0, padding), dilation=(1, dilation))
    return y.permute(0, 2, 3, 1).flatten(1, 2)
