"""Layers with a faster inference path give the values of the plain PyTorch ones."""

import pytest
import torch
import torch.nn.functional as F

from wav2sleep.models.encoders import ConvLayer, ResidualBlock
from wav2sleep.models.layers import CHUNK, instance_norm_


@pytest.mark.parametrize(
    ("shape", "offset", "spread"),
    [
        ((1, 16, 40 * CHUNK), 0.3, 0.7),  # whole chunks, as a 10-h night's first blocks
        ((2, 3, 5 * CHUNK + 123), 30.0, 0.7),  # a large offset (centred before squaring) and a partial chunk
        ((3, 4, 100), 1.0, 0.01),  # shorter than a chunk; spread well under eps
        ((1, 2, 300_000), -5.0, 3.0),
    ],
)
def test_in_place_instance_norm_is_as_accurate_as_pytorchs(shape, offset, spread):
    torch.manual_seed(0)
    x = torch.randn(shape) * spread + offset
    exact = F.instance_norm(x.double(), eps=1e-2)
    theirs = F.instance_norm(x, eps=1e-2).double()
    ours = instance_norm_(x, 1e-2).double()
    assert (ours - exact).abs().max() <= 2 * (theirs - exact).abs().max() + 1e-6


@pytest.mark.parametrize("norm", ["instance", "batch", "layer"])
def test_a_conv_layer_and_a_block_give_the_same_values_with_and_without_autograd(norm):
    """Without autograd, a layer normalises and activates its convolution's output in place (instance norm: our
    own statistics); with it, PyTorch's modules as they are."""
    torch.manual_seed(1)
    layer, block = ConvLayer(4, 8, norm=norm).eval(), ResidualBlock(4, 8, norm=norm).eval()
    x = torch.randn(2, 4, 3 * CHUNK + 7) * 4 + 2
    for module in (layer, block):
        with_grad = module(x.requires_grad_())
        with_grad.sum().backward()  # the plain modules: differentiable
        with torch.inference_mode():
            inferred = module(x.detach())
        with torch.no_grad():
            assert torch.equal(module(x), inferred)
        torch.testing.assert_close(inferred, with_grad.detach())  # float32 rounding apart
    kept = x.detach().clone()
    with torch.inference_mode():
        layer(x.detach()), block(x.detach())
    assert torch.equal(x.detach(), kept)  # in place on their own outputs, never on the input


@pytest.mark.parametrize("length", [4096, 4097])
def test_a_one_channel_shortcut_equals_the_strided_convolution(length):
    torch.manual_seed(2)
    block = ResidualBlock(1, 16)
    x = torch.randn(3, 1, length)
    expected = F.conv1d(x, block.downsample.weight, stride=2)
    assert torch.equal(block._shortcut(x), expected)
